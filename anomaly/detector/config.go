package detector

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// Config configures a Detector. Field comments give the YAML name
// (vmanomaly-like); start from DefaultConfig and override, since New
// validates every field and most zero values are invalid.
type Config struct {
	// Step is the series' sampling step (step). It converts the windows
	// below into numbers of samples.
	Step time.Duration
	// Season is the seasonal cycle (season), e.g. 168h; 0 disables the
	// seasonal baseline and the series is compared with its own level only.
	Season time.Duration
	// BucketWidth is the width of a seasonal bucket (bucket_width); Season
	// must be a multiple of it.
	BucketWidth time.Duration
	// Method is the seasonal per-bucket estimator (method: ewma or
	// median_mad). ewma keeps a few numbers per bucket and costs O(1) per
	// sample; median_mad keeps MaxSeasons seasons of samples.
	Method baseline.Method
	// SeasonAlpha is the ewma method's weight of the latest season
	// (season_alpha, in (0, 1]).
	SeasonAlpha float64
	// Threshold is the half-width of the yhat band in standard deviations
	// (threshold): a sample on the band edge has Score 1.
	Threshold float64
	// Direction restricts detection to one side (detection_direction).
	Direction baseline.Direction
	// MinDevFromExpected is vmanomaly's min_dev_from_expected: a deviation
	// |v - yhat| below it scores 0 and raises no alarm (0 is off).
	MinDevFromExpected float64
	// MinHistory is how much history the seasonal baseline needs before
	// its view may be used (min_history); at least one Season is sensible.
	MinHistory time.Duration
	// SeasonRatio is how much better than the level the season must
	// predict for the seasonal view to be used (season_ratio): its mean
	// absolute error must be below SeasonRatio times the level's.
	SeasonRatio float64
	// Warmup is how long a view (level and extremes) learns before it
	// scores (warmup).
	Warmup time.Duration
	// LevelWindow is the span of the long-term level and spread the recent
	// values are compared with (level_window).
	LevelWindow time.Duration
	// ShortWindow is the span of the short-term level (short_window): the
	// mean of the samples in it is compared with the long-term level, in
	// standard errors, which catches shifts too small to stand out point by
	// point.
	ShortWindow time.Duration
	// Clip is where the long-term level clips residuals, in spreads (clip).
	Clip float64
	// ExtremeBlock is the block of time whose largest raw score the
	// extremes stage models (extreme_block), a day for daily rhythms.
	ExtremeBlock time.Duration
	// ExtremeWindow is the span of the block maxima the Gumbel law is
	// fitted to (extreme_window), e.g. 30 days for 30 daily maxima.
	ExtremeWindow time.Duration
	// AlarmThreshold is the Probability, in (0, 1], at which a sample
	// raises an alarm (alarm_threshold).
	AlarmThreshold float64
	// SuppressFor is how long after an alarm further alarms are suppressed
	// (suppress_for); 0 never suppresses.
	SuppressFor time.Duration
}

// DefaultConfig is what the sidecar runs on 1-minute web metrics: a weekly
// profile of hourly buckets, a three-day level, a fifteen-minute short-term
// level, daily maxima over a month, the season used where it cuts the
// error by 30%, and at most one alarm per series in twelve hours.
func DefaultConfig() Config {
	return Config{
		Step:           time.Minute,
		Season:         7 * 24 * time.Hour,
		BucketWidth:    time.Hour,
		Method:         baseline.EWMA,
		SeasonAlpha:    0.25,
		Threshold:      3,
		MinHistory:     7 * 24 * time.Hour,
		SeasonRatio:    0.7,
		Warmup:         6 * time.Hour,
		LevelWindow:    72 * time.Hour,
		ShortWindow:    15 * time.Minute,
		Clip:           4,
		ExtremeBlock:   24 * time.Hour,
		ExtremeWindow:  30 * 24 * time.Hour,
		AlarmThreshold: 0.88,
		SuppressFor:    12 * time.Hour,
	}
}

// derived holds the per-sample constants a Config implies.
type derived struct {
	levelAlpha float64 // long-term level weight per sample
	blockAlpha float64 // extremes weight per block maximum
	shortK     int     // samples in the short-term level
	warmupN    int     // samples the level stage needs before scoring
}

