// Package config is the anomaly sidecar's configuration: what it reads from Prometheus,
// how often it fits and scores, the univariate model's settings, the per-route
// multivariate and prediction models, and the recommendations' thresholds.
//
// The file is YAML, decoded strictly (an unknown field or a value of the wrong type is
// an error naming the field's path). Every field has a default, so an empty file, or
// none, gives the configuration the stack's demo needs: Default() lists it, and
// docs/anomaly.md documents every field.
package config

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/yamlstrict"
)

// Config is the whole configuration file.
type Config struct {
	// Schedule says how often the sidecar fits and scores, on what grid.
	Schedule Schedule `yaml:"schedule"`
	// Limits bounds what the sidecar models, so its own series stay bounded.
	Limits Limits `yaml:"limits"`
	// Model is the univariate model every query uses unless the query overrides it.
	Model Model `yaml:"model"`
	// Queries are the series scored one by one, each exposed with its name as the
	// query label. Leaving the list out gives DefaultQueries.
	Queries []Query `yaml:"queries"`
	// Multivariate is the per-route Isolation Forest.
	Multivariate Multivariate `yaml:"multivariate"`
	// Prediction is the per-route Random Forest predicting latency from load.
	Prediction Prediction `yaml:"prediction"`
	// Recommendations are the advice computed from the stack's metrics and the models.
	Recommendations Recommendations `yaml:"recommendations"`
}

// Schedule holds vmanomaly's scheduling knobs.
type Schedule struct {
	// Step is the sampling period of every read (default 1m).
	Step model.Duration `yaml:"step"`
	// FitEvery is how often models are refitted (default 1h).
	FitEvery model.Duration `yaml:"fit_every"`
	// FitWindow is how much history a fit reads (default 14d).
	FitWindow model.Duration `yaml:"fit_window"`
	// InferEvery is how often new points are scored (default 1m).
	InferEvery model.Duration `yaml:"infer_every"`
	// QueryTimeout bounds one range query, retries included (default 2m).
	QueryTimeout model.Duration `yaml:"query_timeout"`
}

// Limits bound the series the sidecar models and exposes.
type Limits struct {
	// MaxSeries is the most univariate series modelled over all queries (default
	// 10000); series beyond it are skipped and counted.
	MaxSeries int `yaml:"max_series"`
	// MaxSeriesPerQuery is the most series one query may contribute (default 2000).
	MaxSeriesPerQuery int `yaml:"max_series_per_query"`
	// MaxRoutes is the most routes the per-route models cover (default 50).
	MaxRoutes int `yaml:"max_routes"`
}

// Model configures the univariate model (anomaly/baseline): vmanomaly's names where it
// has them. A zero field takes the default, or the global model's value in a query.
type Model struct {
	// Season is the seasonal cycle (default 168h, a week).
	Season model.Duration `yaml:"season"`
	// BucketWidth is the width of a bucket of the season (default 1h).
	BucketWidth model.Duration `yaml:"bucket_width"`
	// Method is median_mad or ewma (default ewma: constant memory per series).
	Method string `yaml:"method"`
	// Threshold is the band's half-width in spreads (default 3).
	Threshold float64 `yaml:"threshold"`
	// DetectionDirection is both, above_expected or below_expected (default both).
	DetectionDirection string `yaml:"detection_direction"`
	// MinDevFromExpected is the smallest deviation from yhat that may score above 0,
	// in the series' unit (default 0). A pointer, so that a query can set 0 explicitly.
	MinDevFromExpected *float64 `yaml:"min_dev_from_expected"`
	// MinHistory is the history a series needs before it is scored (default 30m);
	// hours of the week not yet seen use the whole history's statistics.
	MinHistory model.Duration `yaml:"min_history"`
	// Warmup is how long the detector's level and likelihood stages learn after
	// MinHistory before scores are exposed (default 30m).
	Warmup model.Duration `yaml:"warmup"`
	// ExtremeBlock is the block whose largest score the detector's extremes stage
	// models; the detector scores once it has seen one (default one day, or the
	// season when that is shorter).
	ExtremeBlock model.Duration `yaml:"extreme_block"`
}

