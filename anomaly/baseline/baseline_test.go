package baseline

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const eps = 1e-9

func near(a, b float64) bool { return math.Abs(a-b) <= eps*math.Max(1, math.Abs(b)) }

var t0 = time.Unix(0, 0).UTC() // aligned to any season of whole hours

func TestMedianMAD(t *testing.T) {
	for _, tc := range []struct {
		name        string
		xs          []float64
		median, mad float64
	}{
		// 1,2,3,4,100: median 3; |x-3| = 2,1,0,1,97 -> sorted 0,1,1,2,97 -> 1.
		{"odd with outlier", []float64{4, 1, 100, 3, 2}, 3, 1 * MADScale},
		// 1,2,3,4: median 2.5; deviations 1.5,.5,.5,1.5 -> median 1.
		{"even", []float64{1, 2, 3, 4}, 2.5, 1 * MADScale},
		{"constant", []float64{2, 2, 2, 2}, 2, 0},
		{"single", []float64{7}, 7, 0},
		// 9,10,11,12,13,100: median 11.5; deviations 2.5,1.5,.5,.5,1.5,88.5
		// -> sorted .5,.5,1.5,1.5,2.5,88.5 -> 1.5.
		{"bucket0", []float64{10, 12, 11, 13, 9, 100}, 11.5, 1.5 * MADScale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.xs...)
			if got := Median(tc.xs); !near(got, tc.median) {
				t.Errorf("Median = %v, want %v", got, tc.median)
			}
			if got := MAD(tc.xs); !near(got, tc.mad) {
				t.Errorf("MAD = %v, want %v", got, tc.mad)
			}
			for i := range in {
				if in[i] != tc.xs[i] {
					t.Fatal("input modified")
				}
			}
		})
	}
	if !math.IsNaN(Median(nil)) || !math.IsNaN(MAD(nil)) {
		t.Error("empty input should give NaN")
	}
}

// small is a two-bucket season (2h of 1h buckets) sampled every 10 minutes:
// bucket 0 holds 10,12,11,13,9,100 (median 11.5, MAD 1.5) and bucket 1
// holds 50,52,48,50,51,49 (median 50, MAD 1).
var (
	smallB0 = []float64{10, 12, 11, 13, 9, 100}
	smallB1 = []float64{50, 52, 48, 50, 51, 49}
)

func smallCfg() Config {
	return Config{Step: 10 * time.Minute, Season: 2 * time.Hour, BucketWidth: time.Hour}
}

func smallSeries() []Sample {
	var s []Sample
	for i, v := range append(append([]float64(nil), smallB0...), smallB1...) {
		s = append(s, Sample{t0.Add(time.Duration(i) * 10 * time.Minute), v})
	}
	return s
}

