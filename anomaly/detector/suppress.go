package detector

import (
	"math"
	"time"
)

// alarm fills in the Probability and Alarm of res from the raw score's
// tail probability q, and applies the suppression window: after an
// alarm at t, samples before t + SuppressFor neither alarm nor report a
// Probability, so that one incident is one alarm (NAB's best detectors do
// the same, and so does an on-call rotation).
func (det *Detector) alarm(t time.Time, q float64, res *Result) {
	p := math.Min(1, math.Max(0, 1-q))
	if t.Before(det.suppress) {
		return
	}
	res.Probability = p
	if p >= det.cfg.AlarmThreshold {
		res.Alarm = true
		if det.cfg.SuppressFor > 0 {
			det.suppress = t.Add(det.cfg.SuppressFor)
		}
	}
}
