package main

import (
	"math"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// windowedGaussian is NAB's reference detector of that name (nab/detectors/
// gaussian), re-implemented as a check of the scorer: the score of a value is
// one minus the normal tail probability of its distance from the mean of the
// last 6400 values, the mean and standard deviation being recomputed every
// 100 values (0 and 1 before the first recomputation).
func windowedGaussian(samples []baseline.Sample) []float64 {
	const windowSize, stepSize = 6400, 100
	mean, std := 0.0, 1.0
	var window []float64
	step := 0
	out := make([]float64, len(samples))
	for i, s := range samples {
		x := s.V
		if len(window) > 0 {
			d := math.Abs(x - mean)
			out[i] = 1 - 0.5*math.Erfc(d/std/math.Sqrt2)
		}
		window = append(window, x)
		if len(window) > windowSize {
			window = window[1:]
		}
		step++
		if step == stepSize {
			step = 0
			sum := 0.0
			for _, w := range window {
				sum += w
			}
			mean = sum / float64(len(window))
			ss := 0.0
			for _, w := range window {
				ss += (w - mean) * (w - mean)
			}
			std = math.Sqrt(ss / float64(len(window)))
			if std == 0 {
				std = 0.000001
			}
		}
	}
	return out
}
