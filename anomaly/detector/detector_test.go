package detector

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// flat is a non-seasonal configuration for 1-minute samples with short
// windows, so that tests need few samples.
func flat() Config {
	c := DefaultConfig()
	c.Season = 0
	c.Warmup = time.Hour
	c.LevelWindow = 2 * time.Hour
	c.ShortWindow = 3 * time.Minute
	c.ExtremeBlock = time.Hour
	c.ExtremeWindow = 10 * time.Hour
	c.SuppressFor = 30 * time.Minute
	return c
}

func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

// noise is reproducible N(0, 1) noise.
func noise(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, n)
	for i := range out {
		out[i] = r.NormFloat64()
	}
	return out
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"no season", func(c *Config) { c.Season = 0 }, true},
		{"daily median_mad", func(c *Config) { c.Season, c.Method = 24*time.Hour, baseline.MedianMAD }, true},
		{"zero step", func(c *Config) { c.Step = 0 }, false},
		{"season not multiple of bucket", func(c *Config) { c.BucketWidth = 11 * time.Minute }, false},
		{"zero bucket", func(c *Config) { c.BucketWidth = 0 }, false},
		{"no min history with season", func(c *Config) { c.MinHistory = 0 }, false},
		{"negative warmup", func(c *Config) { c.Warmup = -time.Second }, false},
		{"zero level window", func(c *Config) { c.LevelWindow = 0 }, false},
		{"huge short window", func(c *Config) { c.ShortWindow = 1000 * time.Hour }, false},
		{"zero extreme block", func(c *Config) { c.ExtremeBlock = 0 }, false},
		{"zero threshold", func(c *Config) { c.Threshold = 0 }, false},
		{"NaN threshold", func(c *Config) { c.Threshold = math.NaN() }, false},
		{"negative min dev", func(c *Config) { c.MinDevFromExpected = -1 }, false},
		{"bad direction", func(c *Config) { c.Direction = 7 }, false},
		{"zero clip", func(c *Config) { c.Clip = 0 }, false},
		{"alarm above 1", func(c *Config) { c.AlarmThreshold = 1.5 }, false},
		{"season alpha 0", func(c *Config) { c.SeasonAlpha = 0 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			_, err := New(c)
			if (err == nil) != tc.ok {
				t.Errorf("New error = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestColdStart(t *testing.T) {
	det, err := New(flat())
	if err != nil {
		t.Fatal(err)
	}
	// Warmup 1h at 1m: the level stage must have learnt 61 samples (more
	// than 60); the extremes' first block starts with sample 30 (t=30m,
	// once the level has learnt 30 samples) and closes when the sample at
	// 90m is learnt. So samples 0..90 are cold and 91 is the first scored.
	for i := range 100 {
		if got, want := det.State(), baseline.State(map[bool]int{true: 1, false: 0}[i >= 91]); got != want {
			t.Fatalf("before sample %d: state %v, want %v", i, got, want)
		}
		res, err := det.ScoreUpdate(at(i), 10+float64(i%2))
		if i < 91 {
			if !errors.Is(err, ErrColdStart) || res.State != baseline.ColdStart || res.Yhat != 0 {
				t.Fatalf("sample %d: %+v, %v; want cold start", i, res, err)
			}
		} else if err != nil || res.State != baseline.Ready {
			t.Fatalf("sample %d: %v, want a score", i, err)
		}
	}
}

func TestConstantSeries(t *testing.T) {
	c := flat()
	c.MinDevFromExpected = 0.5
	det, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		det.ScoreUpdate(at(i), 10)
	}
	// A constant 10: yhat 10, no spread, so the band is min_dev wide.
	res, err := det.ScoreUpdate(at(100), 10.2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Yhat != 10 || res.YhatLower != 9.5 || res.YhatUpper != 10.5 || res.Score != 0 || res.Alarm {
		t.Errorf("within min_dev: %+v, want yhat 10, band [9.5, 10.5], score 0, no alarm", res)
	}
	res, err = det.ScoreUpdate(at(101), 12)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.Score > 1) || !res.Alarm {
		t.Errorf("a 2-unit step on a constant series: %+v, want score > 1 and an alarm", res)
	}
}

func TestSpikeAlarmAndSuppression(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dir   baseline.Direction
		spike float64 // added to the noise at sample 600
		alarm bool
	}{
		{"both, up", baseline.Both, 12, true},
		{"both, down", baseline.Both, -12, true},
		{"above_expected ignores a dip", baseline.AboveExpected, -12, false},
		{"above_expected, up", baseline.AboveExpected, 12, true},
		{"below_expected ignores a spike", baseline.BelowExpected, 12, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := flat()
			c.Direction = tc.dir
			det, err := New(c)
			if err != nil {
				t.Fatal(err)
			}
			xs := noise(700, 3)
			var alarms []int
			var spike Result
			for i, x := range xs {
				v := 100 + x
				if i == 600 {
					v += tc.spike
				}
				res, err := det.ScoreUpdate(at(i), v)
				if errors.Is(err, ErrColdStart) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if res.YhatLower > res.Yhat || res.Yhat > res.YhatUpper || res.Score < 0 ||
					res.Probability < 0 || res.Probability > 1 {
					t.Fatalf("sample %d: inconsistent %+v", i, res)
				}
				if i == 600 {
					spike = res
				}
				if res.Alarm {
					alarms = append(alarms, i)
				}
			}
			if got := len(alarms) > 0 && alarms[len(alarms)-1] == 600; got != tc.alarm {
				t.Errorf("alarms at %v, want one at 600: %v", alarms, tc.alarm)
			}
			if tc.alarm && !(spike.Score > 1 && (spike.YhatUpper < 100+tc.spike || spike.YhatLower > 100+tc.spike)) {
				t.Errorf("spike result %+v: want score > 1, value outside the band", spike)
			}
			if spike.Seasonal {
				t.Error("no season configured, but a seasonal result")
			}
			if !tc.alarm && spike.Score != 0 {
				t.Errorf("ignored side scored %v, want 0", spike.Score)
			}
			// Noise alone alarms rarely: at most a few in 10 hours.
			if len(alarms) > 4 {
				t.Errorf("%d alarms on noise: %v", len(alarms), alarms)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	det, err := New(flat())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		det.ScoreUpdate(at(i), float64(i%3))
	}
	if _, err := det.ScoreUpdate(at(100), math.NaN()); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("NaN: %v, want ErrInvalidValue", err)
	}
	if _, err := det.ScoreUpdate(at(99), 1); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("old sample: %v, want ErrOutOfOrder", err)
	}
	if _, err := det.ScoreUpdate(at(100), 1); err != nil {
		t.Errorf("next sample after NaN: %v", err)
	}
}

// webMetric is a 1-minute latency with a daily rhythm (busy afternoons),
// a quieter weekend and multiplicative noise.
func webMetric(n int, seed uint64) []baseline.Sample {
	xs := noise(n, seed)
	out := make([]baseline.Sample, n)
	for i := range out {
		t := at(i)
		h := float64(t.Hour()) + float64(t.Minute())/60
		v := 200 + 80*math.Max(0, math.Sin(math.Pi*(h-8)/12))
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v *= 0.7
		}
		out[i] = baseline.Sample{T: t, V: v * (1 + 0.03*xs[i])}
	}
	return out
}

