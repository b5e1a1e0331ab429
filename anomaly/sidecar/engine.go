// Package sidecar is perfwatch-anomaly's engine: it reads the configured queries from
// Prometheus (or any server speaking its HTTP API), fits a univariate detector per
// series, an Isolation Forest and a Random Forest regressor per route, scores what is
// new on a schedule, computes recommendations, and exposes all of it as gauges.
//
// # Schedule
//
// Run fits every model at start (unless the model store holds fresh ones), then scores
// every schedule.infer_every and refits every schedule.fit_every, on a grid aligned to
// schedule.step. One goroutine owns the models; a fit of many series runs on several
// workers. Refit asks for a fit at the next turn of the loop.
//
// # Failures
//
// A query that cannot be read (Prometheus down, a bad expression) keeps its previous
// results: they are still exposed, perfwatch_anomaly_stale is 1 and the read is retried
// at the next turn (promread retries with back-off within one). A series not returned
// for five inference intervals loses its gauges; its model goes at the next fit.
package sidecar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/detector"
	"github.com/perfwatch/perfwatch/anomaly/promread"
	"github.com/perfwatch/perfwatch/anomaly/shard"
	"github.com/perfwatch/perfwatch/anomaly/store"
)

// Reader reads range queries; *promread.Reader is one.
type Reader interface {
	Read(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]promread.Series, error)
}

// Options configure an Engine. Config and Reader are required.
type Options struct {
	Config *config.Config
	Reader Reader
	// Shard selects the series this replica models; the zero value owns all.
	Shard shard.Shard
	// Store keeps the fitted models across restarts; nil keeps them in memory only.
	Store *store.Store
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
	// Registerer receives the self-metrics and the results' collector; nil registers
	// nothing.
	Registerer prometheus.Registerer
	// Workers bounds the goroutines of a fit; 0 means GOMAXPROCS.
	Workers int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Engine fits and scores; see the package comment.
type Engine struct {
	cfg     *config.Config
	reader  Reader
	shard   shard.Shard
	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	step    time.Duration
	workers int
	detCfgs []detector.Config // per query
	m       *selfMetrics

	refit chan struct{}

	// Owned by the goroutine running Run (or the test calling Fit and Infer).
	series map[seriesKey]*series
	cursor map[string]time.Time // per query: the end of its last successful read
	routes map[routeKey]*route
	recs   recommendationsState
	// unavailable is the turn's first error meaning the server is unreachable.
	unavailable error
	// routesShort: the last fit found no route, or left one unfitted for want of
	// rows, as at the start of a new stack; the next fit comes sooner than fit_every.
	routesShort bool

	mu  sync.RWMutex // guards out
	out *snapshot
}

// New validates the options and returns an engine that has modelled nothing yet.
func New(opts Options) (*Engine, error) {
	if opts.Config == nil || opts.Reader == nil {
		return nil, errors.New("sidecar: Config and Reader are required")
	}
	e := &Engine{
		cfg:     opts.Config,
		reader:  opts.Reader,
		shard:   opts.Shard,
		store:   opts.Store,
		log:     opts.Logger,
		now:     opts.Now,
		step:    time.Duration(opts.Config.Schedule.Step),
		workers: opts.Workers,
		refit:   make(chan struct{}, 1),
		series:  map[seriesKey]*series{},
		cursor:  map[string]time.Time{},
		routes:  map[routeKey]*route{},
		out:     &snapshot{},
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.workers <= 0 {
		e.workers = runtime.GOMAXPROCS(0)
	}
	for _, q := range e.cfg.Queries {
		dc, err := DetectorConfig(q.Model, e.step)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", q.Name, err)
		}
		if _, err := detector.New(dc); err != nil {
			return nil, fmt.Errorf("query %s: %w", q.Name, err)
		}
		e.detCfgs = append(e.detCfgs, dc)
	}
	e.m = newSelfMetrics()
	// Every read's error counter exists from the start, at 0, so that rate() sees its
	// first failure.
	for _, q := range e.cfg.Queries {
		e.m.queryErrors.WithLabelValues(q.Name)
	}
	if e.multivariateOn() {
		for _, f := range e.cfg.Multivariate.Features {
			e.m.queryErrors.WithLabelValues(e.cfg.Multivariate.Name + "/" + f.Name)
		}
	}
	if e.predictionOn() {
		for _, f := range e.predictionColumns() {
			if f.Name != config.HourOfDay {
				e.m.queryErrors.WithLabelValues("prediction/" + f.Name)
			}
		}
	}
	if opts.Registerer != nil {
		if err := e.m.register(opts.Registerer); err != nil {
			return nil, err
		}
		if err := opts.Registerer.Register(&resultsCollector{e: e}); err != nil {
			return nil, fmt.Errorf("sidecar: register results: %w", err)
		}
	}
	e.m.stale.Set(0)
	return e, nil
}

// Refit asks Run to refit every model at its next turn; it never blocks.
func (e *Engine) Refit() {
	select {
	case e.refit <- struct{}{}:
	default: // one is already pending
	}
}

// Run fits, then scores and refits on the schedule until ctx ends. Failed reads are
// logged and retried at the next turn; Run returns only when ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	fitEvery := time.Duration(e.cfg.Schedule.FitEvery)
	inferEvery := time.Duration(e.cfg.Schedule.InferEvery)
	// Models restored from the store are used at once and refitted when due.
	var nextFit time.Time
	if fitted := e.restore(ctx); !fitted.IsZero() {
		nextFit = fitted.Add(fitEvery)
	}
	for {
		now := e.now()
		select {
		case <-e.refit:
			nextFit = time.Time{}
		default:
		}
		if !now.Before(nextFit) {
			err := e.Fit(ctx)
			nextFit = now.Add(e.fitInterval())
			if err != nil {
				e.log.Warn("fit incomplete; the previous models are kept where a read failed", "err", err.Error())
				// The server was unreachable (a stack starting, a restart): try again
				// after ten steps (at most a minute) rather than a whole fit_every
				// later. A bad expression is not retried sooner; it would fail the
				// same way.
				if e.unavailable != nil {
					nextFit = now.Add(min(e.fitInterval(), max(inferEvery, min(10*e.step, time.Minute))))
				}
			}
		}
		if err := e.Infer(ctx); err != nil {
			e.log.Warn("inference incomplete; the previous results are kept and marked stale", "err", err.Error())
		}
		wait := inferEvery - e.now().Sub(now)
		if d := nextFit.Sub(e.now()); d < wait {
			wait = d
		}
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-e.refit:
			timer.Stop()
			nextFit = time.Time{}
		case <-timer.C:
		}
	}
}