// Query is one scored PromQL expression.
type Query struct {
	// Name is the query label of everything computed from it: [a-zA-Z_][a-zA-Z0-9_]*.
	Name string `yaml:"name"`
	// Expr is the PromQL expression, evaluated as a range query at Schedule.Step.
	Expr string `yaml:"expr"`
	// Model overrides fields of the global model for this query.
	Model Model `yaml:"model"`
}

// Feature is one input of a per-route model.
type Feature struct {
	// Name names the feature (the feature label of importances).
	Name string `yaml:"name"`
	// Expr is a PromQL expression giving one series per route (by job and
	// http_route), per job (by job) or a single series, as Join says.
	Expr string `yaml:"expr"`
	// Join is route (default), job or global: how the series is matched to a route.
	Join string `yaml:"join"`
	// Fill, when set, is used where the feature has no sample; otherwise such a row
	// is left out of the fit and out of scoring.
	Fill *float64 `yaml:"fill"`
}

// Joins of a Feature.
const (
	JoinRoute  = "route"
	JoinJob    = "job"
	JoinGlobal = "global"
)

// HourOfDay is the built-in feature computed from the timestamp (UTC) instead of read.
const HourOfDay = "hour_of_day"

// Multivariate configures the per-route Isolation Forest.
type Multivariate struct {
	// Enabled switches it on (default true; set false to turn it off).
	Enabled *bool `yaml:"enabled"`
	// Name is its query label (default route_multivariate).
	Name string `yaml:"name"`
	// Features are read per route; leaving them out gives the defaults (request rate,
	// p95 latency, error ratio, DB time share).
	Features []Feature `yaml:"features"`
	// Trees is the forest's size (default 100).
	Trees int `yaml:"trees"`
	// SampleSize is ψ, the rows per tree (default 256).
	SampleSize int `yaml:"sample_size"`
	// Contamination is the share of training rows expected to be anomalous: the
	// training scores' 1-Contamination quantile scores 1 (default 0.01).
	Contamination float64 `yaml:"contamination"`
	// MinRows is the fewest complete rows a route needs to be fitted (default 30).
	MinRows int `yaml:"min_rows"`
}

// Scenario is a what-if: the load features multiplied by LoadFactor.
type Scenario struct {
	Name       string  `yaml:"name"`
	LoadFactor float64 `yaml:"load_factor"`
}

// Prediction configures the per-route Random Forest regressor.
type Prediction struct {
	// Enabled switches it on (default true).
	Enabled *bool `yaml:"enabled"`
	// Target is the predicted series per route (default: p95 latency in seconds).
	Target Feature `yaml:"target"`
	// Features are the model's inputs; hour_of_day needs no expression.
	Features []Feature `yaml:"features"`
	// LoadFeatures name the features a scenario scales (default request_rate and
	// concurrency).
	LoadFeatures []string `yaml:"load_features"`
	// Scenarios are the what-ifs besides "current" (default load_1_5x and load_2x).
	Scenarios []Scenario `yaml:"scenarios"`
	// Trees is the forest's size (default 50).
	Trees int `yaml:"trees"`
	// MinSamplesLeaf is the fewest rows in a leaf (default 5).
	MinSamplesLeaf int `yaml:"min_samples_leaf"`
	// MaxDepth bounds a tree's depth (default 12).
	MaxDepth int `yaml:"max_depth"`
	// MaxRows is the most rows a fit uses, evenly thinned (default 5000).
	MaxRows int `yaml:"max_rows"`
	// MinRows is the fewest complete rows a route needs to be fitted (default 60).
	MinRows int `yaml:"min_rows"`
}

