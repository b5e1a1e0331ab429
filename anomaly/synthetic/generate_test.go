package synthetic

import (
	"math"
	"slices"
	"testing"
	"time"
)

func gen(t testing.TB, cfg Config, seed uint64) Traffic {
	t.Helper()
	tr, err := Generate(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sameValues(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := Config{Days: 3}
	a, b, c := gen(t, cfg, 7), gen(t, cfg, 7), gen(t, cfg, 8)
	for _, m := range Metrics() {
		sa, _ := a.Series(m)
		sb, _ := b.Series(m)
		sc, _ := c.Series(m)
		if len(sa.Values) != 3*1440 {
			t.Fatalf("%v: %d points, want %d", m, len(sa.Values), 3*1440)
		}
		if !sameValues(sa.Values, sb.Values) {
			t.Errorf("%v: same seed, different series", m)
		}
		if sameValues(sa.Values, sc.Values) {
			t.Errorf("%v: different seeds, same series", m)
		}
	}
}

// TestGenerateShape checks the calibrated shape on two weeks: ranges, the
// daily peak and trough, the weekend level, latency rising with load, CPU
// following load, and the share of missing scrapes.
func TestGenerateShape(t *testing.T) {
	tr := gen(t, Config{Days: 14}, 1)
	n := len(tr.Rate.Values)
	missing := 0
	// Median rate per (weekday or weekend, hour).
	var byHour [2][24][]float64
	var latLow, latHigh, cpuLow, cpuHigh []float64
	for i := range n {
		r, l, e, c := tr.Rate.Values[i], tr.Latency.Values[i], tr.Errors.Values[i], tr.CPU.Values[i]
		if math.IsNaN(r) {
			if !math.IsNaN(l) || !math.IsNaN(e) || !math.IsNaN(c) {
				t.Fatalf("point %d: missing in rate but not in all series", i)
			}
			missing++
			continue
		}
		if r < 0 || l <= 0 || e < 0 || e > 1 || c < 0 || c > 100 {
			t.Fatalf("point %d out of range: rate %v latency %v errors %v cpu %v", i, r, l, e, c)
		}
		ts := tr.Rate.At(i)
		we := 0
		if wd := ts.Weekday(); wd == time.Saturday || wd == time.Sunday {
			we = 1
		}
		byHour[we][ts.Hour()] = append(byHour[we][ts.Hour()], r)
		if load := Seasonal(ts); load < 0.4 {
			latLow, cpuLow = append(latLow, l), append(cpuLow, c)
		} else if load > 0.9 {
			latHigh, cpuHigh = append(latHigh, l), append(cpuHigh, c)
		}
	}
	med := func(xs []float64) float64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		return s[len(s)/2]
	}
	peak, trough := med(byHour[0][18]), med(byHour[0][7])
	if peak < 40 || peak > 60 {
		t.Errorf("weekday 18h median rate %.1f, want about 50", peak)
	}
	if r := trough / peak; r < 0.28 || r > 0.45 {
		t.Errorf("weekday trough/peak %.2f, want 0.3–0.4 as in NAB's tweets", r)
	}
	if r := med(byHour[1][18]) / peak; r < 0.45 || r > 0.65 {
		t.Errorf("weekend/weekday at 18h %.2f, want about 0.55", r)
	}
	if lo, hi := med(latLow), med(latHigh); hi < 1.1*lo || hi > 1.5*lo {
		t.Errorf("p95 latency %.0f ms at low load, %.0f ms at peak: want a mild rise", lo, hi)
	}
	if lo, hi := med(cpuLow), med(cpuHigh); hi < lo+25 {
		t.Errorf("cpu %.0f %% at low load, %.0f %% at peak: should follow load", lo, hi)
	}
	if e := med(tr.Errors.Values[:1440]); e > 0.01 {
		t.Errorf("median error ratio %v, want mostly under 1 %%", e)
	}
	// 0.2 % isolated plus 0.3 outages a day of about 6 minutes: about 0.3 %.
	if f := float64(missing) / float64(n); f < 0.001 || f > 0.006 {
		t.Errorf("%.2f %% missing scrapes, want about 0.3 %%", 100*f)
	}
}

func TestSeasonalContinuous(t *testing.T) {
	// No jump between consecutive minutes over a week, midnights included.
	t0 := DefaultStart()
	prev := Seasonal(t0)
	for i := 1; i < 7*1440; i++ {
		v := Seasonal(t0.Add(time.Duration(i) * time.Minute))
		if math.Abs(v-prev) > 0.01 {
			t.Fatalf("%v: seasonal jumps from %.3f to %.3f", t0.Add(time.Duration(i)*time.Minute), prev, v)
		}
		prev = v
	}
}

func TestInjectionApply(t *testing.T) {
	t0 := DefaultStart()
	mk := func(m Metric, vs ...float64) Series {
		return Series{Metric: m, Start: t0, Step: time.Minute, Values: vs}
	}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		s    Series
		inj  Injection
		want []float64
	}{
		{"level shift x2", mk(Latency, 1, 2, 3, 4, 5), Injection{Kind: LevelShift, Start: at(1), Duration: 3 * time.Minute, Factor: 2}, []float64{1, 4, 6, 8, 5}},
		{"spike +10", mk(CPU, 1, 2, 3, 4, 5), Injection{Kind: Spike, Start: at(2), Duration: time.Minute, Add: 10}, []float64{1, 2, 13, 4, 5}},
		{"cpu clamped at 100", mk(CPU, 95, 95), Injection{Kind: LevelShift, Start: at(0), Duration: time.Minute, Add: 10}, []float64{100, 95}},
		{"error ratio clamped at 1", mk(ErrorRatio, 0.5, 0.5), Injection{Kind: LevelShift, Start: at(1), Duration: time.Minute, Factor: 3}, []float64{0.5, 1}},
		{"missing stays missing", mk(Latency, 1, nan, 3), Injection{Kind: LevelShift, Start: at(0), Duration: 3 * time.Minute, Factor: 2}, []float64{2, nan, 6}},
		// Ramp over 4 points to x3: factors 1.5, 2, 2.5, 3.
		{"drift", mk(Latency, 10, 10, 10, 10, 10, 10), Injection{Kind: Drift, Start: at(1), Duration: 4 * time.Minute, Factor: 3}, []float64{10, 15, 20, 25, 30, 10}},
		{"drift additive", mk(CPU, 10, 10, 10), Injection{Kind: Drift, Start: at(0), Duration: 2 * time.Minute, Add: 20}, []float64{20, 30, 10}},
		{"seasonal break", mk(RequestRate, 1, 2, 3, 4, 5, 6), Injection{Kind: SeasonalBreak, Start: at(3), Duration: 2 * time.Minute, Shift: 2 * time.Minute}, []float64{1, 2, 3, 2, 3, 6}},
		{"dropped, all missing", mk(RequestRate, 1, 2, 3, 4), Injection{Kind: DroppedTraffic, Start: at(1), Duration: 2 * time.Minute, Factor: 0.1, Missing: 1}, []float64{1, nan, nan, 4}},
		{"dropped to 10 %", mk(RequestRate, 10, 20, 30), Injection{Kind: DroppedTraffic, Start: at(1), Duration: 2 * time.Minute, Factor: 0.1}, []float64{10, 2, 3}},
		{"none", mk(RequestRate, 1, 2), Injection{Kind: None}, []float64{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := slices.Clone(tc.s.Values)
			got, w, err := tc.inj.Apply(tc.s, 1)
			if err != nil {
				t.Fatal(err)
			}
			const eps = 1e-12
			if !slices.EqualFunc(got.Values, tc.want, func(x, y float64) bool {
				return math.Abs(x-y) < eps || math.IsNaN(x) && math.IsNaN(y)
			}) {
				t.Errorf("got %v, want %v", got.Values, tc.want)
			}
			if !sameValues(tc.s.Values, orig) {
				t.Error("input modified")
			}
			if tc.inj.Kind != None && (!w.Start.Equal(tc.inj.Start) || !w.End.Equal(tc.inj.Start.Add(tc.inj.Duration))) {
				t.Errorf("window %v–%v, want the injection's", w.Start, w.End)
			}
		})
	}
}

