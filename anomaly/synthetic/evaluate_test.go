package synthetic

import (
	"math"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	t0 := DefaultStart()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	nan := math.NaN()
	// Ten points, one a minute; unless a case says otherwise the window is
	// points [5, 7) and the grace 2 minutes, so [5, 9) counts as the window
	// and points 0–4 and 9 (6 minutes) as clean time.
	w57 := []Window{{at(5), at(7)}}
	grace2 := EvalOptions{Grace: 2 * time.Minute}
	for _, tc := range []struct {
		name        string
		scores      []float64
		windows     []Window
		opt         EvalOptions
		detected    bool
		delay       time.Duration
		falseAlarms int
		clean       time.Duration
		// points in [Start, End) scored and alarming
		scored, alarms int
	}{
		{"quiet", []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, w57, grace2, false, 0, 0, 6 * time.Minute, 2, 0},
		{"alarm before the window", []float64{0, 2, 0, 0, 0, 0, 0, 0, 0, 0}, w57, grace2, false, 0, 1, 6 * time.Minute, 2, 0},
		{"alarm at the start", []float64{0, 0, 0, 0, 0, 2, 0, 0, 0, 0}, w57, grace2, true, 0, 0, 6 * time.Minute, 2, 1},
		{"alarm inside", []float64{0, 0, 0, 0, 0, 0, 2, 0, 0, 0}, w57, grace2, true, time.Minute, 0, 6 * time.Minute, 2, 1},
		// Point 8 is after the end (7) but within the grace (until 9).
		{"alarm in the grace period", []float64{0, 0, 0, 0, 0, 0, 0, 0, 2, 0}, w57, grace2, true, 3 * time.Minute, 0, 6 * time.Minute, 2, 0},
		{"alarm after the grace period", []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, w57, grace2, false, 0, 1, 6 * time.Minute, 2, 0},
		// Without grace the window is [5, 7): points 7 and 8 are clean.
		{"no grace", []float64{0, 0, 0, 0, 0, 0, 0, 2, 0, 0}, w57, EvalOptions{Grace: -1}, false, 0, 1, 8 * time.Minute, 2, 0},
		// The default grace (15 min) covers everything after point 5.
		{"default grace", []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, w57, EvalOptions{}, true, 4 * time.Minute, 0, 5 * time.Minute, 2, 0},
		// One episode 3–6 starts before the window and runs into it: a
		// detection at the start, not a false alarm.
		{"episode into the window", []float64{0, 0, 0, 2, 2, 2, 2, 0, 0, 0}, w57, grace2, true, 0, 0, 6 * time.Minute, 2, 2},
		// Episodes {0, 1} and {3}: two false alarms, not three points.
		{"episodes, not points", []float64{2, 2, 0, 2, 0, 0, 0, 0, 0, 0}, w57, grace2, false, 0, 2, 6 * time.Minute, 2, 0},
		// A NaN inside an episode neither ends nor extends it.
		{"NaN inside an episode", []float64{2, nan, 2, 0, 0, 0, 0, 0, 0, 0}, w57, grace2, false, 0, 1, 5 * time.Minute, 2, 0},
		// Cold start: NaN points are not clean time and never alarm.
		{"NaN cold start", []float64{nan, nan, nan, nan, 0, 0, 0, 0, 0, 0}, w57, grace2, false, 0, 0, 2 * time.Minute, 2, 0},
		{"NaN in the window", []float64{0, 0, 0, 0, 0, nan, 3, 0, 0, 0}, w57, grace2, true, time.Minute, 0, 6 * time.Minute, 1, 1},
		// An episode still open at the end is counted.
		{"open at the end", []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 5}, w57, grace2, false, 0, 1, 6 * time.Minute, 2, 0},
		// Score exactly at the threshold does not alarm (> 1, not >= 1).
		{"on the threshold", []float64{1, 0, 0, 0, 0, 1, 1, 0, 0, 0}, w57, grace2, false, 0, 0, 6 * time.Minute, 2, 0},
		{"threshold 3", []float64{2.5, 0, 0, 0, 0, 2.9, 3.1, 0, 0, 0}, w57, EvalOptions{Threshold: 3, Grace: 2 * time.Minute}, true, time.Minute, 0, 6 * time.Minute, 2, 1},
		{"+Inf alarms", []float64{0, 0, 0, 0, 0, math.Inf(1), 0, 0, 0, 0}, w57, grace2, true, 0, 0, 6 * time.Minute, 2, 1},
		{"no windows", []float64{0, 2, 2, 0, 0, 2, 0, 0, 0, 2}, nil, grace2, false, 0, 3, 10 * time.Minute, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Evaluate(t0, time.Minute, tc.scores, tc.windows, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if ev.FalseAlarms != tc.falseAlarms || ev.CleanTime != tc.clean {
				t.Errorf("false alarms %d over %v, want %d over %v", ev.FalseAlarms, ev.CleanTime, tc.falseAlarms, tc.clean)
			}
			if len(tc.windows) == 0 {
				if len(ev.Detections) != 0 {
					t.Errorf("%d detections without windows", len(ev.Detections))
				}
				return
			}
			d := ev.Detections[0]
			if d.Detected != tc.detected || d.Delay != tc.delay {
				t.Errorf("detected %v after %v, want %v after %v", d.Detected, d.Delay, tc.detected, tc.delay)
			}
			if d.Detected && !d.FirstAlarm.Equal(tc.windows[0].Start.Add(tc.delay)) {
				t.Errorf("first alarm %v, want start + %v", d.FirstAlarm, tc.delay)
			}
			if d.Scored != tc.scored || d.Alarms != tc.alarms {
				t.Errorf("window points %d alarming of %d, want %d of %d", d.Alarms, d.Scored, tc.alarms, tc.scored)
			}
		})
	}
}

func TestEvaluateTwoWindows(t *testing.T) {
	t0 := DefaultStart()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	// Windows [2, 3) and [6, 8), grace 1: counted ranges [2, 4) and [6, 9).
	// Alarms at 3 (first window's grace), 5 (false), 7 (second window).
	scores := []float64{0, 0, 0, 2, 0, 2, 0, 2, 0, 0}
	ev, err := Evaluate(t0, time.Minute, scores, []Window{{at(2), at(3)}, {at(6), at(8)}}, EvalOptions{Grace: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if d := ev.Detections; !d[0].Detected || d[0].Delay != time.Minute || !d[1].Detected || d[1].Delay != time.Minute {
		t.Errorf("detections %+v", d)
	}
	// Clean points 0, 1, 4, 5, 9.
	if ev.FalseAlarms != 1 || ev.CleanTime != 5*time.Minute {
		t.Errorf("false alarms %d over %v, want 1 over 5m", ev.FalseAlarms, ev.CleanTime)
	}
	if got, want := ev.FalseAlarmsPerDay(), 1/(5.0/1440); math.Abs(got-want) > 1e-9 {
		t.Errorf("false alarms per day %v, want %v", got, want)
	}
	if _, err := Evaluate(t0, 0, scores, nil, EvalOptions{}); err == nil {
		t.Error("zero step accepted")
	}
	if !math.IsNaN((Evaluation{}).FalseAlarmsPerDay()) {
		t.Error("no clean time should give NaN false alarms per day")
	}
}
