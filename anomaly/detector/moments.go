package detector

import "math"

// moments is an exponentially weighted mean and variance of a stream. Its
// weight per value is max(alpha, 1/n), so the first values give the plain
// running mean and (population) variance.
type moments struct {
	n        uint64
	mean     float64
	variance float64
}

// update learns x with smoothing factor alpha.
func (m *moments) update(x, alpha float64) {
	m.n++
	if m.n == 1 {
		m.mean, m.variance = x, 0
		return
	}
	a := math.Max(alpha, 1/float64(m.n))
	d := x - m.mean
	m.mean += a * d
	m.variance = (1 - a) * (m.variance + a*d*d)
	if !finite(m.mean) || !finite(m.variance) { // overflow on extreme input
		m.mean, m.variance = x, 0
	}
}
