// Package baseline is the seasonal baseline of issue #15: a per-series model
// that learns, for every bucket of a season (by default the 168 hours of a
// week), a robust centre and spread of the values seen in that bucket, and
// scores new samples against them.
//
// For a sample (t, v) the model gives
//
//	yhat         the bucket's centre (median, or an exponentially weighted mean)
//	yhat_lower   yhat - max(Threshold*spread, MinDevFromExpected)
//	yhat_upper   yhat + max(Threshold*spread, MinDevFromExpected)
//	anomaly_score |v - yhat| / (Threshold*spread), 0 below MinDevFromExpected
//
// where spread is the bucket's MAD scaled by 1.4826 (or, for the exponentially
// weighted variant, the weighted mean absolute deviation scaled by sqrt(pi/2)),
// both consistent estimators of the standard deviation for normal data.
//
// The score follows vmanomaly's convention: it is never negative, below 1 for
// normal data and above 1 for anomalies, and exactly 1 at the band edge.
// Config.Direction restricts scoring to one side (the other side scores 0),
// as vmanomaly's detection_direction (both, above_expected, below_expected)
// does; a deviation |v - yhat| smaller than MinDevFromExpected scores 0, as
// vmanomaly's min_dev_from_expected does. The band is widened to at least
// MinDevFromExpected so that a point scoring 0 for that reason is drawn inside
// it.
//
// NaN and infinite samples are skipped when learning, and missing samples are
// simply absent. A bucket with fewer than MinBucketSamples samples falls back
// to the centre and spread of all samples. Until the model has seen
// MinHistory of data (by default one full season), and at least
// MinBucketSamples samples in all, it is in cold start and
// Score returns ErrColdStart instead of a score.
//
// The model learns incrementally (Update, in time order, no look-ahead);
// Fit is the batch form of the same thing. A Model is not safe for concurrent
// use.
package baseline

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Errors returned by the model.
var (
	// ErrColdStart means the model has not seen enough history to score;
	// callers expose it as a cold-start state, never as a score.
	ErrColdStart = errors.New("baseline: cold start, not enough history")
	// ErrInvalidValue means the value to score is NaN or infinite. The
	// returned Prediction still carries yhat and the band.
	ErrInvalidValue = errors.New("baseline: value is NaN or infinite")
	// ErrOutOfOrder means Update got a sample not later than the last one
	// learnt; the sample is ignored.
	ErrOutOfOrder = errors.New("baseline: sample not after the last one")
)

// Direction says which deviations from yhat count as anomalies
// (vmanomaly's detection_direction).
type Direction int

// Directions.
const (
	Both          Direction = iota // both sides (default)
	AboveExpected                  // only values above yhat; values below score 0
	BelowExpected                  // only values below yhat; values above score 0
)

