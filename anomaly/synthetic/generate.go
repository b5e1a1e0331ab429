package synthetic

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// Metric names one of the generated series.
type Metric int

// Metrics.
const (
	RequestRate Metric = iota // requests per second
	Latency                   // p95 latency in milliseconds
	ErrorRatio                // errors over requests, in [0, 1]
	CPU                       // CPU utilisation in percent, in [0, 100]
)

// Metrics lists all metrics in order.
func Metrics() []Metric { return []Metric{RequestRate, Latency, ErrorRatio, CPU} }

// String returns the metric's short name.
func (m Metric) String() string {
	switch m {
	case RequestRate:
		return "rate"
	case Latency:
		return "latency"
	case ErrorRatio:
		return "errors"
	case CPU:
		return "cpu"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// Series is one metric sampled on a regular grid; a NaN value is a missing
// scrape.
type Series struct {
	Metric Metric
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// At returns the timestamp of point i.
func (s Series) At(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// Index returns the index of the point at or after t (it may be len(Values)
// or beyond, or negative).
func (s Series) Index(t time.Time) int {
	d := t.Sub(s.Start)
	i := int(d / s.Step)
	if time.Duration(i)*s.Step < d {
		i++
	}
	return i
}

// Samples returns the present (non-NaN) points of [from, to) as samples.
func (s Series) Samples(from, to int) []baseline.Sample {
	from, to = max(from, 0), min(to, len(s.Values))
	out := make([]baseline.Sample, 0, max(to-from, 0))
	for i := from; i < to; i++ {
		if v := s.Values[i]; !math.IsNaN(v) {
			out = append(out, baseline.Sample{T: s.At(i), V: v})
		}
	}
	return out
}

// Clone returns a copy of s with its own Values.
func (s Series) Clone() Series {
	s.Values = append([]float64(nil), s.Values...)
	return s
}

// Traffic is the four series of one service, drawn from one load curve.
type Traffic struct {
	Rate, Latency, Errors, CPU Series
}

// Series returns the series of metric m.
func (t Traffic) Series(m Metric) (Series, error) {
	switch m {
	case RequestRate:
		return t.Rate, nil
	case Latency:
		return t.Latency, nil
	case ErrorRatio:
		return t.Errors, nil
	case CPU:
		return t.CPU, nil
	}
	return Series{}, fmt.Errorf("synthetic: unknown metric %d", int(m))
}

// Config sizes the generated traffic. The zero value of every field means
// its default.
type Config struct {
	// Start is the first timestamp (default Monday 2026-01-05 00:00 UTC, so
	// that days count from a Monday).
	Start time.Time
	// Step is the sampling step (default 1m).
	Step time.Duration
	// Days is the length in days (default 28).
	Days int
	// PeakRate is the weekday peak request rate in req/s (default 50).
	PeakRate float64
	// LatencyMS is the p95 latency at no load in ms (default 120).
	LatencyMS float64
	// ErrorRatio is the median base error ratio (default 0.003).
	ErrorRatio float64
	// BurstsPerDay is the mean number of benign traffic bursts a day
	// (default 2; negative for none).
	BurstsPerDay float64
	// ErrorBurstsPerDay is the mean number of error bursts a day (default 2;
	// negative for none).
	ErrorBurstsPerDay float64
	// MissingRate is the probability that a scrape is missing (default
	// 0.002; negative for none).
	MissingRate float64
	// OutagesPerDay is the mean number of scrape outages (2–10 missing
	// minutes in a row) a day (default 0.3; negative for none).
	OutagesPerDay float64
}

// DefaultStart is the default first timestamp, a Monday at midnight UTC.
func DefaultStart() time.Time { return time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) }

func (c Config) withDefaults() (Config, error) {
	if c.Start.IsZero() {
		c.Start = DefaultStart()
	}
	if c.Step == 0 {
		c.Step = time.Minute
	}
	if c.Days == 0 {
		c.Days = 28
	}
	def := func(p *float64, d float64) {
		switch {
		case *p == 0:
			*p = d
		case *p < 0:
			*p = 0
		}
	}
	def(&c.PeakRate, 50)
	def(&c.LatencyMS, 120)
	def(&c.ErrorRatio, 0.003)
	def(&c.BurstsPerDay, 2)
	def(&c.ErrorBurstsPerDay, 2)
	def(&c.MissingRate, 0.002)
	def(&c.OutagesPerDay, 0.3)
	if c.Step < 0 || c.Days < 0 {
		return c, errors.New("synthetic: step and days must not be negative")
	}
	if c.PeakRate == 0 || c.LatencyMS == 0 {
		return c, errors.New("synthetic: peak rate and latency must be positive")
	}
	if c.ErrorRatio >= 1 || c.MissingRate >= 1 {
		return c, errors.New("synthetic: error ratio and missing rate must be below 1")
	}
	return c, nil
}

// dailyProfile is the request rate per hour of day (UTC), relative to the
// peak: the averaged hourly medians of NAB's Twitter_volume_AAPL and _GOOG
// (see the package doc). It is a function so that the table cannot be
// changed at run time.
func dailyProfile() [24]float64 {
	return [24]float64{
		0.66, 0.61, 0.57, 0.53, 0.49, 0.44, 0.38, 0.35, 0.37, 0.41, 0.44, 0.52,
		0.60, 0.72, 0.87, 0.96, 0.97, 0.98, 1.00, 0.96, 0.93, 0.89, 0.79, 0.70,
	}
}

// weeklyProfile is the level per weekday (Sunday first): business days at
// about 1, Friday a little lower, weekend days at NAB's 0.55.
func weeklyProfile() [7]float64 {
	return [7]float64{0.57, 1.00, 1.02, 1.02, 1.00, 0.93, 0.55}
}

// Seasonal returns the noise-free relative load at t (1 at a weekday peak):
// the daily profile, interpolated with a cosine between hourly values taken
// at the middle of each hour, times the weekly profile, blended linearly over
// the two hours around midnight so that the week has no step.
func Seasonal(t time.Time) float64 {
	t = t.UTC()
	d := dailyProfile()
	h := float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
	x := h - 0.5
	i := int(math.Floor(x))
	f := x - float64(i)
	a, b := d[(i+24)%24], d[(i+1+24)%24]
	f = (1 - math.Cos(math.Pi*f)) / 2
	day := a + (b-a)*f
	w := weeklyProfile()
	wd := int(t.Weekday())
	week := w[wd]
	switch {
	case h >= 23: // blend towards tomorrow
		g := (h - 23) / 2
		week = w[wd]*(1-g) + w[(wd+1)%7]*g
	case h < 1: // blend from yesterday
		g := (h + 1) / 2
		week = w[(wd+6)%7]*(1-g) + w[wd]*g
	}
	return day * week
}

// ar1 is a stationary Gaussian AR(1) process with the given standard
// deviation and correlation time in steps.
type ar1 struct {
	phi, innov, x float64
}

func newAR1(r *rand.Rand, sd, steps float64) ar1 {
	phi := math.Exp(-1 / steps)
	return ar1{phi: phi, innov: sd * math.Sqrt(1-phi*phi), x: sd * r.NormFloat64()}
}

func (a *ar1) next(r *rand.Rand) float64 {
	a.x = a.phi*a.x + a.innov*r.NormFloat64()
	return a.x
}

// poisson draws a Poisson variate: Knuth's method for small means, a
// rounded normal approximation (good to well under 1 % here) above 30.
func poisson(r *rand.Rand, lambda float64) float64 {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64()))
	}
	l, k, p := math.Exp(-lambda), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// events draws the start points of a Poisson process of perDay events a day
// over n points of step, each lasting a uniform number of points in
// [minLen, maxLen]; it returns a per-point envelope where each event's
// weight (drawn by amp) decays linearly from its start to its end.
func events(r *rand.Rand, n int, step time.Duration, perDay float64, minLen, maxLen int, amp func() float64) []float64 {
	env := make([]float64, n)
	if perDay <= 0 {
		return env
	}
	p := perDay * float64(step) / float64(24*time.Hour)
	for i := range n {
		if r.Float64() >= p {
			continue
		}
		l := minLen + r.IntN(maxLen-minLen+1)
		a := amp()
		for k := 0; k < l && i+k < n; k++ {
			env[i+k] = math.Max(env[i+k], a*(1-float64(k)/float64(l)))
		}
	}
	return env
}

// Generate draws the traffic of cfg from seed; the same seed and config
// always give the same series.
func Generate(cfg Config, seed uint64) (Traffic, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return Traffic{}, err
	}
	n := int(time.Duration(c.Days) * 24 * time.Hour / c.Step)
	// One source per component, so that changing one does not reshuffle
	// the others' draws.
	src := func(k uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15*(k+1))) }
	rr, rl, re, rc, rg := src(1), src(2), src(3), src(4), src(5)
	perMin := float64(c.Step) / float64(time.Second)

	mk := func(m Metric) Series {
		return Series{Metric: m, Start: c.Start, Step: c.Step, Values: make([]float64, n)}
	}
	tr := Traffic{Rate: mk(RequestRate), Latency: mk(Latency), Errors: mk(ErrorRatio), CPU: mk(CPU)}

	// Request rate: seasonal × slow wander (4 h correlation, 5 %) × fast
	// log-normal noise (3 %) × benign bursts (+20–60 % for 3–15 min), then
	// Poisson counting noise over the step.
	wander := newAR1(rr, 0.05, float64(4*time.Hour/c.Step))
	bursts := events(rr, n, c.Step, c.BurstsPerDay, 3, 15, func() float64 { return 0.2 + 0.4*rr.Float64() })
	load := make([]float64, n)
	for i := range n {
		mean := Seasonal(tr.Rate.At(i)) * math.Exp(wander.next(rr)+0.03*rr.NormFloat64()) * (1 + bursts[i])
		rate := poisson(rr, mean*c.PeakRate*perMin) / perMin
		tr.Rate.Values[i] = rate
		load[i] = rate / c.PeakRate
	}

	// Latency p95: rises by a quarter of the squared load, log-normal noise
	// of 5–10 % (more at low load, fewer requests behind the quantile), a
	// slow wander, and a slow minute (×1.3–2) with probability 0.3 %.
	lwander := newAR1(rl, 0.04, float64(2*time.Hour/c.Step))
	for i := range n {
		l := math.Min(load[i], 2)
		sd := 0.05 + 0.05*math.Max(0, 1-l)
		v := c.LatencyMS * (1 + 0.25*l*l) * math.Exp(lwander.next(rl)+sd*rl.NormFloat64())
		if rl.Float64() < 0.003 {
			v *= 1.3 + 0.7*rl.Float64()
		}
		tr.Latency.Values[i] = v
	}

	// Error ratio: Poisson errors among the step's requests at a base ratio
	// wandering by ±30 % (log, 6 h), plus error bursts of 1–6 min at +1–4 %.
	ewander := newAR1(re, 0.3, float64(6*time.Hour/c.Step))
	ebursts := events(re, n, c.Step, c.ErrorBurstsPerDay, 1, 6, func() float64 { return 0.01 + 0.03*re.Float64() })
	for i := range n {
		p := math.Min(1, c.ErrorRatio*math.Exp(ewander.next(re))+ebursts[i])
		reqs := tr.Rate.Values[i] * perMin
		if reqs <= 0 {
			tr.Errors.Values[i] = 0
			continue
		}
		tr.Errors.Values[i] = math.Min(1, poisson(re, reqs*p)/reqs)
	}

	// CPU: 4 % idle plus 60 % at peak load, a slow wander and 1.5 points of
	// noise.
	cwander := newAR1(rc, 1.5, float64(time.Hour/c.Step))
	for i := range n {
		v := 4 + 60*load[i] + cwander.next(rc) + 1.5*rc.NormFloat64()
		tr.CPU.Values[i] = math.Max(0, math.Min(100, v))
	}

	// Missing scrapes, the same for all four series (one target).
	outages := events(rg, n, c.Step, c.OutagesPerDay, 2, 10, func() float64 { return 1 })
	for i := range n {
		if outages[i] > 0 || rg.Float64() < c.MissingRate {
			tr.Rate.Values[i] = math.NaN()
			tr.Latency.Values[i] = math.NaN()
			tr.Errors.Values[i] = math.NaN()
			tr.CPU.Values[i] = math.NaN()
		}
	}
	return tr, nil
}
