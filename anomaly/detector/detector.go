// Package detector is the anomaly sidecar's default univariate detector
// (issue #15): one per Prometheus series, scoring every new sample causally
// against the past.
//
// A sample goes through these stages, each in its own file:
//
//  1. the seasonal baseline (package baseline, optional): the sample's
//     residual from its bucket's centre, in the bucket's spreads, so that a
//     busy afternoon and a quiet night are judged on their own terms;
//  2. the level (level.go): a robust, exponentially weighted long-term
//     centre and spread over LevelWindow, against which both the sample
//     (point deviation z) and the mean of the last ShortWindow of samples
//     (short-term deviation, in standard errors) are measured; the raw
//     score is the larger of the two;
//  3. the extremes (extremes.go): a Gumbel law fitted to the largest raw
//     score of each ExtremeBlock (a day) over ExtremeWindow; Probability is
//     its CDF at the raw score, the chance that a usual day's worst stays
//     below it, which calibrates one threshold across quiet and spiky series
//     alike (the role Numenta's "anomaly likelihood" plays for HTM);
//  4. the selection (selection.go): stages 2 and 3 run twice (view.go), on
//     the raw values and on the seasonal residuals; the seasonal view speaks
//     only while the season's prediction error is below SeasonRatio times
//     the level's, since a season that explains little only adds the noise
//     of estimating a centre per bucket;
//  5. the alarm (suppress.go): Probability >= AlarmThreshold raises an
//     alarm, and further alarms within SuppressFor are suppressed (their
//     Probability reads 0), so that one incident pages once.
//
// The raw view needs only Warmup and one ExtremeBlock of history, so a new
// series is scored against its own level long before the seasonal baseline
// has MinHistory; a Fit on two weeks of history makes the seasonal view
// available at once.
//
// The Result also carries vmanomaly's outputs: yhat (the level, or the
// seasonal centre moved by the level of the residuals), yhat_lower and yhat_upper (Threshold
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
	// Seasonal is true when the seasonal view gave this result, false when
	// the series was judged against its own level.
	Seasonal bool
}

// Detector scores one series. Make one with New or UnmarshalBinary (the
// zero value is only a target for UnmarshalBinary). It is not safe for
// concurrent use.
type Detector struct {
	cfg  Config
	d    derived
	base *baseline.Model // nil without a season

	raw      view // on the values
	seas     view // on the seasonal residuals, once the baseline is ready
	sel      selection
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
	det.raw = view{short: newRecent(det.d.shortK)}
	det.seas = view{short: newRecent(det.d.shortK)}
	det.sel = selection{}
	det.seen = false
	det.last = time.Time{}
	det.suppress = time.Time{}
}

// State reports whether the detector scores yet: its raw view must have
// learnt for Warmup and completed a block of maxima. (The seasonal view
// takes over later, once the baseline has MinHistory and the season has
// proved itself.)
func (det *Detector) State() State {
	if !det.raw.ready(det.d.warmupN) {
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
	state := det.State()
	useSeason := det.useSeason()

	// The raw view sees the values themselves.
	rawYhat := det.raw.lvl.centre
	res, q := det.raw.step(det, t, v, v, 0, 1, !useSeason && state == baseline.Ready)

	// Stage 1: the seasonal residual, in the bucket's spreads.
	if det.base != nil {
		p, err := det.base.Score(t, v)
		if uerr := det.base.Update(t, v); uerr != nil {
			return Result{State: baseline.ColdStart}, fmt.Errorf("detector: seasonal update: %w", uerr)
		}
		switch {
		case err == nil:
			// A constant bucket and series has no spread: measure in a
			// tiny unit so that any real deviation stands out.
			unit := math.Max(p.YhatUpper-p.Yhat, 1e-9*math.Max(math.Abs(p.Yhat), 1e-300))
			// In that tiny unit a real deviation is a huge or infinite number of
			// units; bounded, it still stands out, and the state stays finite.
			x := math.Max(-residualCap, math.Min(residualCap, (v-p.Yhat)/unit))
			sres, sq := det.seas.step(det, t, v, x, p.Yhat, unit, useSeason && state == baseline.Ready)
			if det.raw.lvl.n > 1 {
				det.sel.update(math.Abs(v-p.Yhat), math.Abs(v-rawYhat), det.d.levelAlpha)
			}
			if useSeason {
				res, q = sres, sq
			}
		case !errors.Is(err, baseline.ErrColdStart):
			return Result{State: baseline.ColdStart}, fmt.Errorf("detector: seasonal score: %w", err)
		}
	}
	if state != baseline.Ready {
		return Result{State: baseline.ColdStart}, ErrColdStart
	}
	res.Seasonal = useSeason
	det.alarm(t, q, &res)
	return res, nil
}

// useSeason reports whether the seasonal view speaks for the series.
func (det *Detector) useSeason() bool {
	return det.base != nil && det.seas.ready(det.d.warmupN) && det.sel.seasonal(det.cfg.SeasonRatio, det.d.warmupN)
}