func mustFit(t testing.TB, cfg Config, s []Sample) *Model {
	t.Helper()
	m, err := Fit(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestScoreHandComputed(t *testing.T) {
	b1hw := 3 * MADScale // bucket 1: Threshold 3 × 1.4826 × MAD 1 = 4.4478
	b0hw := 3 * 1.5 * MADScale
	at0 := t0.Add(2*time.Hour + 5*time.Minute) // bucket 0, next season
	at1 := t0.Add(3*time.Hour + 5*time.Minute) // bucket 1
	for _, tc := range []struct {
		name         string
		mut          func(*Config)
		at           time.Time
		v            float64
		yhat, hw     float64 // expected centre and band half-width
		score        float64
		wantFallback bool
	}{
		{"b1 at centre", nil, at1, 50, 50, b1hw, 0, false},
		{"b1 on upper edge", nil, at1, 50 + b1hw, 50, b1hw, 1, false},
		{"b1 on lower edge", nil, at1, 50 - b1hw, 50, b1hw, 1, false},
		{"b1 above", nil, at1, 56, 50, b1hw, 6 / b1hw, false},
		{"b1 below", nil, at1, 44, 50, b1hw, 6 / b1hw, false},
		{"b0 inside", nil, at0, 13, 11.5, b0hw, 1.5 / b0hw, false},
		{"b0 spike", nil, at0, 40, 11.5, b0hw, 28.5 / b0hw, false},
		{"above_expected, above", func(c *Config) { c.Direction = AboveExpected }, at1, 56, 50, b1hw, 6 / b1hw, false},
		{"above_expected, below", func(c *Config) { c.Direction = AboveExpected }, at1, 44, 50, b1hw, 0, false},
		{"below_expected, above", func(c *Config) { c.Direction = BelowExpected }, at1, 56, 50, b1hw, 0, false},
		{"below_expected, below", func(c *Config) { c.Direction = BelowExpected }, at1, 44, 50, b1hw, 6 / b1hw, false},
		// min_dev 7: deviation 6 scores 0 and the band widens to ±7.
		{"min_dev hides", func(c *Config) { c.MinDevFromExpected = 7 }, at1, 56, 50, 7, 0, false},
		// deviation 8 >= 7 scores as usual.
		{"min_dev passes", func(c *Config) { c.MinDevFromExpected = 7 }, at1, 58, 50, 7, 8 / b1hw, false},
		// min_dev below the band changes nothing.
		{"min_dev small", func(c *Config) { c.MinDevFromExpected = 1 }, at1, 56, 50, b1hw, 6 / b1hw, false},
		{"threshold 2", func(c *Config) { c.Threshold = 2 }, at1, 56, 50, 2 * MADScale, 6 / (2 * MADScale), false},
		// MinBucketSamples 7 > 6: overall statistics of the 12 values,
		// 9,10,11,12,13,48,49,50,50,51,52,100: median 48.5; deviations
		// .5,.5,1.5,1.5,2.5,3.5,35.5,36.5,37.5,38.5,39.5,51.5 -> MAD 19.5.
		{"fallback", func(c *Config) { c.MinBucketSamples = 7 }, at1, 50, 48.5, 3 * 19.5 * MADScale, 1.5 / (3 * 19.5 * MADScale), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallCfg()
			if tc.mut != nil {
				tc.mut(&cfg)
			}
			m := mustFit(t, cfg, smallSeries())
			if m.State() != Ready {
				t.Fatalf("state %v", m.State())
			}
			p, err := m.Score(tc.at, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if !near(p.Yhat, tc.yhat) || !near(p.YhatLower, tc.yhat-tc.hw) || !near(p.YhatUpper, tc.yhat+tc.hw) {
				t.Errorf("yhat %v [%v, %v], want %v ± %v", p.Yhat, p.YhatLower, p.YhatUpper, tc.yhat, tc.hw)
			}
			if !near(p.Score, tc.score) {
				t.Errorf("score %v, want %v", p.Score, tc.score)
			}
			if p.Fallback != tc.wantFallback {
				t.Errorf("fallback %v", p.Fallback)
			}
		})
	}
}

func TestEWMAHandComputed(t *testing.T) {
	// Alpha 0.5, one bucket holding 10, 12, 11:
	//   n=1: c=10, s=0
	//   n=2: a=.5, r=2 (no clip, s=0): s=.5*2*sqrt(pi/2), c=11
	//   n=3: a=max(1-.5^(1/3), 1/3)=1/3, r=0: s*=2/3, c stays 11.
	cfg := Config{Step: time.Minute, Season: 3 * time.Minute, BucketWidth: 3 * time.Minute,
		Method: EWMA, Alpha: 0.5, MinBucketSamples: 1}
	var s []Sample
	for i, v := range []float64{10, 12, 11} {
		s = append(s, Sample{t0.Add(time.Duration(i) * time.Minute), v})
	}
	m := mustFit(t, cfg, s)
	spread := 2.0 / 3 * math.Sqrt(math.Pi/2)
	p, err := m.Score(t0.Add(3*time.Minute), 11+3*spread)
	if err != nil {
		t.Fatal(err)
	}
	if !near(p.Yhat, 11) || !near(p.YhatUpper, 11+3*spread) || !near(p.Score, 1) {
		t.Errorf("got %+v, want yhat 11, upper %v, score 1", p, 11+3*spread)
	}
}

func TestColdStart(t *testing.T) {
	series := smallSeries()
	for _, tc := range []struct {
		name       string
		minHistory time.Duration
		n          int
		want       State
	}{
		{"empty", 0, 0, ColdStart},
		{"11 of 12 samples", 0, 11, ColdStart}, // 100m + 10m < 2h
		{"full season", 0, 12, Ready},          // 110m + 10m = 2h
		{"half season, 5", time.Hour, 5, ColdStart},
		{"half season, 6", time.Hour, 6, Ready},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallCfg()
			cfg.MinHistory = tc.minHistory
			m := mustFit(t, cfg, series[:tc.n])
			if got := m.State(); got != tc.want {
				t.Fatalf("state %v, want %v", got, tc.want)
			}
			p, err := m.Score(t0.Add(3*time.Hour), 50)
			if tc.want == ColdStart {
				if !errors.Is(err, ErrColdStart) || p != (Prediction{}) {
					t.Errorf("Score = %+v, %v; want ErrColdStart", p, err)
				}
				if _, err := m.Predict(t0); !errors.Is(err, ErrColdStart) {
					t.Errorf("Predict err %v", err)
				}
			} else if err != nil {
				t.Errorf("Score err %v", err)
			}
		})
	}
	// Two samples a season apart span MinHistory but are too few.
	m2 := mustFit(t, smallCfg(), []Sample{{t0, 1}, {t0.Add(110 * time.Minute), 2}})
	if m2.State() != ColdStart {
		t.Errorf("two samples: state %v", m2.State())
	}
	// Half a season: bucket 1 unseen, so it falls back to bucket 0's data.
	cfg := smallCfg()
	cfg.MinHistory = time.Hour
	m := mustFit(t, cfg, series[:6])
	p, err := m.Score(t0.Add(3*time.Hour), 11.5)
	if err != nil || !p.Fallback || !near(p.Yhat, 11.5) {
		t.Errorf("half-season fallback: %+v, %v", p, err)
	}
}

