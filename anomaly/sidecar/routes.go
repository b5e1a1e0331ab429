package sidecar

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/iforest"
	"github.com/perfwatch/perfwatch/anomaly/promread"
	"github.com/perfwatch/perfwatch/anomaly/rforest"
)

// route holds one route's fitted models and their latest answers.
type route struct {
	iso        *iforest.Forest
	isoMedian  float64 // median training score: scores 0
	isoCut     float64 // the training scores' 1-contamination quantile: scores 1
	isoScore   float64
	isoScored  bool
	rf         *rforest.Forest
	rfMax      []float64 // per feature, the largest value seen in training
	rfRows     int
	prediction map[string]float64 // by scenario
	extrapol   map[string]bool    // by scenario: a load feature beyond the training range
}

func (e *Engine) multivariateOn() bool    { return config.On(e.cfg.Multivariate.Enabled) }
func (e *Engine) predictionOn() bool      { return config.On(e.cfg.Prediction.Enabled) }
func (e *Engine) recommendationsOn() bool { return config.On(e.cfg.Recommendations.Enabled) }

// predictionColumns are the target followed by the features.
func (e *Engine) predictionColumns() []config.Feature {
	p := e.cfg.Prediction
	return append([]config.Feature{p.Target}, p.Features...)
}

// seedOf gives each route's forests their own reproducible seed.
func seedOf(k routeKey) uint64 { return uint64(k.labels().Fingerprint()) }