func TestInjectionMissingFraction(t *testing.T) {
	s := Series{Metric: RequestRate, Start: DefaultStart(), Step: time.Minute, Values: make([]float64, 1000)}
	got, _, err := Injection{Kind: DroppedTraffic, Start: s.Start, Duration: 1000 * time.Minute, Factor: 0.1, Missing: 0.5}.Apply(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range got.Values {
		if math.IsNaN(v) {
			n++
		}
	}
	if n < 430 || n > 570 {
		t.Errorf("%d of 1000 removed, want about half", n)
	}
}

func TestInjectionErrors(t *testing.T) {
	t0 := DefaultStart()
	s := Series{Metric: Latency, Start: t0, Step: time.Minute, Values: make([]float64, 10)}
	for _, inj := range []Injection{
		{Kind: LevelShift, Start: t0, Duration: 0},
		{Kind: LevelShift, Start: t0.Add(5 * time.Minute), Duration: time.Hour},
		{Kind: LevelShift, Start: t0.Add(-time.Minute), Duration: 2 * time.Minute},
		{Kind: SeasonalBreak, Start: t0.Add(2 * time.Minute), Duration: time.Minute, Shift: 5 * time.Minute},
		{Kind: SeasonalBreak, Start: t0.Add(5 * time.Minute), Duration: time.Minute, Shift: 90 * time.Second},
		{Kind: DroppedTraffic, Start: t0, Duration: time.Minute, Missing: 2},
		{Kind: Kind(99), Start: t0, Duration: time.Minute},
	} {
		if _, _, err := inj.Apply(s, 1); err == nil {
			t.Errorf("%+v: no error", inj)
		}
	}
}