func TestNaNGapsAndOrder(t *testing.T) {
	// The same values with NaN, ±Inf and missing samples interleaved
	// (timestamps shifted within their buckets) give the same model.
	var gappy []Sample
	for i, s := range smallSeries() {
		gappy = append(gappy, s)
		if i%2 == 0 {
			gappy = append(gappy, Sample{s.T.Add(time.Minute), math.NaN()})
		}
		if i == 3 {
			gappy = append(gappy, Sample{s.T.Add(2 * time.Minute), math.Inf(1)})
		}
	}
	// Shuffle: Fit sorts.
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(gappy), func(i, j int) { gappy[i], gappy[j] = gappy[j], gappy[i] })
	a := mustFit(t, smallCfg(), smallSeries())
	b := mustFit(t, smallCfg(), gappy)
	if b.Samples() != 12 {
		t.Fatalf("learnt %d samples, want 12", b.Samples())
	}
	for _, at := range []time.Time{t0.Add(2 * time.Hour), t0.Add(3 * time.Hour)} {
		pa, ea := a.Score(at, 55)
		pb, eb := b.Score(at, 55)
		if ea != nil || eb != nil || pa != pb {
			t.Errorf("at %v: %+v %v vs %+v %v", at, pa, ea, pb, eb)
		}
	}
	// Scoring NaN gives the band but no score.
	p, err := a.Score(t0.Add(3*time.Hour), math.NaN())
	if !errors.Is(err, ErrInvalidValue) || !near(p.Yhat, 50) {
		t.Errorf("NaN score: %+v, %v", p, err)
	}
	// Out-of-order updates are refused and ignored.
	if err := a.Update(t0, 1e6); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("out of order: %v", err)
	}
	if a.Samples() != 12 {
		t.Errorf("out-of-order sample learnt")
	}
}

func TestStreamingMatchesBatch(t *testing.T) {
	data := seasonal(2*7*24*12, 5*time.Minute, 3)
	cfg := Config{Step: 5 * time.Minute}
	batch := mustFit(t, cfg, data)
	stream, _ := New(cfg)
	for i, s := range data {
		_, err := stream.ScoreUpdate(s.T, s.V)
		// Causal: cold until one week has been seen.
		if i < 7*24*12 && !errors.Is(err, ErrColdStart) {
			t.Fatalf("sample %d: err %v, want cold start", i, err)
		}
		if i >= 7*24*12 && err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
	}
	at := data[len(data)-1].T.Add(5 * time.Minute)
	for k := range 24 {
		tt := at.Add(time.Duration(k) * time.Hour)
		pb, _ := batch.Score(tt, 100)
		ps, _ := stream.Score(tt, 100)
		if pb != ps {
			t.Fatalf("stream %+v != batch %+v", ps, pb)
		}
	}
}

// seasonal generates n samples at step of a web-like metric: a daily cycle,
// quieter weekends, Gaussian noise of sd 2; deterministic for seed.
func seasonal(n int, step time.Duration, seed uint64) []Sample {
	r := rand.New(rand.NewPCG(seed, 42))
	out := make([]Sample, n)
	for i := range out {
		ts := t0.Add(time.Duration(i) * step)
		out[i] = Sample{ts, expected(ts) + 2*r.NormFloat64()}
	}
	return out
}