// fitRoutes refits the per-route models on [end-fit_window, end]. Routes that no
// longer appear lose their models; a failed read keeps the previous ones.
func (e *Engine) fitRoutes(ctx context.Context, end time.Time) error {
	start := end.Add(-time.Duration(e.cfg.Schedule.FitWindow))
	cache := map[string][]promread.Series{}
	var errs []error
	seen := map[routeKey]bool{}
	e.routesShort = false
	if e.multivariateOn() {
		if err := e.fitMultivariate(ctx, start, end, cache, seen); err != nil {
			errs = append(errs, err)
			e.m.fits.WithLabelValues("iforest", "failure").Inc()
		}
	}
	if e.predictionOn() {
		if err := e.fitPrediction(ctx, start, end, cache, seen); err != nil {
			errs = append(errs, err)
			e.m.fits.WithLabelValues("rforest", "failure").Inc()
		}
	}
	if len(errs) == 0 {
		for k := range e.routes {
			if !seen[k] {
				delete(e.routes, k)
			}
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) routeOf(k routeKey) *route {
	r := e.routes[k]
	if r == nil {
		r = &route{}
		e.routes[k] = r
	}
	return r
}

func (e *Engine) fitMultivariate(ctx context.Context, start, end time.Time, cache map[string][]promread.Series, seen map[routeKey]bool) error {
	t0 := time.Now()
	mv := e.cfg.Multivariate
	cols, err := e.readColumns(ctx, mv.Name, mv.Features, start, end, cache)
	if err != nil {
		return err
	}
	keys := e.routesOf(cols)
	// No route at all yet (a new stack) is the extreme case of too few rows.
	e.routesShort = e.routesShort || len(keys) == 0
	type fit struct {
		f           *iforest.Forest
		median, cut float64
		err         error
	}
	fits := make([]fit, len(keys))
	short := make([]bool, len(keys))
	parallel(len(keys), e.workers, func(i int) {
		m := matrix(keys[i], cols)
		if len(m.x) < mv.MinRows {
			short[i] = true
			return
		}
		f, err := iforest.Fit(m.x, iforest.Options{NumTrees: mv.Trees, SampleSize: mv.SampleSize, Seed: seedOf(keys[i])})
		if err != nil {
			fits[i].err = err
			return
		}
		scores := f.ScoreBatch(m.x, nil)
		slices.Sort(scores)
		fits[i] = fit{f: f, median: quantile(scores, 0.5), cut: quantile(scores, 1-mv.Contamination)}
	})
	e.keepFits("iforest", keys, short, seen, t0, func(i int, r *route) (bool, error) {
		if fits[i].f != nil {
			r.iso, r.isoMedian, r.isoCut = fits[i].f, fits[i].median, fits[i].cut
		}
		return fits[i].f != nil, fits[i].err
	})
	return nil
}

func (e *Engine) fitPrediction(ctx context.Context, start, end time.Time, cache map[string][]promread.Series, seen map[routeKey]bool) error {
	t0 := time.Now()
	p := e.cfg.Prediction
	cols, err := e.readColumns(ctx, "prediction", e.predictionColumns(), start, end, cache)
	if err != nil {
		return err
	}
	keys := e.routesOf(cols)
	e.routesShort = e.routesShort || len(keys) == 0
	type fit struct {
		f    *rforest.Forest
		max  []float64
		rows int
		err  error
	}
	fits := make([]fit, len(keys))
	short := make([]bool, len(keys))
	// Each forest fits on one worker: the routes are the parallelism.
	parallel(len(keys), e.workers, func(i int) {
		m := matrix(keys[i], cols)
		if len(m.x) < p.MinRows {
			short[i] = true
			return
		}
		m = thin(m, p.MaxRows)
		X := make([][]float64, len(m.x))
		y := make([]float64, len(m.x))
		mx := make([]float64, len(cols)-1)
		for j := range mx {
			mx[j] = math.Inf(-1)
		}
		for j, row := range m.x {
			y[j], X[j] = row[0], row[1:]
			for c, v := range X[j] {
				mx[c] = math.Max(mx[c], v)
			}
		}
		f, err := rforest.Fit(X, y, rforest.Options{NumTrees: p.Trees, MaxDepth: p.MaxDepth, MinSamplesLeaf: p.MinSamplesLeaf, Workers: 1, Seed: seedOf(keys[i])})
		fits[i] = fit{f: f, max: mx, rows: len(X), err: err}
	})
	e.keepFits("rforest", keys, short, seen, t0, func(i int, r *route) (bool, error) {
		if fits[i].err == nil && fits[i].f != nil {
			r.rf, r.rfMax, r.rfRows = fits[i].f, fits[i].max, fits[i].rows
		}
		return fits[i].f != nil, fits[i].err
	})
	return nil
}

// keepFits records the outcome of fitting one kind of per-route model: keep(i, r)
// stores route i's new model in r, if any, and says whether there was one and the
// fit's error. A failed fit keeps the route's previous model; a route with too few
// rows (short) asks for the early refit.
func (e *Engine) keepFits(model string, keys []routeKey, short []bool, seen map[routeKey]bool, t0 time.Time, keep func(i int, r *route) (bool, error)) {
	for i, k := range keys {
		seen[k] = true
		e.routesShort = e.routesShort || short[i]
		fitted, err := keep(i, e.routeOf(k))
		switch {
		case err != nil:
			e.m.fits.WithLabelValues(model, "failure").Inc()
			e.log.Warn("per-route model not fitted; the previous one is kept", "model", model, "job", k.job, "http_route", k.route, "err", err.Error())
		case fitted:
			e.m.fits.WithLabelValues(model, "success").Inc()
		}
	}
	e.m.fitDuration.WithLabelValues(model).Observe(time.Since(t0).Seconds())
}

// thin keeps at most n rows, evenly spread, so a long window costs a bounded fit.
func thin(m rows, n int) rows {
	if len(m.x) <= n {
		return m
	}
	var out rows
	for i := range n {
		j := i * len(m.x) / n
		out.t = append(out.t, m.t[j])
		out.x = append(out.x, m.x[j])
	}
	return out
}

// quantile of sorted xs, linearly interpolated (NumPy's default).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}

// inferRoutes scores each route's latest complete row: the Isolation Forest's score
// and the forest's latency predictions for the current load and the scenarios.
func (e *Engine) inferRoutes(ctx context.Context, end time.Time) error {
	if len(e.routes) == 0 {
		return nil
	}
	// A few steps back, so that a route whose newest point is a step late still has a row.
	start := end.Add(-3 * e.step)
	cache := map[string][]promread.Series{}
	var errs []error
	if e.multivariateOn() {
		cols, err := e.readColumns(ctx, e.cfg.Multivariate.Name, e.cfg.Multivariate.Features, start, end, cache)
		if err != nil {
			errs = append(errs, err)
		} else {
			for k, r := range e.routes {
				r.isoScored = false
				if r.iso == nil {
					continue
				}
				if x, ok := latest(matrix(k, cols)); ok {
					r.isoScore, r.isoScored = isoScore(r.iso.Score(x), r.isoMedian, r.isoCut), true
				}
			}
		}
	}
	if e.predictionOn() {
		cols, err := e.readColumns(ctx, "prediction", e.predictionColumns(), start, end, cache)
		if err != nil {
			errs = append(errs, err)
		} else {
			for k, r := range e.routes {
				r.prediction, r.extrapol = nil, nil
				if r.rf == nil {
					continue
				}
				if x, ok := latest(matrix(k, cols)); ok {
					e.predict(r, x[1:])
				}
			}
		}
	}
	return errors.Join(errs...)
}

func latest(m rows) ([]float64, bool) {
	if len(m.x) == 0 {
		return nil, false
	}
	return m.x[len(m.x)-1], true
}

// isoScore maps an Isolation Forest score onto vmanomaly's convention: 0 at the
// median training score, 1 at the contamination quantile, never negative.
func isoScore(s, median, cut float64) float64 {
	if !(cut > median) {
		if s > cut {
			return 2 // every training row scored the same: anything above it is out of the ordinary
		}
		return 0
	}
	return math.Max(0, (s-median)/(cut-median))
}

// predict fills r's predictions: current load, then each scenario with the load
// features scaled. A scaled feature beyond the largest value of the training window is
// flagged: a forest cannot extrapolate and answers with what it saw at the edge.
func (e *Engine) predict(r *route, x []float64) {
	p := e.cfg.Prediction
	r.prediction = map[string]float64{"current": r.rf.Predict(x)}
	r.extrapol = map[string]bool{"current": false}
	load := map[int]bool{}
	for j, f := range p.Features {
		if slices.Contains(p.LoadFeatures, f.Name) {
			load[j] = true
		}
	}
	for _, sc := range p.Scenarios {
		xs := slices.Clone(x)
		beyond := false
		for j := range load {
			xs[j] *= sc.LoadFactor
			if xs[j] > r.rfMax[j] {
				beyond = true
			}
		}
		r.prediction[sc.Name] = r.rf.Predict(xs)
		r.extrapol[sc.Name] = beyond
	}
}

// importances is the row-weighted mean of every route forest's impurity importances,
// by feature name, or nil when no forest is fitted.
func (e *Engine) importances() map[string]float64 {
	names := make([]string, len(e.cfg.Prediction.Features))
	for i, f := range e.cfg.Prediction.Features {
		names[i] = f.Name
	}
	sum := make([]float64, len(names))
	var w float64
	keys := make([]routeKey, 0, len(e.routes))
	for k := range e.routes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return cmpRoute(keys[i], keys[j]) < 0 }) // a fixed order: the same sum every time
	for _, k := range keys {
		r := e.routes[k]
		if r.rf == nil {
			continue
		}
		for i, v := range r.rf.ImpurityImportances() {
			sum[i] += v * float64(r.rfRows)
		}
		w += float64(r.rfRows)
	}
	if w == 0 {
		return nil
	}
	out := make(map[string]float64, len(names))
	for i, n := range names {
		out[n] = sum[i] / w
	}
	return out
}
