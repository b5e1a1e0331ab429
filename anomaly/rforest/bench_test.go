package rforest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// weekOfMinutes is a week of one-minute rows of one route's six load
// features (request rate, concurrency, DB queries per request, cache hit
// ratio, host CPU, hour of day) and its p95 latency in ms, shaped like
// testdata/latency.csv (see oracle.py) but following the clock.
func weekOfMinutes() ([][]float64, []float64) {
	const n = 7 * 24 * 60
	rng := rand.New(rand.NewPCG(11, 12))
	X := make([][]float64, n)
	y := make([]float64, n)
	for i := range X {
		hour := float64(i%1440) / 60
		day := math.Sin(2 * math.Pi * (hour - 8) / 24)
		rate := 200 * (1 + 0.6*day) * math.Exp(0.15*rng.NormFloat64())
		conc := rate * 0.04 * math.Exp(0.25*rng.NormFloat64())
		dbq := float64(1 + rng.IntN(12))
		cache := min(max(0.8+0.1*rng.NormFloat64(), 0.3), 0.995)
		cpu := min(max(rate/600+0.15*rng.NormFloat64(), 0.02), 0.99)
		rho := min(rate/520, 0.92)
		p95 := 12 + 8/(1-rho) + 6*dbq*(1-0.8*cache) + 60*cpu*cpu*cpu + 0.05*conc
		if hour >= 1 && hour < 4 {
			p95 += 25
		}
		X[i] = []float64{rate, conc, dbq, cache, cpu, math.Floor(hour)}
		y[i] = p95*math.Exp(0.06*rng.NormFloat64()) + 2*rng.NormFloat64()
	}
	return X, y
}

func benchFit(b *testing.B, opts Options) {
	X, y := weekOfMinutes()
	b.ReportAllocs()
	var f *Forest
	for b.Loop() {
		var err error
		if f, err = Fit(X, y, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.SizeBytes()), "retained-B")
	b.ReportMetric(float64(f.NumNodes())/float64(f.NumTrees()), "nodes/tree")
	b.ReportMetric(f.OOBScore(), "oob-R2")
}

func BenchmarkFit(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchFit(b, Options{Seed: 1}) })
	b.Run("sidecar", func(b *testing.B) {
		o := SidecarOptions()
		o.Seed = 1
		benchFit(b, o)
	})
}

func benchPredict(b *testing.B, opts Options) {
	X, y := weekOfMinutes()
	f, err := Fit(X, y, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = f.Predict(X[i%len(X)])
		i++
	}
}

// BenchmarkPredict is the cost of one row's prediction (ns/op per row).
func BenchmarkPredict(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchPredict(b, Options{Seed: 1}) })
	b.Run("sidecar", func(b *testing.B) {
		o := SidecarOptions()
		o.Seed = 1
		benchPredict(b, o)
	})
}

// BenchmarkPredictBatch predicts the whole week at once; rows/s is the
// throughput.
func BenchmarkPredictBatch(b *testing.B) {
	X, y := weekOfMinutes()
	o := SidecarOptions()
	o.Seed = 1
	f, err := Fit(X, y, o)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, len(X))
	b.ReportAllocs()
	for b.Loop() {
		dst = f.PredictBatch(X, dst)
	}
	b.ReportMetric(float64(b.N*len(X))/b.Elapsed().Seconds(), "rows/s")
}
