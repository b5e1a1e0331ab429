package instrument

import (
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perfwatch/perfwatch/instrument/internal/buckets"
	"github.com/prometheus/client_golang/prometheus"
)

// Middleware records the OpenTelemetry HTTP server metrics for every request it serves.
// One Middleware may wrap any number of handlers and is safe for concurrent use.
type Middleware struct {
	cfg    config
	epoch  time.Time // monotonic reference: time.Since(epoch) reads one clock, time.Now two
	active *activeGauge
	series *seriesSet

	writers     sync.Pool // of *responseWriter
	stripeMask  uint32
	nextStripes atomic.Uint32
	kinds       kindCache
}

var histogramLabels = []string{"http_request_method", "http_route", "http_response_status_code"}

const (
	durationHelp = "Duration of HTTP server requests, from the middleware receiving the request to the handler returning."
	reqSizeHelp  = "Size of HTTP server request bodies, from Content-Length; requests of unknown length are not observed."
	respSizeHelp = "Size of HTTP server response bodies as written by the handler, before any transport compression."
)

// New returns a Middleware whose metrics are registered on reg. It fails when an option
// is invalid or the metrics are already registered there.
func New(reg prometheus.Registerer, opts ...Option) (*Middleware, error) {
	if reg == nil {
		return nil, fmt.Errorf("instrument: nil Registerer (pass prometheus.DefaultRegisterer to use the global one)")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("instrument: %w", err)
		}
	}
	stripes := 2
	for stripes < 2*runtime.GOMAXPROCS(0) {
		stripes <<= 1
	}
	m := &Middleware{
		cfg:   cfg,
		epoch: time.Now(),
		active: newActiveGauge(prometheus.NewDesc("http_server_active_requests",
			"Number of HTTP server requests in flight.", []string{"http_request_method"}, cfg.constLabels), stripes),
		series: &seriesSet{
			maxRoutes:       cfg.maxRoutes,
			stripes:         stripes,
			exemplars:       cfg.exemplarFunc != nil,
			durationBuckets: buckets.WithBoundary(cfg.durationBuckets, cfg.slowThreshold),
			sizeBuckets:     cfg.sizeBuckets,
		},
		stripeMask: uint32(stripes - 1),
	}
	m.series.init()
	m.writers.New = func() any {
		// Writers stay mostly on the P that made them (sync.Pool is per-P), so giving each
		// its own stripe keeps concurrent requests on separate cache lines.
		return &responseWriter{stripe: m.nextStripes.Add(1) & m.stripeMask}
	}

	collectors := []prometheus.Collector{m.active}
	if cfg.native {
		v := m.nativeVecs()
		m.series.native = v
		collectors = append(collectors, v.duration)
		if v.reqSize != nil {
			collectors = append(collectors, v.reqSize, v.respSize)
		}
	} else {
		s := m.series
		s.durationDesc = prometheus.NewDesc("http_server_request_duration_seconds", durationHelp, histogramLabels, cfg.constLabels)
		if cfg.sizes {
			s.reqSizeDesc = prometheus.NewDesc("http_server_request_body_size_bytes", reqSizeHelp, histogramLabels, cfg.constLabels)
			s.respSizeDesc = prometheus.NewDesc("http_server_response_body_size_bytes", respSizeHelp, histogramLabels, cfg.constLabels)
		}
		collectors = append(collectors, s)
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("instrument: register metrics: %w", err)
		}
	}
	return m, nil
}

// nativeVecs builds client_golang histograms that expose classic and native buckets.
func (m *Middleware) nativeVecs() *nativeVecs {
	vec := func(name, help string, buckets []float64) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: name, Help: help, Buckets: buckets, ConstLabels: m.cfg.constLabels,
			NativeHistogramBucketFactor:     m.cfg.nativeFactor,
			NativeHistogramMaxBucketNumber:  160,
			NativeHistogramMinResetDuration: time.Hour,
		}, histogramLabels)
	}
	v := &nativeVecs{duration: vec("http_server_request_duration_seconds", durationHelp, m.series.durationBuckets)}
	if m.cfg.sizes {
		v.reqSize = vec("http_server_request_body_size_bytes", reqSizeHelp, m.cfg.sizeBuckets)
		v.respSize = vec("http_server_response_body_size_bytes", respSizeHelp, m.cfg.sizeBuckets)
	}
	return v
}

// Handler wraps next so that each of its requests is measured. Wrap an http.ServeMux
// from outside; add it to a gorilla/mux router with router.Use, so that the matched
// route is known.
func (m *Middleware) Handler(next http.Handler) http.Handler { return handler{m, next} }

type handler struct {
	m    *Middleware
	next http.Handler
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.m.serve(h.next, w, r) }

// Middleware is Handler in the shape of gorilla/mux's MiddlewareFunc.
func (m *Middleware) Middleware(next http.Handler) http.Handler { return m.Handler(next) }

func (m *Middleware) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	start := time.Since(m.epoch)
	method := methodOf(r.Method)
	rw := m.writers.Get().(*responseWriter)
	stripe := rw.stripe
	m.active.inc(stripe, method)

	req, scope := r, (*Scope)(nil)
	if m.cfg.scope {
		sr := newScopedRequest(r, m.epoch.Add(start), method)
		req, scope = &sr.req, &sr.scope
		for _, h := range m.cfg.hooks {
			h.Start(scope, req)
		}
	}
	rw.reset(w, scope, m.cfg.hooks)

	// The deferred call records the request even when the handler panics; it does not
	// recover, so the panic goes on with its original stack to the server or to an outer
	// recovery handler.
	completed := false
	defer func() {
		if completed && !rw.wroteHeader && !rw.hijacked {
			// The handler wrote nothing; the server sends an empty 200 once we return,
			// so hooks can still add their headers to it.
			rw.markHeader(http.StatusOK)
		}
		m.record(req, rw, scope, method, start, !completed)
		m.active.dec(stripe, method)
		rw.w, rw.scope = nil, nil // hold on to nothing of the request while pooled
		m.writers.Put(rw)
	}()
	next.ServeHTTP(wrapWriter(rw, m.kinds.interfacesOf(w)), req)
	completed = true
}

func (m *Middleware) record(r *http.Request, rw *responseWriter, s *Scope, method methodIndex, start time.Duration, panicked bool) {
	elapsed := (time.Since(m.epoch) - start).Seconds() // before hooks, whose work is not the request's
	status := rw.status
	switch {
	case panicked:
		status = http.StatusInternalServerError
	case !rw.wroteHeader:
		status = http.StatusOK // a handler that writes nothing sends an empty 200
	}
	route := m.routeOf(r, rw, s)
	if route == "" {
		route = RouteOther
	}
	ser := m.series.get(route, method, status)
	if s != nil {
		// Hooks see the route as labelled: normalised, and "other" beyond the bound.
		s.route, s.status = ser.rs.route, status
		for _, h := range m.cfg.hooks {
			h.End(s)
		}
	}
	var traceID string
	if m.cfg.exemplarFunc != nil {
		traceID = m.cfg.exemplarFunc(r.Context())
	}
	ser.observe(rw.stripe, elapsed, traceID, r.ContentLength, rw.written)
}
