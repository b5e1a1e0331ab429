package synthetic

import (
	"errors"
	"math"
	"time"
)

// EvalOptions configures Evaluate. The zero value of every field means its
// default.
type EvalOptions struct {
	// Threshold: a point alarms when its score is above it (default 1,
	// vmanomaly's convention).
	Threshold float64
	// Grace extends every window past its end: an alarm there still counts
	// as a detection (late, or the detector settling back) and never as a
	// false alarm (default 15m; negative for none).
	Grace time.Duration
}

func (o EvalOptions) withDefaults() EvalOptions {
	if o.Threshold == 0 {
		o.Threshold = 1
	}
	switch {
	case o.Grace == 0:
		o.Grace = 15 * time.Minute
	case o.Grace < 0:
		o.Grace = 0
	}
	return o
}

// Detection is the outcome for one window.
type Detection struct {
	Window   Window
	Detected bool
	// FirstAlarm is the first alarming point in [Start, End+Grace), and
	// Delay its distance from Start; both are zero when not detected.
	FirstAlarm time.Time
	Delay      time.Duration
	// Span is End + Grace - Start, the time in which an alarm counts as a
	// detection.
	Span time.Duration
	// Scored and Alarms count the scored and the alarming points in
	// [Start, End): for a long window (a seasonal break) one early alarm
	// may be chance, and their ratio says how much of it was flagged.
	Scored, Alarms int
}

// Evaluation is the outcome for one scored series.
type Evaluation struct {
	Detections []Detection
	// FalseAlarms is the number of alarm episodes with no point in any
	// window (extended by the grace period).
	FalseAlarms int
	// CleanTime is the scored time (scored points times the step) outside
	// the extended windows, the denominator of FalseAlarmsPerDay.
	CleanTime time.Duration
	// CleanAlarms counts the alarming points outside the extended windows
	// (CleanTime/step scored points), the chance level for Detection.Alarms.
	CleanAlarms int
}

// FalseAlarmsPerDay is FalseAlarms over CleanTime in days (NaN when no clean
// time was scored).
func (e Evaluation) FalseAlarmsPerDay() float64 {
	if e.CleanTime <= 0 {
		return math.NaN()
	}
	return float64(e.FalseAlarms) / (float64(e.CleanTime) / float64(24*time.Hour))
}

// Evaluate scores a detector's output: scores[i] is the score of the point
// at start + i*step (NaN where the detector gave none), and windows the
// ground truth. See the package doc for the definitions of detection, delay
// and false-alarm episodes.
func Evaluate(start time.Time, step time.Duration, scores []float64, windows []Window, opt EvalOptions) (Evaluation, error) {
	if step <= 0 {
		return Evaluation{}, errors.New("synthetic: evaluate needs a positive step")
	}
	o := opt.withDefaults()
	at := func(i int) time.Time { return start.Add(time.Duration(i) * step) }
	inWindow := func(t time.Time) bool {
		for _, w := range windows {
			if !t.Before(w.Start) && t.Before(w.End.Add(o.Grace)) {
				return true
			}
		}
		return false
	}
	ev := Evaluation{Detections: make([]Detection, len(windows))}
	for k, w := range windows {
		ev.Detections[k].Window = w
		ev.Detections[k].Span = w.End.Add(o.Grace).Sub(w.Start)
	}
	// An open episode and whether any of its points touched a window.
	open, touched := false, false
	closeEpisode := func() {
		if open && !touched {
			ev.FalseAlarms++
		}
		open, touched = false, false
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			continue // neither extends nor ends an episode
		}
		t := at(i)
		in := inWindow(t)
		alarm := s > o.Threshold
		if !in {
			ev.CleanTime += step
			if alarm {
				ev.CleanAlarms++
			}
		}
		for k := range ev.Detections {
			d := &ev.Detections[k]
			if !t.Before(d.Window.Start) && t.Before(d.Window.End) {
				d.Scored++
				if alarm {
					d.Alarms++
				}
			}
			if alarm && !d.Detected && !t.Before(d.Window.Start) && t.Before(d.Window.End.Add(o.Grace)) {
				d.Detected, d.FirstAlarm, d.Delay = true, t, t.Sub(d.Window.Start)
			}
		}
		if !alarm {
			closeEpisode()
			continue
		}
		open = true
		touched = touched || in
	}
	closeEpisode()
	return ev, nil
}