func expected(ts time.Time) float64 {
	h := float64(ts.Hour()) + float64(ts.Minute())/60
	v := 100 + 30*math.Sin(2*math.Pi*(h-8)/24)
	if wd := ts.Weekday(); wd == time.Saturday || wd == time.Sunday {
		v *= 0.6
	}
	return v
}

func TestSyntheticDetection(t *testing.T) {
	for _, tc := range []struct {
		method           Method
		maxFalse, minHit float64
	}{
		{MedianMAD, 0.005, 0.95},
		// TODO: the EW variant adapts within the shift and its spread is less
		// robust; bounds are looser until it is tuned.
		{EWMA, 0.02, 0.70},
	} {
		method := tc.method
		t.Run(method.String(), func(t *testing.T) {
			const week = 7 * 24 * 60
			data := seasonal(3*week, time.Minute, 7)
			cfg := Config{Method: method}
			m := mustFit(t, cfg, data[:2*week])

			// Normal seasonal data of the third week scores below 1.
			test := data[2*week:]
			var over int
			for _, s := range test {
				p, err := m.Score(s.T, s.V)
				if err != nil {
					t.Fatal(err)
				}
				if p.Score > 1 {
					over++
				}
			}
			if frac := float64(over) / float64(len(test)); frac > tc.maxFalse {
				t.Errorf("%.3f%% of normal samples score above 1", 100*frac)
			}

			// A spike of +40 (about 20 noise sd) scores above 1, on the
			// weekday peak and in the weekend trough.
			for _, i := range []int{100, 3000, 6 * 24 * 60} {
				s := test[i]
				p, _ := m.Score(s.T, s.V+40)
				if p.Score <= 1 {
					t.Errorf("spike at %v scores %v", s.T, p.Score)
				}
				if p, _ := m.Score(s.T, s.V-40); p.Score <= 1 {
					t.Errorf("dip at %v scores %v", s.T, p.Score)
				}
			}

			// A level shift of +25 for six hours, streamed causally: every
			// shifted sample of the first hours scores above 1.
			sm := mustFit(t, cfg, data[:2*week])
			var shifted, above int
			for i, s := range test[:2*24*60] {
				v := s.V
				if i >= 24*60 && i < 24*60+6*60 {
					v += 25
					shifted++
				}
				p, err := sm.ScoreUpdate(s.T, v)
				if err != nil {
					t.Fatal(err)
				}
				if v != s.V && p.Score > 1 {
					above++
				}
			}
			if frac := float64(above) / float64(shifted); frac < tc.minHit {
				t.Errorf("only %.1f%% of level-shifted samples score above 1", 100*frac)
			}
		})
	}
}

func TestConstantSeries(t *testing.T) {
	var s []Sample
	for i := range 12 {
		s = append(s, Sample{t0.Add(time.Duration(i) * 10 * time.Minute), 5})
	}
	m := mustFit(t, smallCfg(), s)
	if p, err := m.Score(t0.Add(2*time.Hour), 5); err != nil || p.Score != 0 {
		t.Errorf("equal value: %+v %v", p, err)
	}
	if p, _ := m.Score(t0.Add(2*time.Hour), 5.1); !(p.Score > 1) || math.IsInf(p.Score, 0) {
		t.Errorf("deviation from constant: %v", p.Score)
	}
	cfg := smallCfg()
	cfg.MinDevFromExpected = 0.5
	m = mustFit(t, cfg, s)
	if p, _ := m.Score(t0.Add(2*time.Hour), 5.1); p.Score != 0 || p.YhatUpper != 5.5 {
		t.Errorf("min_dev on constant: %+v", p)
	}
}

