package rulegen

import (
	"math"
	"testing"
)

// interpolate is histogram_quantile's linear interpolation over cumulative counts at
// bounds, with n observations in all.
func interpolate(bounds, cum []float64, q, n float64) float64 {
	rank := q * n
	for i, c := range cum {
		if c >= rank {
			if i == 0 {
				return bounds[0]
			}
			return bounds[i-1] + (bounds[i]-bounds[i-1])*(rank-cum[i-1])/(c-cum[i-1])
		}
	}
	return math.Inf(1)
}

func TestQuantileBucketsPutTheQuantileAtV(t *testing.T) {
	bounds := []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}
	for _, q := range []float64{0.5, 0.95, 0.99} {
		// Values low and high in their buckets (both branches), and on a boundary.
		for _, v := range []float64{0.3, 1.99, 3, 19.9, 20, 21, 49, 51, 99, 999} {
			const n = 100000
			cum := quantileBuckets(bounds, q, v, n)
			for i := 1; i < len(cum); i++ {
				if cum[i] < cum[i-1] || cum[i] > n {
					t.Fatalf("q=%g v=%g: counts %v are not cumulative within %d", q, v, cum, n)
				}
			}
			if got := interpolate(bounds, cum, q, n); math.Abs(got-v) > 1e-9*v {
				t.Errorf("q=%g v=%g: histogram_quantile would give %g", q, v, got)
			}
		}
	}
}
