package detector

import "math"

// selection decides whether the seasonal view or the raw one speaks for the
// series: it compares exponentially weighted mean absolute errors, in the
// series' units, of the seasonal centre and of the raw view's level, both
// predicting each sample from the past. The season is used only when its
// error is below SeasonRatio times the level's, i.e. when the season
// explains enough of the series to pay for the noise of estimating a centre
// per bucket (a weakly seasonal, noisy series is better judged against its
// own level).
type selection struct {
	n         uint64
	errSeason float64
	errLevel  float64
}

// update learns one pair of absolute errors with smoothing factor alpha.
func (s *selection) update(season, lvl, alpha float64) {
	s.n++
	a := math.Max(alpha, 1/float64(s.n))
	s.errSeason += a * (season - s.errSeason)
	s.errLevel += a * (lvl - s.errLevel)
}

// seasonal reports whether the season explains the series: more than minN
// comparisons, and a seasonal error below ratio times the level's.
func (s *selection) seasonal(ratio float64, minN int) bool {
	return s.n > uint64(minN) && s.errSeason < ratio*s.errLevel
}