// points is d in samples of step, at least 1.
func points(d, step time.Duration) int {
	return max(1, int((d+step-1)/step))
}

// spanAlpha is the exponential smoothing factor of a span of n samples
// (pandas' span convention, 2/(n+1)).
func spanAlpha(n int) float64 { return 2 / float64(n+1) }

func (c Config) validate() (derived, error) {
	var d derived
	if c.Step <= 0 {
		return d, errors.New("detector: step must be positive")
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"season", c.Season}, {"min_history", c.MinHistory}, {"warmup", c.Warmup}, {"suppress_for", c.SuppressFor}} {
		if f.v < 0 {
			return d, fmt.Errorf("detector: %s must not be negative", f.name)
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"level_window", c.LevelWindow}, {"short_window", c.ShortWindow}, {"extreme_block", c.ExtremeBlock}, {"extreme_window", c.ExtremeWindow}} {
		if f.v <= 0 {
			return d, fmt.Errorf("detector: %s must be positive", f.name)
		}
		if points(f.v, c.Step) > 1<<24 {
			return d, fmt.Errorf("detector: %s is more than 2^24 steps", f.name)
		}
	}
	if points(c.ShortWindow, c.Step) > 1<<12 {
		return d, errors.New("detector: short_window is more than 4096 steps")
	}
	if c.Season > 0 {
		if _, err := c.baseline(); err != nil {
			return d, fmt.Errorf("detector: %w", err)
		}
	}
	if !(c.Threshold > 0) || math.IsInf(c.Threshold, 0) {
		return d, errors.New("detector: threshold must be positive and finite")
	}
	if !(c.MinDevFromExpected >= 0) || math.IsInf(c.MinDevFromExpected, 0) {
		return d, errors.New("detector: min_dev_from_expected must be finite and not negative")
	}
	switch c.Direction {
	case baseline.Both, baseline.AboveExpected, baseline.BelowExpected:
	default:
		return d, fmt.Errorf("detector: unknown detection_direction %d", c.Direction)
	}
	if !(c.SeasonRatio > 0) || math.IsInf(c.SeasonRatio, 0) {
		return d, errors.New("detector: season_ratio must be positive and finite")
	}
	if !(c.Clip > 0) || math.IsInf(c.Clip, 0) {
		return d, errors.New("detector: clip must be positive and finite")
	}
	if !(c.AlarmThreshold > 0 && c.AlarmThreshold <= 1) {
		return d, errors.New("detector: alarm_threshold must be in (0, 1]")
	}
	d.levelAlpha = spanAlpha(points(c.LevelWindow, c.Step))
	d.blockAlpha = spanAlpha(points(c.ExtremeWindow, c.ExtremeBlock))
	d.shortK = points(c.ShortWindow, c.Step)
	d.warmupN = int(c.Warmup / c.Step)
	return d, nil
}

// seasonClip is where the seasonal ewma clips residuals, in spreads:
// baseline's default for its default threshold of 3. Clipping much closer
// would bias the spread low, which clips closer still.
const seasonClip = 6

// baseline is the seasonal baseline's configuration: its band is one
// spread wide and it scores both sides with no minimum deviation, since the
// detector applies Threshold, Direction and MinDevFromExpected itself.
func (c Config) baseline() (baseline.Config, error) {
	bc := baseline.Config{
		Step:        c.Step,
		Season:      c.Season,
		BucketWidth: c.BucketWidth,
		Method:      c.Method,
		Threshold:   1,
		ClipSpreads: seasonClip,
		MinHistory:  c.MinHistory,
		Alpha:       c.SeasonAlpha,
	}
	if c.BucketWidth <= 0 {
		return bc, errors.New("bucket_width must be positive")
	}
	if c.MinHistory == 0 {
		return bc, errors.New("min_history must be positive with a season")
	}
	if !(c.SeasonAlpha > 0 && c.SeasonAlpha <= 1) {
		return bc, errors.New("season_alpha must be in (0, 1]")
	}
	_, err := baseline.New(bc)
	return bc, err
}
