package detector

import (
	"math"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// view is stages 2 and 3 (level and extremes) run on one residual stream:
// the raw values, or the seasonal residuals in bucket spreads. The detector
// runs both and reports the one its selection stage picks, so that the
// other is warm when the choice changes.
type view struct {
	lvl   level
	short recent
	ext   extremes
	warm  int // samples learnt
}

// ready reports whether the view has learnt more than warmupN samples and
// completed a block of maxima (which starts once the level has learnt
// levelClipAfter samples).
func (w *view) ready(warmupN int) bool {
	return w.warm > warmupN && w.lvl.n > 0 && w.ext.ready()
}

// step scores the sample (t, v), whose residual is x = (v - centre) / unit,
// against the view's past and then learns it. It returns the Result (no
// alarm yet) and, if tail is set, the tail probability of the raw score (1
// otherwise, saving the view not reported its cost); both mean something
// only if the view was ready before the sample.
func (w *view) step(det *Detector, t time.Time, v, x, centre, unit float64, tail bool) (Result, float64) {
	w.short.add(x)
	var res Result
	q := 1.0
	// Raw scores count only once the level rests on levelClipAfter
	// samples: the spread of the first few is too rough to measure by.
	if w.lvl.n >= levelClipAfter {
		var raw float64
		res, raw = w.score(det.cfg, v, x, centre, unit)
		if tail {
			q = w.ext.tail(raw)
		}
		w.ext.update(t, raw, det.cfg.ExtremeBlock, det.d.blockAlpha)
	}
	w.lvl.update(x, det.d.levelAlpha, det.cfg.Clip, levelClipAfter)
	w.warm++
	return res, q
}

// residualCap bounds a seasonal residual, in the bucket's spreads: a constant
// bucket's spread is tiny, so one real deviation would otherwise be +Inf, which
// no later arithmetic (or the encoding) can carry, or a number so large that the
// level learning it is useless for hours. Deviations are bounded at zCap when
// scored anyway, so nothing is lost.
const residualCap = zCap

// zCap bounds raw deviations so that one absurd value cannot swamp the
// block maxima.
const zCap = 1e3

// score computes the Result (without the alarm) and the raw score of the
// sample with residual x, from the state before x is learnt: the larger of
// the point deviation and the short-term mean's deviation in standard
// errors, on the side Direction watches.
func (w *view) score(c Config, v, x, centre, unit float64) (Result, float64) {
	sd := w.lvl.spread
	yhat := centre + unit*w.lvl.centre
	band := c.Threshold * unit * sd
	hw := math.Max(band, c.MinDevFromExpected)
	res := Result{State: baseline.Ready, Yhat: yhat, YhatLower: yhat - hw, YhatUpper: yhat + hw}

	dev := v - yhat
	if math.Abs(dev) < c.MinDevFromExpected || dev == 0 {
		return res, 0 // below min_dev_from_expected: nothing to see
	}
	z := deviation(x-w.lvl.centre, sd)
	zs := deviation(w.short.mean()-w.lvl.centre, sd) * math.Sqrt(float64(len(w.short.buf)))
	switch c.Direction {
	case baseline.AboveExpected:
		z, zs = math.Max(z, 0), math.Max(zs, 0)
	case baseline.BelowExpected:
		z, zs = math.Max(-z, 0), math.Max(-zs, 0)
	default:
		z, zs = math.Abs(z), math.Abs(zs)
	}
	res.Score = z / c.Threshold
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
