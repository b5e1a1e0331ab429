package detector

import "math"

// meanAbsScale = sqrt(pi/2) turns a mean absolute deviation into a
// consistent estimate of the standard deviation of normal data.
var meanAbsScale = math.Sqrt(math.Pi / 2)

// level is a robust exponentially weighted estimate of a stream's centre and
// spread (the long-term level the recent values are compared with). Its
// weight per sample is max(alpha, 1/n), so the first samples give the plain
// running mean; a residual beyond clip spreads is clipped there and its weight
// divided by the square of how far out it was, so that an anomaly hardly moves
// the level it is measured against, while a lasting shift is still learnt.
// levelClipAfter is how many samples the level learns before it clips.
const levelClipAfter = 30

type level struct {
	n      uint64
	centre float64
	spread float64
}

// update learns x with smoothing factor alpha and clipping at clip spreads,
// clipping only once more than after samples have been learnt: a spread from
// a few close first samples would otherwise clip everything after, and
// clipped residuals cannot grow it back.
func (l *level) update(x, alpha, clip float64, after uint64) {
	l.n++
	if l.n == 1 {
		l.centre, l.spread = x, 0
		return
	}
	a := math.Max(alpha, 1/float64(l.n))
	r := x - l.centre
	if l.spread > 0 && l.n > after {
		lim := clip * l.spread
		if ar := math.Abs(r); ar > lim {
			a *= (lim / ar) * (lim / ar)
			r = math.Copysign(lim, r)
		}
	}
	// The spread learns from the residual before the centre moves.
	l.spread += a * (math.Abs(r)*meanAbsScale - l.spread)
	l.centre += a * r
	if !finite(l.centre) || !finite(l.spread) { // overflow on extreme input
		l.centre, l.spread = x, 0
	}
}

// recent is the mean of the last len(buf) values of a stream (fewer while
// it fills): the short-term level.
type recent struct {
	buf  []float64
	next int
	full bool
}

func newRecent(k int) recent { return recent{buf: make([]float64, 0, k)} }

func (r *recent) add(x float64) {
	if !r.full {
		r.buf = append(r.buf, x)
		if len(r.buf) == cap(r.buf) {
			r.full = true
		}
		return
	}
	r.buf[r.next] = x
	r.next = (r.next + 1) % len(r.buf)
}

// mean returns the mean of the values held (0 for none). It sums afresh so
// that no rounding error accumulates over a long stream.
func (r *recent) mean() float64 {
	if len(r.buf) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range r.buf {
		s += x
	}
	return s / float64(len(r.buf))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
