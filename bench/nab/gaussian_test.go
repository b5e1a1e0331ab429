package main

import (
	"math"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

func TestWindowedGaussian(t *testing.T) {
	// Before the first recomputation (every 100 values) NAB's detector uses
	// mean 0 and std 1: the first value scores 0, a value of 1 scores
	// 1 - P(Z >= 1) = 0.8413447460685429 and -2 scores 1 - P(Z >= 2).
	var s []baseline.Sample
	for i, v := range []float64{5, 1, -2} {
		s = append(s, baseline.Sample{T: time.Unix(int64(i)*300, 0), V: v})
	}
	got := windowedGaussian(s)
	want := []float64{0, 0.8413447460685429, 0.9772498680518208}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("score %d = %v, want %v", i, got[i], want[i])
		}
	}
}
