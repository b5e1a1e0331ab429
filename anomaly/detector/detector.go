// Package detector is the anomaly sidecar's default univariate detector
// (issue #15): one per Prometheus series, scoring every new sample causally
// against the past.
//
// A sample goes through four stages, each in its own file:
//
//  1. the seasonal baseline (package baseline, optional): the sample's
//     residual from its bucket's centre, in the bucket's spreads, so that a
//     busy afternoon and a quiet night are judged on their own terms;
//  2. the level (level.go): a robust, exponentially weighted long-term
//     centre and spread of those residuals over LevelWindow, against which
//     both the sample (point deviation z) and the mean of the last
//     ShortWindow of samples (short-term deviation, in standard errors) are
//     measured; the raw score is the larger of the two;
//  3. the extremes (extremes.go): a Gumbel law fitted to the largest raw
//     score of each ExtremeBlock (a day) over ExtremeWindow; Probability is
//     its CDF at the raw score, the chance that a usual day's worst stays
//     below it, which calibrates one threshold across quiet and spiky series
//     alike (the role Numenta's "anomaly likelihood" plays for HTM);
//  4. the alarm (suppress.go): Probability >= AlarmThreshold raises an
//     alarm, and further alarms within SuppressFor are suppressed (their
//     Probability reads 0), so that one incident pages once.
//
// The Result also carries vmanomaly's outputs: yhat (the seasonal centre
// moved by the long-term level), yhat_lower and yhat_upper (Threshold
// standard deviations either side, widened to MinDevFromExpected), and the
// score |v - yhat| / (Threshold * sd), 0 on the side Direction ignores and
// below MinDevFromExpected, 1 at the band edge.
//
// Every stage is O(1) per sample except the short-term mean (O(ShortWindow
// steps)) and the median_mad seasonal method, so Fit replays ScoreUpdate
// over the fit window: streaming and fitting give the same model.
package detector

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// State is a detector's readiness (cold start or ready).
type State = baseline.State

// Errors returned by the detector.
var (
	// ErrColdStart means the detector is still learning and gives no
	// score; it is baseline's, so errors.Is works with either.
	ErrColdStart = baseline.ErrColdStart
	// ErrInvalidValue means the sample is NaN or infinite; it is neither
	// scored nor learnt.
	ErrInvalidValue = baseline.ErrInvalidValue
	// ErrOutOfOrder means the sample is not after the last one learnt; it
	// is ignored.
	ErrOutOfOrder = baseline.ErrOutOfOrder
)

// Result is the detector's answer for one sample.
type Result struct {
	State     State   // ColdStart: nothing below is set
	Yhat      float64 // expected value
	YhatLower float64 // lower edge of the normal band
	YhatUpper float64 // upper edge of the normal band
	// Score is vmanomaly's anomaly score: >= 0, 1 at the band edge.
	Score float64
	// Probability, in [0, 1], is the chance that a usual block's largest
	// raw score stays below this one; 0 while an earlier alarm suppresses.
	Probability float64
	// Alarm is Probability >= AlarmThreshold.
	Alarm bool
}

// Detector scores one series. It is not safe for concurrent use.
type Detector struct {
	cfg  Config
	d    derived
	base *baseline.Model // nil without a season

	lvl      level
	short    recent
	ext      extremes
	warm     int // samples learnt by the level stage
	seen     bool
	last     time.Time
	suppress time.Time // alarms before this instant are suppressed
}

// New returns a detector in cold start for cfg.
func New(cfg Config) (*Detector, error) {
	d, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	det := &Detector{cfg: cfg, d: d}
	det.Reset()
	return det, nil
}

// Config returns the detector's configuration.
func (det *Detector) Config() Config { return det.cfg }

// Reset forgets everything learnt.
func (det *Detector) Reset() {
	det.base = nil
	if det.cfg.Season > 0 {
		bc, _ := det.cfg.baseline() // validated by New
		det.base, _ = baseline.New(bc)
	}
	det.lvl = level{}
	det.short = newRecent(det.d.shortK)
	det.ext = extremes{}
	det.warm = 0
	det.seen = false
	det.last = time.Time{}
	det.suppress = time.Time{}
}

// State reports whether the detector scores yet: the seasonal baseline
// must be ready, the level stage must have learnt for Warmup and the
// extremes stage must have completed a block.
func (det *Detector) State() State {
	if det.base != nil && det.base.State() != baseline.Ready {
		return baseline.ColdStart
	}
	if det.warm <= det.d.warmupN || det.lvl.n == 0 || !det.ext.ready() {
		return baseline.ColdStart
	}
	return baseline.Ready
}