// String returns vmanomaly's name for d.
func (d Direction) String() string {
	switch d {
	case Both:
		return "both"
	case AboveExpected:
		return "above_expected"
	case BelowExpected:
		return "below_expected"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// ParseDirection parses vmanomaly's names "both", "above_expected" and
// "below_expected" (also "above", "below"; "" is both).
func ParseDirection(s string) (Direction, error) {
	switch s {
	case "", "both":
		return Both, nil
	case "above_expected", "above":
		return AboveExpected, nil
	case "below_expected", "below":
		return BelowExpected, nil
	}
	return Both, fmt.Errorf("baseline: unknown detection direction %q (want both, above_expected or below_expected)", s)
}

// Method selects the per-bucket estimator.
type Method int

// Methods.
const (
	// MedianMAD uses the median and the MAD (scaled by 1.4826) of the last
	// MaxSeasons seasons of samples in the bucket (default).
	MedianMAD Method = iota
	// EWMA uses an exponentially weighted mean and an exponentially weighted
	// mean absolute deviation (scaled by sqrt(pi/2)); a sample more than
	// ClipSpreads spreads out is down-weighted by (limit/|residual|)^2 and
	// its residual clipped there, so that outliers move the estimates little.
	EWMA
)

// String returns the method's name.
func (m Method) String() string {
	switch m {
	case MedianMAD:
		return "median_mad"
	case EWMA:
		return "ewma"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// MADScale makes the MAD a consistent estimator of the standard deviation
// of normal data.
const MADScale = 1.4826

// meanAbsScale = sqrt(pi/2) does the same for the mean absolute deviation.
var meanAbsScale = math.Sqrt(math.Pi / 2)

// Config configures a Model. The zero value of every field means its default.
type Config struct {
	// Step is the series' sampling step (default 1m). It sizes the
	// per-bucket windows and the defaults below.
	Step time.Duration
	// Season is the length of the seasonal cycle (default 168h, a week).
	Season time.Duration
	// BucketWidth is the width of a bucket in the season (default 1h, giving
	// the 168-bucket hour-of-week profile). Season must be a multiple of it.
	BucketWidth time.Duration
	// Offset shifts the bucket grid: bucket = ((t - Offset) mod Season) /
	// BucketWidth, t counted from the Unix epoch (a Thursday, 00:00 UTC).
	// Offset 96h makes bucket 0 start on Monday 00:00 UTC.
	Offset time.Duration
	// Method is the per-bucket estimator (default MedianMAD).
	Method Method
	// Threshold is the band's half-width in spreads (default 3); a sample on
	// the band edge scores 1.
	Threshold float64
	// Direction is vmanomaly's detection_direction (default Both).
	Direction Direction
	// MinDevFromExpected is vmanomaly's min_dev_from_expected: a sample
	// whose |v - yhat| is below it scores 0 (default 0, off).
	MinDevFromExpected float64
	// MinBucketSamples is how many samples a bucket needs before its own
	// statistics are used; below it the overall ones are (default half a
	// season's worth of samples per bucket, at least 3).
	MinBucketSamples int
	// MinHistory is how much history (from the first valid sample learnt to
	// the last, plus one step) the model needs before it scores (default one
	// Season). A fraction of a season is allowed; buckets not yet seen then
	// use the overall statistics.
	MinHistory time.Duration
	// MaxSeasons is how many seasons of samples MedianMAD keeps per bucket
	// (default 4); older samples are forgotten.
	MaxSeasons int
	// Alpha is EWMA's smoothing factor per season, in (0, 1] (default
	// 0.25): the samples of the latest season together weigh Alpha, so each
	// of a bucket's k = BucketWidth/Step samples per season is weighted
	// 1-(1-Alpha)^(1/k). While a bucket has seen fewer than one over that
	// many samples it uses 1/n, i.e. the plain running mean.
	Alpha float64
	// ClipSpreads clips EWMA's residuals at this many spreads (default 2*Threshold).
	ClipSpreads float64
}

func (c Config) withDefaults() (Config, error) {
	if c.Step == 0 {
		c.Step = time.Minute
	}
	if c.Season == 0 {
		c.Season = 7 * 24 * time.Hour
	}
	if c.BucketWidth == 0 {
		c.BucketWidth = time.Hour
	}
	if c.Step < 0 || c.Season < 0 || c.BucketWidth < 0 || c.MinHistory < 0 {
		return c, errors.New("baseline: durations must not be negative")
	}
	if c.BucketWidth > c.Season || c.Season%c.BucketWidth != 0 {
		return c, fmt.Errorf("baseline: season %v is not a multiple of bucket width %v", c.Season, c.BucketWidth)
	}
	if c.Season/c.BucketWidth > 1<<20 {
		return c, errors.New("baseline: too many buckets (more than 2^20)")
	}
	if c.Threshold == 0 {
		c.Threshold = 3
	}
	if !(c.Threshold > 0) || math.IsInf(c.Threshold, 0) {
		return c, errors.New("baseline: threshold must be positive and finite")
	}
	if c.MinDevFromExpected < 0 || math.IsNaN(c.MinDevFromExpected) {
		return c, errors.New("baseline: min_dev_from_expected must not be negative")
	}
	switch c.Direction {
	case Both, AboveExpected, BelowExpected:
	default:
		return c, fmt.Errorf("baseline: unknown direction %d", c.Direction)
	}
	switch c.Method {
	case MedianMAD, EWMA:
	default:
		return c, fmt.Errorf("baseline: unknown method %d", c.Method)
	}
	perBucket := int((c.BucketWidth + c.Step - 1) / c.Step)
	if perBucket < 1 {
		perBucket = 1
	}
	if c.MinBucketSamples == 0 {
		c.MinBucketSamples = max(3, (perBucket+1)/2)
	}
	if c.MinBucketSamples < 1 {
		return c, errors.New("baseline: min bucket samples must be positive")
	}
	if c.MinHistory == 0 {
		c.MinHistory = c.Season
	}
	if c.MaxSeasons == 0 {
		c.MaxSeasons = 4
	}
	if c.MaxSeasons < 1 {
		return c, errors.New("baseline: max seasons must be positive")
	}
	if c.Alpha == 0 {
		c.Alpha = 0.25
	}
	if !(c.Alpha > 0 && c.Alpha <= 1) {
		return c, errors.New("baseline: alpha must be in (0, 1]")
	}
	if c.ClipSpreads == 0 {
		c.ClipSpreads = 2 * c.Threshold
	}
	if !(c.ClipSpreads > 0) {
		return c, errors.New("baseline: clip spreads must be positive")
	}
	return c, nil
}

// Sample is one point of a series.
type Sample struct {
	T time.Time
	V float64
}

// Prediction is the model's answer for one timestamp.
type Prediction struct {
	Yhat      float64 // expected value
	YhatLower float64 // lower edge of the normal band
	YhatUpper float64 // upper edge of the normal band
	// Score is the anomaly score: >= 0, below 1 normal, above 1 anomalous.
	// Set only when Score returned a nil error.
	Score float64
	// Fallback is true when the bucket had too few samples and the overall
	// statistics were used.
	Fallback bool
}

// State is a model's readiness.
type State int

// States.
const (
	ColdStart State = iota // not enough history; Score returns ErrColdStart
	Ready                  // scoring
)

// String returns "cold_start" or "ready".
func (s State) String() string {
	if s == Ready {
		return "ready"
	}
	return "cold_start"
}

// stats is a robust centre and spread estimator over a stream.
type stats struct {
	// MedianMAD: ring buffer of the last cap values.
	ring []float64
	next int
	full bool
	// cached median / scaled MAD; dirty counts updates since computed.
	centre, spread float64
	dirty          int
	computed       bool
	// EWMA state.
	n int
}

func (s *stats) count() int {
	if s.full {
		return len(s.ring)
	}
	return s.next
}

// Model is a seasonal baseline for one series.
type Model struct {
	cfg     Config
	buckets []stats
	overall stats
	bcap    int     // per-bucket ring capacity (MedianMAD)
	ocap    int     // overall ring capacity (MedianMAD)
	alpha   float64 // EWMA per-sample weight (buckets)
	oalpha  float64 // EWMA per-sample weight (overall)
	first   time.Time
	last    time.Time
	seen    bool
	learnt  int
	scratch []float64
}

// New returns an empty model (in cold start) for cfg.
func New(cfg Config) (*Model, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Model{cfg: c}
	m.Reset()
	return m, nil
}

// Config returns the model's configuration with defaults filled in.
func (m *Model) Config() Config { return m.cfg }

// Reset forgets everything learnt.
func (m *Model) Reset() {
	c := m.cfg
	nb := int(c.Season / c.BucketWidth)
	perBucket := max(1, int((c.BucketWidth+c.Step-1)/c.Step))
	m.bcap = perBucket * c.MaxSeasons
	m.ocap = min(m.bcap*nb, 1<<22)
	m.alpha = 1 - math.Pow(1-c.Alpha, 1/float64(perBucket))
	m.oalpha = 1 - math.Pow(1-c.Alpha, 1/float64(perBucket*nb))
	if c.Alpha == 1 {
		m.alpha, m.oalpha = 1, 1
	}
	m.buckets = make([]stats, nb)
	m.overall = stats{}
	m.seen = false
	m.learnt = 0
	m.first, m.last = time.Time{}, time.Time{}
}

// Bucket returns the index of t's bucket in the season, in [0, Buckets()).
func (m *Model) Bucket(t time.Time) int {
	season := int64(m.cfg.Season)
	x := (t.UnixNano() - int64(m.cfg.Offset)) % season
	if x < 0 {
		x += season
	}
	return int(x / int64(m.cfg.BucketWidth))
}

// Buckets returns the number of buckets in a season.
func (m *Model) Buckets() int { return len(m.buckets) }

// Samples returns how many valid samples the model has learnt.
func (m *Model) Samples() int { return m.learnt }

// State reports whether the model has enough history to score: at least
// MinHistory from its first valid sample to its last (plus one step), and at
// least MinBucketSamples valid samples in all.
func (m *Model) State() State {
	if !m.seen || m.learnt < m.cfg.MinBucketSamples || m.last.Sub(m.first)+m.cfg.Step < m.cfg.MinHistory {
		return ColdStart
	}
	return Ready
}

func valid(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Update learns one sample. NaN and infinite values are skipped (nil
// error). Samples must come in time order: one not after the last learnt is
// ignored with ErrOutOfOrder.
func (m *Model) Update(t time.Time, v float64) error {
	if !valid(v) {
		return nil
	}
	if m.seen && !t.After(m.last) {
		return ErrOutOfOrder
	}
	if !m.seen {
		m.first = t
		m.seen = true
	}
	m.last = t
	m.learnt++
	b := &m.buckets[m.Bucket(t)]
	m.add(b, v, m.bcap, m.alpha)
	m.add(&m.overall, v, m.ocap, m.oalpha)
	return nil
}

func (m *Model) add(s *stats, v float64, capacity int, alpha float64) {
	if m.cfg.Method == EWMA {
		m.addEW(s, v, alpha)
		return
	}
	if s.ring == nil {
		s.ring = make([]float64, 0, min(capacity, 64))
	}
	if !s.full {
		if len(s.ring) < capacity {
			s.ring = append(s.ring, v)
			s.next = len(s.ring)
			if s.next == capacity {
				s.full = true
				s.next = 0
			}
		}
	} else {
		s.ring[s.next] = v
		s.next++
		if s.next == len(s.ring) {
			s.next = 0
		}
	}
	s.dirty++
}

func (m *Model) addEW(s *stats, v, alpha float64) {
	s.n++
	if s.n == 1 {
		s.centre, s.spread = v, 0
		return
	}
	a := max(alpha, 1/float64(s.n))
	r := v - s.centre
	// Clip only once the spread rests on MinBucketSamples residuals: a
	// spread from two close first samples would otherwise clip everything
	// after, and clipped residuals cannot grow it back.
	if s.spread > 0 && s.n > m.cfg.MinBucketSamples {
		// Beyond ClipSpreads spreads a sample weighs less, by the square
		// of how far out it is, and its residual is clipped, so that an
		// anomaly does not widen the band it is measured against.
		lim := m.cfg.ClipSpreads * s.spread
		if ar := math.Abs(r); ar > lim {
			a *= (lim / ar) * (lim / ar)
		}
		r = math.Max(-lim, math.Min(lim, r))
	}
	// Spread estimate from the residual before the centre moves.
	s.spread += a * (math.Abs(r)*meanAbsScale - s.spread)
	s.centre += a * r
	if !valid(s.centre) || !valid(s.spread) { // overflow on extreme input
		s.centre, s.spread = v, 0
	}
}

// n returns the sample count of s under the model's method.
func (m *Model) n(s *stats) int {
	if m.cfg.Method == EWMA {
		return s.n
	}
	return s.count()
}

// resolve brings the cached centre and spread of s up to date. For the
// overall statistics (lazy) a few updates may be pending before it
// recomputes, so that streaming stays cheap; all of them are past samples.
func (m *Model) resolve(s *stats, lazy bool) {
	if m.cfg.Method == EWMA || s.dirty == 0 {
		return
	}
	n := s.count()
	if lazy && s.computed && s.dirty*64 < n && s.dirty < 1024 {
		return
	}
	m.scratch = append(m.scratch[:0], s.ring[:n]...)
	s.centre, s.spread = medianMAD(m.scratch)
	s.dirty = 0
	s.computed = true
}

// medianMAD returns the median of xs and its MAD scaled by MADScale. It
// reorders xs.
func medianMAD(xs []float64) (median, spread float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	median = medianInPlace(xs)
	for i, x := range xs {
		xs[i] = math.Abs(x - median)
	}
	mad := medianInPlace(xs)
	spread = MADScale * mad
	if math.IsInf(spread, 0) || math.IsNaN(spread) {
		spread = math.MaxFloat64
	}
	return median, spread
}

func medianInPlace(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return xs[n/2-1]/2 + xs[n/2]/2
}

// Median returns the median of xs (NaN for none), without changing xs.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return medianInPlace(slices.Clone(xs))
}

// MAD returns the median absolute deviation of xs around its median,
// scaled by MADScale (NaN for none), without changing xs.
func MAD(xs []float64) float64 {
	_, s := medianMAD(slices.Clone(xs))
	return s
}

// centreSpread returns the statistics used for t's bucket.
func (m *Model) centreSpread(t time.Time) (centre, spread float64, fallback bool) {
	b := &m.buckets[m.Bucket(t)]
	if m.n(b) >= m.cfg.MinBucketSamples {
		m.resolve(b, false)
		centre, spread = b.centre, b.spread
	} else {
		m.resolve(&m.overall, true)
		centre, spread, fallback = m.overall.centre, m.overall.spread, true
	}
	// A bucket with no spread (constant values) borrows the overall one, so
	// that one odd value in an otherwise flat hour is not infinitely anomalous.
	if spread == 0 && !fallback {
		m.resolve(&m.overall, true)
		spread = m.overall.spread
	}
	return centre, spread, fallback
}

// Predict returns yhat and the band for time t, without a score. It returns
// ErrColdStart while the model is in cold start.
func (m *Model) Predict(t time.Time) (Prediction, error) {
	p, _, err := m.predict(t)
	return p, err
}

// predict also returns the unwidened band half-width (Threshold spreads).
func (m *Model) predict(t time.Time) (Prediction, float64, error) {
	if m.State() != Ready {
		return Prediction{}, 0, ErrColdStart
	}
	c, s, fb := m.centreSpread(t)
	band := m.cfg.Threshold * s
	hw := math.Max(band, m.cfg.MinDevFromExpected)
	if math.IsInf(hw, 0) {
		hw = math.MaxFloat64
	}
	return Prediction{Yhat: c, YhatLower: c - hw, YhatUpper: c + hw, Fallback: fb}, band, nil
}

// Score scores the sample (t, v) against what the model has learnt so far,
// without learning it. It returns ErrColdStart (and an empty Prediction)
// while the model is in cold start, and ErrInvalidValue (with yhat and band
// but no score) for a NaN or infinite v.
func (m *Model) Score(t time.Time, v float64) (Prediction, error) {
	p, band, err := m.predict(t)
	if err != nil {
		return p, err
	}
	if !valid(v) {
		return p, ErrInvalidValue
	}
	p.Score = score(v, p.Yhat, band, m.cfg.MinDevFromExpected, m.cfg.Direction)
	return p, nil
}

// score is vmanomaly's anomaly score for v against centre c and band
// half-width hw (Threshold spreads).
func score(v, c, hw, minDev float64, dir Direction) float64 {
	dev := v - c
	switch dir {
	case AboveExpected:
		if dev <= 0 {
			return 0
		}
	case BelowExpected:
		if dev >= 0 {
			return 0
		}
	}
	ad := math.Abs(dev)
	if ad == 0 || ad < minDev {
		return 0
	}
	if math.IsInf(ad, 0) { // v and c of opposite sign near the float limit
		ad = math.MaxFloat64
	}
	if !(hw > 0) {
		// No spread at all (a constant series): any deviation beyond
		// min_dev_from_expected is as anomalous as can be.
		return math.MaxFloat64
	}
	r := ad / hw
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return math.MaxFloat64
	}
	return r
}

// ScoreUpdate scores (t, v) against the past and then learns it: the
// causal, streaming use (no look-ahead). The error is Score's (the sample
// is learnt anyway, so a cold-start model warms up), or ErrOutOfOrder.
func (m *Model) ScoreUpdate(t time.Time, v float64) (Prediction, error) {
	p, err := m.Score(t, v)
	if uerr := m.Update(t, v); uerr != nil {
		return p, uerr
	}
	return p, err
}

// Fit forgets what the model learnt and learns samples, in time order (a
// sorted copy is used if they are not sorted; for equal timestamps the first
// wins). NaN and infinite values are skipped. It returns the resulting state;
// a model fitted on less than MinHistory is in ColdStart.
func (m *Model) Fit(samples []Sample) State {
	m.Reset()
	if !slices.IsSortedFunc(samples, cmpSample) {
		samples = slices.Clone(samples)
		slices.SortStableFunc(samples, cmpSample)
	}
	for _, s := range samples {
		_ = m.Update(s.T, s.V) // duplicates are ignored
	}
	return m.State()
}

func cmpSample(a, b Sample) int { return a.T.Compare(b.T) }

// Fit is a convenience: a new model for cfg, fitted on samples.
func Fit(cfg Config, samples []Sample) (*Model, error) {
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	m.Fit(samples)
	return m, nil
}