// fitInterval is fit_every, or, while routes lack the rows to be fitted, the time
// the smaller of the per-route models' min_rows takes to accumulate.
func (e *Engine) fitInterval() time.Duration {
	every := time.Duration(e.cfg.Schedule.FitEvery)
	if !e.routesShort {
		return every
	}
	rows := e.cfg.Prediction.MinRows
	if e.multivariateOn() && (!e.predictionOn() || e.cfg.Multivariate.MinRows < rows) {
		rows = e.cfg.Multivariate.MinRows
	}
	return min(every, max(time.Duration(rows)*e.step, time.Duration(e.cfg.Schedule.InferEvery)))
}

// gridEnd is now on the step grid, so that successive reads share their points.
func (e *Engine) gridEnd() time.Time { return e.now().Truncate(e.step) }

// Fit refits every model on the fit window ending now. It must not run concurrently
// with Infer or itself.
func (e *Engine) Fit(ctx context.Context) error {
	e.unavailable = nil
	end := e.gridEnd()
	err := errors.Join(e.fitUnivariate(ctx, end), e.fitRoutes(ctx, end))
	if err == nil {
		e.m.lastSuccess.WithLabelValues("fit").Set(float64(e.now().UnixNano()) / 1e9)
	}
	if serr := e.save(); serr != nil {
		e.log.Warn("models not saved; a restart will refit them", "err", serr.Error())
	}
	return err
}

// Infer scores what is new since the last read, computes the predictions and the
// recommendations, and publishes the results. It must not run concurrently with Fit or
// itself.
func (e *Engine) Infer(ctx context.Context) error {
	t0 := time.Now()
	e.unavailable = nil
	end := e.gridEnd()
	err := errors.Join(e.inferUnivariate(ctx, end), e.inferRoutes(ctx, end))
	if e.recommendationsOn() {
		err = errors.Join(err, e.recommend(ctx, end))
	}
	e.publish(end)
	e.m.inferDuration.Observe(time.Since(t0).Seconds())
	if err != nil {
		e.m.stale.Set(1)
		return err
	}
	e.m.stale.Set(0)
	e.m.lastSuccess.WithLabelValues("infer").Set(float64(e.now().UnixNano()) / 1e9)
	return nil
}

// parallel runs f(0..n-1) on at most workers goroutines.
func parallel(n, workers int, f func(i int)) {
	if n == 0 {
		return
	}
	workers = min(workers, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func joinErrs(errs []error) error { return errors.Join(errs...) }