func TestConfig(t *testing.T) {
	m, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Buckets() != 168 {
		t.Errorf("%d buckets, want 168", m.Buckets())
	}
	c := m.Config()
	if c.Threshold != 3 || c.MinHistory != 7*24*time.Hour || c.MinBucketSamples != 30 {
		t.Errorf("defaults %+v", c)
	}
	// Bucket 0 starts on Thursday 00:00 UTC (the epoch) unless Offset moves it.
	thu := time.Date(2026, 12, 3, 0, 30, 0, 0, time.UTC)
	if b := m.Bucket(thu); b != 0 {
		t.Errorf("Thursday 00:30 in bucket %d", b)
	}
	mo, _ := New(Config{Offset: 96 * time.Hour})
	if b := mo.Bucket(time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)); b != 1 {
		t.Errorf("Monday 01:00 with Monday offset in bucket %d", b)
	}
	if b := m.Bucket(time.Unix(-1, 0)); b != 167 {
		t.Errorf("before epoch: bucket %d", b)
	}
	for _, bad := range []Config{
		{Season: 90 * time.Minute, BucketWidth: time.Hour},
		{Threshold: -1},
		{MinDevFromExpected: -1},
		{Direction: 9},
		{Method: 9},
		{Alpha: 2},
		{Step: -time.Second},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
	for s, want := range map[string]Direction{"": Both, "both": Both, "above_expected": AboveExpected, "below_expected": BelowExpected} {
		if d, err := ParseDirection(s); err != nil || d != want || (s != "" && d.String() != s) {
			t.Errorf("ParseDirection(%q) = %v, %v", s, d, err)
		}
	}
	if _, err := ParseDirection("up"); err == nil {
		t.Error("ParseDirection(up) accepted")
	}
}

func FuzzScore(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, 4.0, 2.5, 0.0, uint8(0), uint8(0))
	f.Add(5.0, 5.0, 5.0, 5.0, 5.0, 0.0, uint8(1), uint8(1))
	f.Add(math.MaxFloat64, -math.MaxFloat64, 0.0, 1e-300, math.MaxFloat64, 1e308, uint8(2), uint8(0))
	f.Add(math.NaN(), math.Inf(1), 1.0, 2.0, -math.MaxFloat64, 0.0, uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, a, b, c, d, x, minDev float64, dir, method uint8) {
		cfg := Config{Step: time.Minute, Season: 4 * time.Minute, BucketWidth: 2 * time.Minute,
			MinBucketSamples: 1, Direction: Direction(dir % 3), Method: Method(method % 2)}
		if minDev >= 0 && !math.IsInf(minDev, 0) {
			cfg.MinDevFromExpected = minDev
		}
		var s []Sample
		for i, v := range []float64{a, b, c, d, 1, 2, 3, 4} {
			s = append(s, Sample{t0.Add(time.Duration(i) * time.Minute), v})
		}
		m := mustFit(t, cfg, s)
		for k := range 4 {
			p, err := m.ScoreUpdate(t0.Add(time.Duration(8+k)*time.Minute), x)
			if err != nil {
				if errors.Is(err, ErrColdStart) || errors.Is(err, ErrInvalidValue) {
					continue
				}
				t.Fatal(err)
			}
			if math.IsNaN(p.Score) || p.Score < 0 {
				t.Fatalf("score %v for %v", p.Score, x)
			}
		}
	})
}

func weekData() []Sample { return seasonal(7*24*60, time.Minute, 11) }

func BenchmarkFit(b *testing.B) {
	data := weekData()
	for _, method := range []Method{MedianMAD, EWMA} {
		b.Run(method.String(), func(b *testing.B) {
			m, _ := New(Config{Method: method})
			b.ReportAllocs()
			for b.Loop() {
				m.Fit(data)
				// Resolve every bucket, as the first scores after a fit do.
				for i := 0; i < 168; i++ {
					_, _ = m.Predict(t0.Add(time.Duration(i) * time.Hour))
				}
			}
		})
	}
}

func BenchmarkScore(b *testing.B) {
	data := weekData()
	for _, method := range []Method{MedianMAD, EWMA} {
		b.Run(method.String(), func(b *testing.B) {
			m := mustFit(b, Config{Method: method}, data)
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range data {
					_, _ = m.Score(s.T.Add(7*24*time.Hour), s.V)
				}
			}
		})
	}
}

// BenchmarkScoreUpdate streams a second week through a model fitted on the
// first: score then learn every sample (the NAB-style causal run).
func BenchmarkScoreUpdate(b *testing.B) {
	data := seasonal(2*7*24*60, time.Minute, 11)
	for _, method := range []Method{MedianMAD, EWMA} {
		b.Run(method.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				m := mustFit(b, Config{Method: method}, data[:7*24*60])
				b.StartTimer()
				for _, s := range data[7*24*60:] {
					_, _ = m.ScoreUpdate(s.T, s.V)
				}
			}
		})
	}
}
