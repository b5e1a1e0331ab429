package synthetic

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/detector"
)

// defaultDetector adapts the sidecar's default detector to Detector. Its score is
// the one the sidecar exposes (perfwatch_anomaly_score), or with alarm 2 for an
// alarm (the probability stage with its suppression) and 0 otherwise.
type defaultDetector struct {
	d     *detector.Detector
	alarm bool
}

func (d defaultDetector) Fit(h []baseline.Sample) { d.d.Fit(h) }

func (d defaultDetector) ScoreUpdate(t time.Time, v float64) (float64, bool) {
	r, err := d.d.ScoreUpdate(t, v)
	switch {
	case err != nil:
		return math.NaN(), false
	case !d.alarm:
		return r.Score, true
	case r.Alarm:
		return 2, true
	}
	return 0, true
}

// newDefault is detector.DefaultConfig with the sidecar's default directions
// (anomaly/config.DefaultQueries): rate both ways, the others only above.
func newDefault(alarm bool) NewDetector {
	return func(m Metric) (Detector, error) {
		cfg := detector.DefaultConfig()
		if m != RequestRate {
			cfg.Direction = baseline.AboveExpected
		}
		d, err := detector.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("detector for %v: %w", m, err)
		}
		return defaultDetector{d, alarm}, nil
	}
}

// TestSuiteDetector runs the suite on the sidecar's default detector, scored as the
// sidecar exposes it (score above 1 alarms), and logs the tables docs/benchmarks.md
// quotes:
//
//	go test ./anomaly/synthetic -run TestSuiteDetector -v
func TestSuiteDetector(t *testing.T) {
	for _, alarm := range []bool{false, true} {
		runs, err := RunSuite(DefaultCases(), newDefault(alarm), Options{})
		if err != nil {
			t.Fatal(err)
		}
		what := "score above 1 (perfwatch_anomaly_score)"
		if alarm {
			what = "alarms (probability >= alarm_threshold, one per suppress_for)"
		}
		t.Logf("detector.DefaultConfig, %s, grace 15 min\n%s\nsummary per kind\n%s", what, Markdown(Rows(runs)), Markdown(Summary(runs)))
		// Loose bounds of the quality measured when written (the figures in comments),
		// so that a regression fails.
		for _, r := range Summary(runs) {
			switch r.Kind {
			case None:
				if limit := map[bool]float64{false: 10, true: 1}[alarm]; r.FalseAlarmsPerDay() > limit { // 8.2; 0.24
					t.Errorf("alarm %v: %.2f false alarms a day on clean series, limit %v", alarm, r.FalseAlarmsPerDay(), limit)
				}
			case Spike:
				if !alarm && r.Detected < 12 { // 12 of 12
					t.Errorf("score: %d of 12 spikes detected", r.Detected)
				}
			}
		}
	}
}