func TestDefaultOnWebMetric(t *testing.T) {
	const week = 7 * 24 * 60
	data := webMetric(3*week, 5)
	det, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if st := det.Fit(data[:2*week]); st != baseline.Ready {
		t.Fatalf("after two weeks: %v, want ready", st)
	}
	incident := 2*week + 3*24*60 + 15*60 // Wednesday 15:00 of the third week
	var alarms []int
	for i := 2 * week; i < len(data); i++ {
		v := data[i].V
		if i >= incident && i < incident+30 {
			v *= 1.5 // half an hour 50% slower
		}
		res, err := det.ScoreUpdate(data[i].T, v)
		if err != nil {
			t.Fatal(err)
		}
		if res.Alarm {
			alarms = append(alarms, i)
		}
		if !res.Seasonal {
			t.Fatalf("sample %d judged without the season on a strongly daily series", i)
		}
		if i == incident+5 && !(res.Score > 1) {
			t.Errorf("5 minutes into the incident: score %v, want > 1 (%+v)", res.Score, res)
		}
	}
	found := false
	for _, a := range alarms {
		if a >= incident && a < incident+10 {
			found = true
		}
	}
	if !found {
		t.Errorf("alarms at %v: none within 10 minutes of the incident at %d", alarms, incident)
	}
	if len(alarms) > 3 {
		t.Errorf("%d alarms in a week with one incident: %v", len(alarms), alarms)
	}
}

func TestFitMatchesStreaming(t *testing.T) {
	data := webMetric(3*24*60, 9)
	c := DefaultConfig()
	c.Season, c.MinHistory = 24*time.Hour, 24*time.Hour
	a, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(c)
	a.Fit(data[:2*24*60])
	for _, s := range data[:2*24*60] {
		b.ScoreUpdate(s.T, s.V)
	}
	for _, s := range data[2*24*60:] {
		ra, ea := a.ScoreUpdate(s.T, s.V)
		rb, eb := b.ScoreUpdate(s.T, s.V)
		if ra != rb || !errors.Is(ea, eb) {
			t.Fatalf("at %v: fit %+v %v, streaming %+v %v", s.T, ra, ea, rb, eb)
		}
	}
}

func TestSeasonOnlyWhereItHelps(t *testing.T) {
	c := DefaultConfig()
	c.Season, c.MinHistory = 24*time.Hour, 24*time.Hour
	for _, tc := range []struct {
		name     string
		data     []baseline.Sample
		seasonal bool
	}{
		{"daily rhythm", webMetric(4*24*60, 4), true},
		{"white noise", func() []baseline.Sample {
			xs := noise(4*24*60, 4)
			out := make([]baseline.Sample, len(xs))
			for i, x := range xs {
				out[i] = baseline.Sample{T: at(i), V: 50 + x}
			}
			return out
		}(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			det, err := New(c)
			if err != nil {
				t.Fatal(err)
			}
			det.Fit(tc.data[:len(tc.data)-1])
			last := tc.data[len(tc.data)-1]
			res, err := det.ScoreUpdate(last.T, last.V)
			if err != nil {
				t.Fatal(err)
			}
			if res.Seasonal != tc.seasonal {
				t.Errorf("seasonal = %v, want %v (errors %v season, %v level)", res.Seasonal, tc.seasonal, det.sel.errSeason, det.sel.errLevel)
			}
		})
	}
}
