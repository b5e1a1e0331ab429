package rulegen

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Fixture describes how to drive an alert's expression to a chosen value v with
// synthetic input series, so tests can be generated for every level.
type Fixture struct {
	Series []FixtureSeries
	// Labels are the labels the alert carries for these series (besides alertname,
	// severity and the level's labels).
	Labels map[string]string
	// Below means the levels fire when the value is below their threshold.
	Below bool
	// Near returns a value just on the silent side and one just on the firing side of
	// a threshold; nil means 2 % either side.
	Near func(threshold float64) (silent, firing float64)
	// Clear is a value at which no level fires.
	Clear float64
	// Rate says the value is a counter's rate itself rather than a ratio of rates. The
	// generated counters start at zero at minute 0, so until a window is full of
	// samples Prometheus divides their increase by the whole window: the rate climbs
	// to v, where a ratio of two such rates is v at once.
	Rate bool
}

// FixtureSeries is one input series in promtool notation. Value maps v to the gauge's
// value or, for a counter, to its increase per minute.
type FixtureSeries struct {
	Series  string
	Counter bool
	Value   func(v float64) float64
}

func counter(series string, f func(float64) float64) FixtureSeries {
	return FixtureSeries{Series: series, Counter: true, Value: f}
}

func gauge(series string, f func(float64) float64) FixtureSeries {
	return FixtureSeries{Series: series, Value: f}
}

func (f *Fixture) near(t float64) (silent, firing float64) {
	if f.Near != nil {
		return f.Near(t)
	}
	if f.Below {
		return t * 1.02, t * 0.98
	}
	return t * 0.98, t * 1.02
}

// phase holds the fixture at value for some minutes.
type phase struct {
	value   float64
	minutes int
}

// timeline is a sequence of phases sampled once a minute from minute 0.
type timeline []phase

func (tl timeline) length() int {
	n := 0
	for _, p := range tl {
		n += p.minutes
	}
	return n
}

// at is the value during minute m.
func (tl timeline) at(m int) float64 {
	for _, p := range tl {
		if m < p.minutes {
			return p.value
		}
		m -= p.minutes
	}
	return tl[len(tl)-1].value
}

// average is what a rate over window minutes sees at minute t: the mean of the
// per-minute values of the increments inside (t-window, t]. Counters have no rate at
// minute 0 (one sample); ok is false then.
func (tl timeline) average(t, window int) (v float64, ok bool) {
	if window == 0 {
		return tl.at(t), true
	}
	from := max(t-window+1, 1)
	if from > t {
		return 0, false
	}
	sum := 0.0
	for m := from; m <= t; m++ {
		sum += tl.at(m)
	}
	return sum / float64(t-from+1), true
}

// values writes a series' samples over the timeline in promtool's expanding notation,
// one "a+bxn" segment per phase.
func (tl timeline) values(s FixtureSeries) string {
	var segs []string
	last := 0.0
	for i, p := range tl {
		if p.minutes == 0 {
			continue
		}
		step := s.Value(p.value)
		first := step
		switch {
		case !s.Counter:
			step = 0
		case i == 0:
			first = 0 // a counter starts at zero; increments begin at minute 1
		default:
			first = last + step
		}
		n := p.minutes - 1
		segs = append(segs, segment(first, step, n))
		if s.Counter {
			last = first + step*float64(n)
		}
	}
	return strings.Join(segs, " ")
}

func segment(first, step float64, n int) string {
	op := "+"
	if step < 0 {
		op, step = "-", -step
	}
	return fmt.Sprintf("%s%s%sx%d", fnum(first), op, fnum(step), n)
}

// fnum formats a sample without float noise in the last digits.
func fnum(f float64) string {
	if f != 0 && math.Abs(f) < 1e15 {
		f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// labelString writes {a="b", c="d"} with sorted names.
func labelString(ls map[string]string) string {
	names := make([]string, 0, len(ls))
	for n := range ls {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%q", n, ls[n])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