// Recommendations configures the advice.
type Recommendations struct {
	// Enabled switches them on (default true).
	Enabled *bool `yaml:"enabled"`
	// SlowRequestSeconds is the latency objective (default 1, the stack's slow request).
	SlowRequestSeconds float64 `yaml:"slow_request_seconds"`
	// QueriesPerRequest is the excessive queries threshold (default 50).
	QueriesPerRequest float64 `yaml:"queries_per_request"`
	// CPUUtilisation is the saturation threshold, 0..1 (default 0.8).
	CPUUtilisation float64 `yaml:"cpu_utilisation"`
}

// On reports whether an optional switch is on; nil means on.
func On(b *bool) bool { return b == nil || *b }

var nameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Load reads and strictly decodes path; an empty path gives Default().
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes a configuration file, fills in the defaults and validates it.
func Parse(data []byte) (*Config, error) {
	var cfg Config
	if err := yamlstrict.Decode(data, &cfg); err != nil && !errors.Is(err, yamlstrict.ErrEmpty) {
		return nil, err
	}
	if err := cfg.complete(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Default returns the configuration of an empty file.
func Default() *Config {
	cfg, err := Parse(nil)
	if err != nil {
		panic("config: defaults do not validate: " + err.Error()) // a programming error, caught by the tests
	}
	return cfg
}

func setDur(d *model.Duration, def time.Duration) {
	if *d == 0 {
		*d = model.Duration(def)
	}
}

func setInt(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

func setFloat(v *float64, def float64) {
	if *v == 0 {
		*v = def
	}
}

// complete fills the defaults in and validates; errors name the field's path.
func (c *Config) complete() error {
	s := &c.Schedule
	setDur(&s.Step, time.Minute)
	setDur(&s.FitEvery, time.Hour)
	setDur(&s.FitWindow, 14*24*time.Hour)
	setDur(&s.InferEvery, time.Minute)
	setDur(&s.QueryTimeout, 2*time.Minute)
	for _, d := range []struct {
		name string
		v    model.Duration
	}{{"step", s.Step}, {"fit_every", s.FitEvery}, {"fit_window", s.FitWindow}, {"infer_every", s.InferEvery}, {"query_timeout", s.QueryTimeout}} {
		if d.v < 0 {
			return fmt.Errorf("schedule.%s: must not be negative", d.name)
		}
	}
	if s.Step < model.Duration(time.Second) {
		return errors.New("schedule.step: must be at least 1s")
	}
	if s.FitWindow < s.Step*10 {
		return errors.New("schedule.fit_window: must hold at least 10 steps")
	}
	if s.InferEvery < s.Step {
		return errors.New("schedule.infer_every: must not be shorter than schedule.step")
	}
	l := &c.Limits
	setInt(&l.MaxSeries, 10000)
	setInt(&l.MaxSeriesPerQuery, 2000)
	setInt(&l.MaxRoutes, 50)
	if l.MaxSeries < 0 || l.MaxSeriesPerQuery < 0 || l.MaxRoutes < 0 {
		return errors.New("limits: must not be negative")
	}

	m := &c.Model
	setDur(&m.Season, 7*24*time.Hour)
	setDur(&m.BucketWidth, time.Hour)
	if m.Method == "" {
		m.Method = "ewma"
	}
	setFloat(&m.Threshold, 3)
	if m.DetectionDirection == "" {
		m.DetectionDirection = "both"
	}
	if m.MinDevFromExpected == nil {
		zero := 0.0
		m.MinDevFromExpected = &zero
	}
	setDur(&m.MinHistory, 30*time.Minute)
	setDur(&m.Warmup, 30*time.Minute)
	if err := m.validate("model"); err != nil {
		return err
	}

	if c.Queries == nil {
		c.Queries = DefaultQueries()
	}
	if len(c.Queries) == 0 && !On(c.Multivariate.Enabled) && !On(c.Prediction.Enabled) {
		return errors.New("queries: nothing to do: no queries and both per-route models off")
	}
	names := map[string]bool{}
	for i := range c.Queries {
		q := &c.Queries[i]
		path := fmt.Sprintf("queries[%d]", i)
		if !nameRE.MatchString(q.Name) {
			return fmt.Errorf("%s.name: %q is not a valid name ([a-zA-Z_][a-zA-Z0-9_]*)", path, q.Name)
		}
		if names[q.Name] {
			return fmt.Errorf("%s.name: %q is used twice", path, q.Name)
		}
		names[q.Name] = true
		if q.Expr == "" {
			return fmt.Errorf("%s.expr: empty", path)
		}
		q.Model = q.Model.inherit(c.Model)
		if err := q.Model.validate(path + ".model"); err != nil {
			return err
		}
	}

	mv := &c.Multivariate
	if mv.Name == "" {
		mv.Name = "route_multivariate"
	}
	if !nameRE.MatchString(mv.Name) {
		return fmt.Errorf("multivariate.name: %q is not a valid name", mv.Name)
	}
	if On(mv.Enabled) && names[mv.Name] {
		return fmt.Errorf("multivariate.name: %q is also a query's name", mv.Name)
	}
	if mv.Features == nil {
		mv.Features = DefaultMultivariateFeatures()
	}
	setInt(&mv.Trees, 100)
	setInt(&mv.SampleSize, 256)
	setFloat(&mv.Contamination, 0.01)
	setInt(&mv.MinRows, 30)
	if On(mv.Enabled) {
		if err := validateFeatures("multivariate.features", mv.Features, false); err != nil {
			return err
		}
		if mv.Trees < 1 || mv.SampleSize < 2 || mv.MinRows < 2 {
			return errors.New("multivariate: trees must be positive, sample_size and min_rows at least 2")
		}
		if !(mv.Contamination > 0 && mv.Contamination < 0.5) {
			return errors.New("multivariate.contamination: must be in (0, 0.5)")
		}
	}

	p := &c.Prediction
	if p.Target.Expr == "" {
		p.Target = DefaultPredictionTarget()
	}
	if p.Features == nil {
		p.Features = DefaultPredictionFeatures()
	}
	if p.LoadFeatures == nil {
		p.LoadFeatures = []string{"request_rate", "concurrency"}
	}
	if p.Scenarios == nil {
		p.Scenarios = []Scenario{{"load_1_5x", 1.5}, {"load_2x", 2}}
	}
	setInt(&p.Trees, 50)
	setInt(&p.MinSamplesLeaf, 5)
	setInt(&p.MaxDepth, 12)
	setInt(&p.MaxRows, 5000)
	setInt(&p.MinRows, 60)
	if On(p.Enabled) {
		if p.Target.Name == "" {
			p.Target.Name = "latency"
		}
		if p.Target.Join == "" {
			p.Target.Join = JoinRoute
		}
		if err := validateFeatures("prediction.target", []Feature{p.Target}, false); err != nil {
			return err
		}
		if p.Target.Join != JoinRoute {
			return errors.New("prediction.target.join: must be route")
		}
		if err := validateFeatures("prediction.features", p.Features, true); err != nil {
			return err
		}
		have := map[string]bool{}
		for _, f := range p.Features {
			have[f.Name] = true
		}
		for i, lf := range p.LoadFeatures {
			if !have[lf] {
				return fmt.Errorf("prediction.load_features[%d]: %q is not a feature", i, lf)
			}
		}
		seen := map[string]bool{"current": true}
		for i, sc := range p.Scenarios {
			if !nameRE.MatchString(sc.Name) || seen[sc.Name] {
				return fmt.Errorf("prediction.scenarios[%d].name: %q is invalid or used twice (current is built in)", i, sc.Name)
			}
			seen[sc.Name] = true
			if !(sc.LoadFactor > 0) || math.IsInf(sc.LoadFactor, 0) {
				return fmt.Errorf("prediction.scenarios[%d].load_factor: must be positive", i)
			}
		}
		if p.Trees < 1 || p.MinSamplesLeaf < 1 || p.MaxDepth < 1 || p.MinRows < 2 || p.MaxRows < p.MinRows {
			return errors.New("prediction: trees, min_samples_leaf and max_depth must be positive, min_rows at least 2, max_rows at least min_rows")
		}
	}

	r := &c.Recommendations
	setFloat(&r.SlowRequestSeconds, 1)
	setFloat(&r.QueriesPerRequest, 50)
	setFloat(&r.CPUUtilisation, 0.8)
	if !(r.SlowRequestSeconds > 0) || !(r.QueriesPerRequest > 0) || !(r.CPUUtilisation > 0 && r.CPUUtilisation <= 1) {
		return errors.New("recommendations: thresholds must be positive, cpu_utilisation at most 1")
	}
	return nil
}

// inherit fills m's unset fields from the global model g.
func (m Model) inherit(g Model) Model {
	if m.Season == 0 {
		m.Season = g.Season
	}
	if m.BucketWidth == 0 {
		m.BucketWidth = g.BucketWidth
	}
	if m.Method == "" {
		m.Method = g.Method
	}
	if m.Threshold == 0 {
		m.Threshold = g.Threshold
	}
	if m.DetectionDirection == "" {
		m.DetectionDirection = g.DetectionDirection
	}
	if m.MinDevFromExpected == nil {
		m.MinDevFromExpected = g.MinDevFromExpected
	}
	if m.MinHistory == 0 {
		m.MinHistory = g.MinHistory
	}
	if m.Warmup == 0 {
		m.Warmup = g.Warmup
	}
	if m.ExtremeBlock == 0 {
		m.ExtremeBlock = g.ExtremeBlock
	}
	return m
}

func (m Model) validate(path string) error {
	if m.Season <= 0 || m.BucketWidth <= 0 || m.Season%m.BucketWidth != 0 {
		return fmt.Errorf("%s.season: %v must be a positive multiple of bucket_width %v", path, m.Season, m.BucketWidth)
	}
	switch m.Method {
	case "median_mad", "ewma":
	default:
		return fmt.Errorf("%s.method: %q is not median_mad or ewma", path, m.Method)
	}
	if !(m.Threshold > 0) || math.IsInf(m.Threshold, 0) {
		return fmt.Errorf("%s.threshold: must be positive", path)
	}
	switch m.DetectionDirection {
	case "both", "above_expected", "below_expected":
	default:
		return fmt.Errorf("%s.detection_direction: %q is not both, above_expected or below_expected", path, m.DetectionDirection)
	}
	if v := *m.MinDevFromExpected; v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s.min_dev_from_expected: must be a finite number, at least 0", path)
	}
	if m.MinHistory < 0 || m.Warmup < 0 || m.ExtremeBlock < 0 {
		return fmt.Errorf("%s.min_history, warmup, extreme_block: must not be negative", path)
	}
	return nil
}

func validateFeatures(path string, fs []Feature, allowHour bool) error {
	if len(fs) == 0 {
		return fmt.Errorf("%s: empty", path)
	}
	seen := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		if !nameRE.MatchString(f.Name) || seen[f.Name] {
			return fmt.Errorf("%s.name: %q is invalid or used twice", p, f.Name)
		}
		seen[f.Name] = true
		if f.Name == HourOfDay {
			if !allowHour {
				return fmt.Errorf("%s.name: %s is only a prediction feature", p, HourOfDay)
			}
			if f.Expr != "" {
				return fmt.Errorf("%s.expr: %s is computed from the timestamp, not read", p, HourOfDay)
			}
			continue
		}
		if f.Expr == "" {
			return fmt.Errorf("%s.expr: empty", p)
		}
		if f.Join == "" {
			f.Join = JoinRoute
		}
		switch f.Join {
		case JoinRoute, JoinJob, JoinGlobal:
		default:
			return fmt.Errorf("%s.join: %q is not route, job or global", p, f.Join)
		}
		if f.Fill != nil && (math.IsNaN(*f.Fill) || math.IsInf(*f.Fill, 0)) {
			return fmt.Errorf("%s.fill: must be finite", p)
		}
	}
	return nil
}