// Fit forgets what was learnt and replays samples through ScoreUpdate, in
// time order (a sorted copy is used if needed; of equal timestamps the first
// wins), NaN and infinite values skipped. It returns the resulting state.
func (det *Detector) Fit(samples []baseline.Sample) State {
	det.Reset()
	cmp := func(a, b baseline.Sample) int { return a.T.Compare(b.T) }
	if !slices.IsSortedFunc(samples, cmp) {
		samples = slices.Clone(samples)
		slices.SortStableFunc(samples, cmp)
	}
	for _, s := range samples {
		_, _ = det.ScoreUpdate(s.T, s.V) // cold start and duplicates are expected here
	}
	return det.State()
}

// ScoreUpdate scores (t, v) against the past and then learns it. It returns
// ErrColdStart (Result.State ColdStart, the sample learnt) while the
// detector warms up, ErrInvalidValue for NaN or infinite v and
// ErrOutOfOrder for a sample not after the last one (neither learnt).
func (det *Detector) ScoreUpdate(t time.Time, v float64) (Result, error) {
	if !finite(v) {
		return Result{State: det.State()}, ErrInvalidValue
	}
	if det.seen && !t.After(det.last) {
		return Result{State: det.State()}, ErrOutOfOrder
	}
	det.seen, det.last = true, t

	// Stage 1: the seasonal residual, in the bucket's spreads.
	centre, unit := 0.0, 1.0
	if det.base != nil {
		p, err := det.base.Score(t, v)
		if uerr := det.base.Update(t, v); uerr != nil {
			return Result{State: baseline.ColdStart}, fmt.Errorf("detector: seasonal update: %w", uerr)
		}
		if errors.Is(err, baseline.ErrColdStart) {
			return Result{State: baseline.ColdStart}, ErrColdStart
		}
		if err != nil {
			return Result{State: baseline.ColdStart}, fmt.Errorf("detector: seasonal score: %w", err)
		}
		centre, unit = p.Yhat, p.YhatUpper-p.Yhat
		// A constant bucket and series has no spread: measure in a
		// tiny unit so that any real deviation stands out.
		unit = math.Max(unit, 1e-9*math.Max(math.Abs(centre), 1e-300))
	}
	x := (v - centre) / unit

	ready := det.State() == baseline.Ready
	det.short.add(x)
	var res Result
	var raw float64
	if ready {
		res, raw = det.score(v, x, centre, unit)
	}
	det.lvl.update(x, det.d.levelAlpha, det.cfg.Clip, levelClipAfter)
	det.warm++
	if !ready {
		if det.lvl.n > 1 {
			// Warm the extremes with the raw scores of the warm-up.
			_, raw = det.score(v, x, centre, unit)
			det.ext.update(t, raw, det.cfg.ExtremeBlock, det.d.blockAlpha)
		}
		return Result{State: baseline.ColdStart}, ErrColdStart
	}
	q := det.ext.tail(raw)
	det.ext.update(t, raw, det.cfg.ExtremeBlock, det.d.blockAlpha)
	det.alarm(t, q, &res)
	return res, nil
}

// zCap bounds raw deviations so that one absurd value cannot swamp the
// likelihood's statistics.
const zCap = 1e3

// score computes the Result (without the alarm) and the raw score of the
// sample with residual x, from the state before x is learnt.
func (det *Detector) score(v, x, centre, unit float64) (Result, float64) {
	c := det.cfg
	sd := det.lvl.spread
	yhat := centre + unit*det.lvl.centre
	sdv := unit * sd
	band := c.Threshold * sdv
	hw := math.Max(band, c.MinDevFromExpected)
	res := Result{State: baseline.Ready, Yhat: yhat, YhatLower: yhat - hw, YhatUpper: yhat + hw}

	dev := v - yhat
	if math.Abs(dev) < c.MinDevFromExpected || dev == 0 {
		return res, 0 // below min_dev_from_expected: nothing to see
	}
	z := deviation(x-det.lvl.centre, sd)
	zs := deviation(det.short.mean()-det.lvl.centre, sd) * math.Sqrt(float64(len(det.short.buf)))
	switch c.Direction {
	case baseline.AboveExpected:
		z, zs = math.Max(z, 0), math.Max(zs, 0)
	case baseline.BelowExpected:
		z, zs = math.Max(-z, 0), math.Max(-zs, 0)
	default:
		z, zs = math.Abs(z), math.Abs(zs)
	}
	if (c.Direction == baseline.AboveExpected && dev > 0) ||
		(c.Direction == baseline.BelowExpected && dev < 0) || c.Direction == baseline.Both {
		res.Score = z / c.Threshold
	}
	return res, math.Max(z, zs)
}

// deviation is r/sd bounded to ±zCap, 0 for r = 0 and ±zCap for sd = 0.
func deviation(r, sd float64) float64 {
	if r == 0 {
		return 0
	}
	if !(sd > 0) {
		return math.Copysign(zCap, r)
	}
	return math.Max(-zCap, math.Min(zCap, r/sd))
}
