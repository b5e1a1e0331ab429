package iforest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// weekOfMinutes is a week of one-minute points of four features shaped like
// one route's (rate, latency, error ratio, DB share), with a daily cycle.
func weekOfMinutes() [][]float64 {
	const n = 7 * 24 * 60
	rng := rand.New(rand.NewPCG(11, 12))
	X := make([][]float64, n)
	for i := range X {
		day := math.Sin(2 * math.Pi * float64(i%1440) / 1440)
		X[i] = []float64{
			100 + 40*day + 5*rng.NormFloat64(),
			0.2 + 0.05*day + 0.02*rng.NormFloat64(),
			math.Abs(0.01 * rng.NormFloat64()),
			0.3 + 0.05*rng.NormFloat64(),
		}
	}
	return X
}

func BenchmarkFit(b *testing.B) {
	X := weekOfMinutes()
	b.ReportAllocs()
	var f *Forest
	for b.Loop() {
		var err error
		if f, err = Fit(X, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(X))/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(f.SizeBytes()), "retained-B")
}

func BenchmarkScoreBatch(b *testing.B) {
	X := weekOfMinutes()
	f, err := Fit(X, Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, len(X))
	b.ReportAllocs()
	for b.Loop() {
		dst = f.ScoreBatch(X, dst)
	}
	b.ReportMetric(float64(b.N*len(X))/b.Elapsed().Seconds(), "points/s")
}

func BenchmarkScore(b *testing.B) {
	X := weekOfMinutes()
	f, err := Fit(X, Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = f.Score(X[i%len(X)])
		i++
	}
}
