package detector_test

import (
	"fmt"
	"math"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/detector"
)

// The sidecar's use of a detector for one series: fit on the history, keep
// the model on disk, then score each new sample causally.
func Example() {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	value := func(i int) float64 {                       // a daily rhythm with a little jitter
		h := float64(i%1440) / 60
		return 200 + 80*math.Max(0, math.Sin(math.Pi*(h-8)/12)) + float64(i%7)
	}
	var history []baseline.Sample
	for i := range 14 * 1440 {
		history = append(history, baseline.Sample{T: start.Add(time.Duration(i) * time.Minute), V: value(i)})
	}
	det, err := detector.New(detector.DefaultConfig())
	if err != nil {
		panic(err)
	}
	fmt.Println("after fit:", det.Fit(history))

	blob, err := det.MarshalBinary() // to the model store ...
	if err != nil {
		panic(err)
	}
	var loaded detector.Detector // ... and back
	if err := loaded.UnmarshalBinary(blob); err != nil {
		panic(err)
	}

	i := 14*1440 + 15*60 // Monday 15:00, two weeks on
	t := start.Add(time.Duration(i) * time.Minute)
	res, err := loaded.ScoreUpdate(t, value(i))
	fmt.Printf("normal: score<1 %v, alarm %v, seasonal %v, err %v\n", res.Score < 1, res.Alarm, res.Seasonal, err)
	res, err = loaded.ScoreUpdate(t.Add(time.Minute), 2*value(i+1))
	fmt.Printf("doubled: score>1 %v, alarm %v, err %v\n", res.Score > 1, res.Alarm, err)
	// Output:
	// after fit: ready
	// normal: score<1 true, alarm false, seasonal true, err <nil>
	// doubled: score>1 true, alarm true, err <nil>
}
