package synthetic_test

import (
	"fmt"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/synthetic"
)

// fixed is the simplest detector: a static latency limit, scored as the
// ratio to it (above 1 is anomalous), with no history and no cold start.
type fixed struct{ limit float64 }

func (fixed) Fit([]baseline.Sample) {}

func (f fixed) ScoreUpdate(_ time.Time, v float64) (float64, bool) { return v / f.limit, true }

// Any detector plugs into the suite through a NewDetector; here a static
// 300 ms limit against a 3-minute latency spike (x3) at noon on day 1.
func Example() {
	c := synthetic.Case{
		Metric:    synthetic.Latency,
		Magnitude: "x3, 3 min",
		Injection: synthetic.Injection{Kind: synthetic.Spike, Duration: 3 * time.Minute, Factor: 3},
		Starts:    []time.Duration{36 * time.Hour},
	}
	newDet := func(synthetic.Metric) (synthetic.Detector, error) { return fixed{limit: 300}, nil }
	run, err := synthetic.RunCase(c, 0, 1, newDet, synthetic.Options{FitDays: 1, StreamDays: 1})
	if err != nil {
		panic(err)
	}
	d := run.Evaluation.Detections[0]
	fmt.Printf("detected %v after %v; %d false alarms in %v\n", d.Detected, d.Delay, run.Evaluation.FalseAlarms, run.Evaluation.CleanTime)
	// Output:
	// detected true after 0s; 0 false alarms in 23h39m0s
}
