package rforest_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/perfwatch/perfwatch/anomaly/rforest"
)

// A what-if: fit p95 latency on (request rate, CPU) and ask what p95 would
// be at 1.5x the rate, which stays inside the training range, and at 3x,
// which does not: a forest cannot extrapolate, so the caller must check
// the range it was fitted on. The expected figures are the generating
// formula's.
func Example_whatIf() {
	rng := rand.New(rand.NewPCG(1, 2))
	var X [][]float64
	var y []float64
	for range 2000 {
		rate := 50 + 350*rng.Float64() // req/s
		cpu := rate/500 + 0.05*rng.NormFloat64()
		X = append(X, []float64{rate, cpu})
		y = append(y, 20+8/(1-rate/450)+rng.NormFloat64()) // ms
	}
	f, err := rforest.Fit(X, y, rforest.SidecarOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	p95 := func(rate float64) float64 { return 20 + 8/(1-rate/450) } // the noiseless truth
	now := []float64{200, 0.4}
	for _, k := range []float64{1, 1.5} {
		x := []float64{now[0] * k, now[1] * k}
		fmt.Printf("%.1fx: p95 %.0f ms, truth %.0f ms\n", k, math.Round(f.Predict(x)), p95(x[0]))
	}
	// At 3x (600 req/s, past the queue's saturation at 450) the forest
	// answers with its prediction at the edge of the data, 400 req/s.
	edge := f.Predict([]float64{600, 1.2})
	fmt.Printf("3.0x: p95 within 5 ms of the truth at 400 req/s (%.0f ms): %v\n", p95(400), math.Abs(edge-p95(400)) < 5)
	// Output:
	// 1.0x: p95 34 ms, truth 34 ms
	// 1.5x: p95 44 ms, truth 44 ms
	// 3.0x: p95 within 5 ms of the truth at 400 req/s (92 ms): true
}
