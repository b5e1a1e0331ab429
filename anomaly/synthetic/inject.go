package synthetic

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Kind is the type of an injected anomaly.
type Kind int

// Kinds.
const (
	None           Kind = iota // no injection: a clean series, for false alarms
	LevelShift                 // a factor or offset held over the window
	Spike                      // a level shift of a few minutes
	Drift                      // a linear ramp to the full change over the window
	SeasonalBreak              // the values of Shift earlier
	DroppedTraffic             // a factor near 0, optionally with samples missing
)

// Kinds lists the injection kinds, None first.
func Kinds() []Kind {
	return []Kind{None, LevelShift, Spike, Drift, SeasonalBreak, DroppedTraffic}
}

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case None:
		return "none"
	case LevelShift:
		return "level shift"
	case Spike:
		return "spike"
	case Drift:
		return "slow drift"
	case SeasonalBreak:
		return "seasonal break"
	case DroppedTraffic:
		return "dropped traffic"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Window is the ground truth of one injection: [Start, End).
type Window struct {
	Start, End time.Time
}

// Injection describes one anomaly on one series. A value v at a point
// inside the window becomes v*f + a, where f and a go from Factor and Add
// (LevelShift, Spike, DroppedTraffic) or ramp linearly from 1 and 0 to them
// (Drift); SeasonalBreak takes the clean value of Shift earlier instead.
type Injection struct {
	Kind     Kind
	Start    time.Time
	Duration time.Duration
	// Factor multiplies the values (0 means 1, no change; use a tiny
	// positive number such as 1e-9 for "drop to zero").
	Factor float64
	// Add is added to the values after Factor.
	Add float64
	// Shift is how far back SeasonalBreak takes its values from.
	Shift time.Duration
	// Missing is the fraction of the window's samples removed (set to NaN),
	// drawn with the injection's seed; 1 removes them all.
	Missing float64
}

// Window returns the injection's ground truth.
func (inj Injection) Window() Window {
	return Window{Start: inj.Start, End: inj.Start.Add(inj.Duration)}
}

// clamp keeps a metric within its range: ratios in [0, 1], CPU in [0, 100],
// everything non-negative.
func clamp(m Metric, v float64) float64 {
	if math.IsNaN(v) {
		return v
	}
	v = math.Max(0, v)
	switch m {
	case ErrorRatio:
		v = math.Min(1, v)
	case CPU:
		v = math.Min(100, v)
	}
	return v
}

// Apply returns a copy of s with the injection applied, and its window.
// seed draws the removed samples (Missing).
func (inj Injection) Apply(s Series, seed uint64) (Series, Window, error) {
	w := inj.Window()
	out := s.Clone()
	if inj.Kind == None {
		return out, Window{}, nil
	}
	if inj.Duration <= 0 {
		return out, w, fmt.Errorf("synthetic: %v injection needs a positive duration, got %v", inj.Kind, inj.Duration)
	}
	if inj.Missing < 0 || inj.Missing > 1 {
		return out, w, fmt.Errorf("synthetic: missing fraction %v not in [0, 1]", inj.Missing)
	}
	from, to := s.Index(w.Start), s.Index(w.End)
	if from < 0 || to > len(s.Values) {
		return out, w, fmt.Errorf("synthetic: window %v–%v outside the series (%v, %d points of %v)",
			w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339), s.Start.Format(time.RFC3339), len(s.Values), s.Step)
	}
	f := inj.Factor
	if f == 0 {
		f = 1
	}
	switch inj.Kind {
	case LevelShift, Spike, DroppedTraffic:
		for i := from; i < to; i++ {
			out.Values[i] = clamp(s.Metric, s.Values[i]*f+inj.Add)
		}
	case Drift:
		n := float64(to - from)
		for i := from; i < to; i++ {
			g := float64(i-from+1) / n // reaches the full change on the last point
			out.Values[i] = clamp(s.Metric, s.Values[i]*(1+(f-1)*g)+inj.Add*g)
		}
	case SeasonalBreak:
		k := int(inj.Shift / s.Step)
		if inj.Shift <= 0 || time.Duration(k)*s.Step != inj.Shift {
			return out, w, fmt.Errorf("synthetic: seasonal break shift %v is not a positive multiple of the step %v", inj.Shift, s.Step)
		}
		if from-k < 0 {
			return out, w, errors.New("synthetic: seasonal break reaches before the series starts")
		}
		for i := from; i < to; i++ {
			out.Values[i] = s.Values[i-k]
		}
	default:
		return out, w, fmt.Errorf("synthetic: unknown injection kind %d", int(inj.Kind))
	}
	if inj.Missing > 0 {
		r := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
		for i := from; i < to; i++ {
			if inj.Missing == 1 || r.Float64() < inj.Missing {
				out.Values[i] = math.NaN()
			}
		}
	}
	return out, w, nil
}
