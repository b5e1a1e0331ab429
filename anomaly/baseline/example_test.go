package baseline_test

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// A daily profile of 24 hourly buckets, sampled every 15 minutes, fitted
// on two days and then used causally: score each new sample, then learn it.
func Example() {
	cfg := baseline.Config{
		Step:               15 * time.Minute,
		Season:             24 * time.Hour,
		BucketWidth:        time.Hour,
		Direction:          baseline.AboveExpected, // latency: only slower is bad
		MinDevFromExpected: 5,                      // ignore deviations under 5 ms
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var history []baseline.Sample
	for i := range 2 * 24 * 4 {
		t := start.Add(time.Duration(i) * 15 * time.Minute)
		v := 100 + 20*math.Sin(2*math.Pi*float64(t.Hour())/24) + float64(i%3) // ms
		history = append(history, baseline.Sample{T: t, V: v})
	}
	m, err := baseline.Fit(cfg, history[:24*4-1])
	if err != nil {
		panic(err)
	}
	if _, err := m.Score(start.Add(24*time.Hour), 100); errors.Is(err, baseline.ErrColdStart) {
		fmt.Println("state:", m.State())
	}
	m.Fit(history)
	next := start.Add(48 * time.Hour) // midnight: bucket 0 holds 100,101,102,100 twice
	for _, v := range []float64{102, 90, 180} {
		p, err := m.ScoreUpdate(next, v)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%v: v=%v yhat=%.1f band=[%.1f, %.1f] score=%.2f\n", m.State(), v, p.Yhat, p.YhatLower, p.YhatUpper, p.Score)
		next = next.Add(15 * time.Minute)
	}
	// The first two bands are min_dev_from_expected wide (±5 beats 3 MADs);
	// 90 is below yhat, which above_expected does not score; 180 is
	// (180-100.5)/(3*1.4826*0.5) = 35.75 band half-widths out.

	// Output:
	// state: cold_start
	// ready: v=102 yhat=100.5 band=[95.5, 105.5] score=0.00
	// ready: v=90 yhat=101.0 band=[96.0, 106.0] score=0.00
	// ready: v=180 yhat=100.5 band=[95.5, 105.5] score=35.75
}
