package detector

import (
	"math"
	"testing"
	"time"
)

const eps = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= eps*math.Max(1, math.Abs(b)) }

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Expected values computed by hand (Python floats) from the update rules in
// the comments, not from this code.
func TestLevel(t *testing.T) {
	sq := math.Sqrt(math.Pi / 2)
	for _, tc := range []struct {
		name           string
		xs             []float64
		centre, spread float64
	}{
		{"first sample", []float64{10}, 10, 0},
		// n=2: weight max(.5, 1/2) = .5, r = 2: spread .5*2*sqrt(pi/2), centre 11.
		{"second sample", []float64{10, 12}, 11, 0.5 * 2 * sq},
		// n=3: r = 19 beyond 2 spreads (2.5066...): weight .5*(2.5066/19)^2,
		// residual clipped to 2.5066.
		{"clipped outlier", []float64{10, 12, 30}, 11.02181386419075, 1.2697468295998733},
		// Equal values: no spread, centre stays.
		{"constant", []float64{4, 4, 4}, 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l level
			for _, x := range tc.xs {
				l.update(x, 0.5, 2, 2)
			}
			if !near(l.centre, tc.centre) || !near(l.spread, tc.spread) {
				t.Errorf("centre, spread = %v, %v, want %v, %v", l.centre, l.spread, tc.centre, tc.spread)
			}
		})
	}
	t.Run("running mean before alpha", func(t *testing.T) {
		// With alpha 0.01 the first values weigh 1/n: the plain mean.
		var l level
		for _, x := range []float64{1, 2, 3, 4} {
			l.update(x, 0.01, 100, 2)
		}
		if !near(l.centre, 2.5) {
			t.Errorf("centre = %v, want 2.5", l.centre)
		}
	})
	t.Run("overflow resets", func(t *testing.T) {
		var l level
		l.update(-math.MaxFloat64, 0.5, 2, 0)
		l.update(math.MaxFloat64, 0.5, 2, 0)
		if !finite(l.centre) || !finite(l.spread) {
			t.Errorf("non-finite state %v, %v", l.centre, l.spread)
		}
	})
}

func TestRecent(t *testing.T) {
	r := newRecent(3)
	if r.mean() != 0 {
		t.Errorf("empty mean = %v", r.mean())
	}
	for i, tc := range []struct{ x, mean float64 }{
		{1, 1}, {2, 1.5}, {3, 2}, {4, 3}, {8, 5}, // window 3: (2+3+4)/3, (3+4+8)/3
	} {
		r.add(tc.x)
		if !near(r.mean(), tc.mean) {
			t.Errorf("after %d values: mean %v, want %v", i+1, r.mean(), tc.mean)
		}
	}
}

func TestMoments(t *testing.T) {
	// alpha .5: 1 -> (1, 0); 3 -> d 2, mean 2, var .5*(0+.5*4) = 1;
	// 5 -> d 3, mean 3.5, var .5*(1+.5*9) = 2.75.
	var m moments
	want := [][2]float64{{1, 0}, {2, 1}, {3.5, 2.75}}
	for i, x := range []float64{1, 3, 5} {
		m.update(x, 0.5)
		if !near(m.mean, want[i][0]) || !near(m.variance, want[i][1]) {
			t.Errorf("after %v: mean, var = %v, %v, want %v", x, m.mean, m.variance, want[i])
		}
	}
}

func TestExtremes(t *testing.T) {
	var e extremes
	if e.ready() || e.tail(100) != 1 {
		t.Fatal("an empty model must not be ready and must give tail 1")
	}
	// Blocks of 1h: [0, 60m) holds 1, 3 (max 3); [60m, 120m) holds 2, 5
	// (max 5); the sample at 120m closes it. Maxima 3, 5 with alpha .5:
	// mean 4, variance 1, so Gumbel beta = sqrt(6)/pi and mu = 4 - gamma*beta.
	for _, s := range []struct {
		min int
		r   float64
	}{{0, 1}, {30, 3}, {60, 2}, {90, 5}, {120, 0}} {
		e.update(t0.Add(time.Duration(s.min)*time.Minute), s.r, time.Hour, 0.5)
	}
	if e.maxima.n != 2 || !near(e.maxima.mean, 4) || !near(e.maxima.variance, 1) {
		t.Fatalf("maxima n, mean, var = %d, %v, %v, want 2, 4, 1", e.maxima.n, e.maxima.mean, e.maxima.variance)
	}
	for _, tc := range []struct{ r, tail float64 }{
		{4, 0.429623998324977},    // 1 - exp(-exp(-(4-mu)/beta))
		{6, 0.042263604427042356}, // two standard deviations above the mean
	} {
		if got := e.tail(tc.r); !near(got, tc.tail) {
			t.Errorf("tail(%v) = %v, want %v", tc.r, got, tc.tail)
		}
	}
	if got := e.tail(1e6); !(got >= 0 && got < 1e-300) {
		t.Errorf("far tail = %v, want tiny and not negative", got)
	}
}

func TestAlarmSuppression(t *testing.T) {
	det := &Detector{cfg: Config{AlarmThreshold: 0.9, SuppressFor: time.Hour}}
	for _, tc := range []struct {
		at    time.Duration
		q     float64
		prob  float64
		alarm bool
	}{
		{0, 0.5, 0.5, false},               // below the threshold
		{time.Minute, 0.05, 0.95, true},    // alarm, suppresses until 1h01m
		{30 * time.Minute, 0.01, 0, false}, // suppressed
		{61 * time.Minute, 0.02, 0.98, true},
		{62 * time.Minute, 0.5, 0, false}, // suppressed again
	} {
		var res Result
		det.alarm(t0.Add(tc.at), tc.q, &res)
		if !near(res.Probability, tc.prob) || res.Alarm != tc.alarm {
			t.Errorf("at %v: probability %v alarm %v, want %v %v", tc.at, res.Probability, res.Alarm, tc.prob, tc.alarm)
		}
	}
}

func TestLevelClipsOnlyAfterWarmup(t *testing.T) {
	// After 3 samples (after = 3) the third is not clipped: n=3, weight 1/2
	// (alpha .5 > 1/3), r = 19: spread 1.2533 + .5*(19*sqrt(pi/2) - 1.2533),
	// centre 11 + 9.5.
	var l level
	for _, x := range []float64{10, 12, 30} {
		l.update(x, 0.5, 2, 3)
	}
	sq := math.Sqrt(math.Pi / 2)
	if want := 2*sq*0.5 + 0.5*(19*sq-2*sq*0.5); !near(l.centre, 20.5) || !near(l.spread, want) {
		t.Errorf("centre, spread = %v, %v, want 20.5, %v", l.centre, l.spread, want)
	}
}

func TestSelection(t *testing.T) {
	// alpha .5: errors (season, level) (2, 4) then (1, 4): season 2 -> 1.5
	// (weight 1/2 on the second), level 4; ratio .5 needs season < 2.
	var s selection
	s.update(2, 4, 0.5)
	if s.seasonal(0.5, 0) {
		t.Error("season error 2 is not below .5*4 = 2")
	}
	s.update(1, 4, 0.5)
	if !near(s.errSeason, 1.5) || !near(s.errLevel, 4) {
		t.Fatalf("errors %v, %v, want 1.5, 4", s.errSeason, s.errLevel)
	}
	if !s.seasonal(0.5, 1) {
		t.Error("season error 1.5 < 2 after 2 > 1 comparisons")
	}
	if s.seasonal(0.5, 2) {
		t.Error("2 comparisons are not more than 2")
	}
	if s.seasonal(0.3, 0) {
		t.Error("1.5 is not below .3*4")
	}
}
