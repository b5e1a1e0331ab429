package detector

import (
	"math"
	"time"
)

// eulerGamma is the Euler-Mascheroni constant, the mean of a standard Gumbel
// law.
const eulerGamma = 0.5772156649015329

// minScale floors the Gumbel law's standard deviation, so that a series
// whose daily maxima have been identical does not alarm on a hair's breadth.
const minScale = 0.05

// extremes models the largest raw score of each block of time (a day, say)
// with a Gumbel law fitted by moments to exponentially weighted block maxima:
// extreme value theory's block-maxima method. The probability of a new raw
// score r is the Gumbel law's CDF at r, the chance that a block's maximum
// stays below r. That is calibrated for heavy-tailed, spiky series: a normal
// law of the raw scores would alarm on every day's largest spike, while here
// r must beat the usual daily worst.
type extremes struct {
	blockStart time.Time
	blockMax   float64
	inBlock    bool
	maxima     moments // of the completed blocks' maxima
}

// ready reports whether a block has been completed.
func (e *extremes) ready() bool { return e.maxima.n > 0 }

// tail returns 1 - CDF(r) = P(block max >= r) under the fitted Gumbel law
// (1 while no block is complete), computed as -expm1(-exp(-y)) to keep
// resolution far in the tail.
func (e *extremes) tail(r float64) float64 {
	if !e.ready() {
		return 1
	}
	sd := math.Max(math.Sqrt(e.maxima.variance), minScale)
	beta := sd * math.Sqrt(6) / math.Pi
	mu := e.maxima.mean - eulerGamma*beta
	return -math.Expm1(-math.Exp(-(r - mu) / beta))
}

// update learns the raw score r at t: blocks are block long, starting at
// the first sample after the previous block ended, and a completed block's
// maximum is learnt with weight alpha.
func (e *extremes) update(t time.Time, r float64, block time.Duration, alpha float64) {
	if e.inBlock && !t.Before(e.blockStart.Add(block)) {
		e.maxima.update(e.blockMax, alpha)
		e.inBlock = false
	}
	if !e.inBlock {
		e.blockStart, e.blockMax, e.inBlock = t, r, true
		return
	}
	e.blockMax = math.Max(e.blockMax, r)
}
