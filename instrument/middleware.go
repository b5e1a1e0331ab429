package instrument

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perfwatch/perfwatch/instrument/internal/buckets"
	"github.com/perfwatch/perfwatch/instrument/internal/register"
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

	upgraded *prometheus.HistogramVec // perfwatch_http_server_upgraded_duration_seconds
	routes   routeWatch
}

var histogramLabels = []string{"http_request_method", "http_route", "http_response_status_code"}

// UpgradedDurationBuckets are the boundaries of
// perfwatch_http_server_upgraded_duration_seconds, in seconds: from a handshake whose
// handler hands the connection to another goroutine (a millisecond) to a websocket
// its handler serves for a day.
func UpgradedDurationBuckets() []float64 {
	return []float64{0.001, 0.01, 0.1, 1, 10, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600}
}

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
	labels := histogramLabels
	if cfg.userKind {
		labels = append(slices.Clip(labels), "user_kind")
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
			userKind:        cfg.userKind,
			durationBuckets: buckets.WithBoundary(cfg.durationBuckets, cfg.slowThreshold),
			sizeBuckets:     cfg.sizeBuckets,
		},
		stripeMask: uint32(stripes - 1),
		upgraded: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "perfwatch_http_server_upgraded_duration_seconds",
			Help:    "Duration of HTTP server requests that took over their connection (websockets and other protocol upgrades, hijacked connections), from the request to the handler returning: the connection's lifetime when the handler serves it, the handshake when it hands the connection on. Kept out of http_server_request_duration_seconds.",
			Buckets: UpgradedDurationBuckets(), ConstLabels: cfg.constLabels,
		}, histogramLabels),
		routes: routeWatch{after: routeWarnAfter, minAge: routeWarnMinAge},
	}
	m.series.init()
	m.writers.New = func() any {
		// Writers stay mostly on the P that made them (sync.Pool is per-P), so giving each
		// its own stripe keeps concurrent requests on separate cache lines.
		return &responseWriter{stripe: m.nextStripes.Add(1) & m.stripeMask}
	}

	collectors := []prometheus.Collector{m.active, m.upgraded}
	if cfg.native {
		v := m.nativeVecs(labels)
		m.series.native = v
		collectors = append(collectors, v.duration)
		if v.reqSize != nil {
			collectors = append(collectors, v.reqSize, v.respSize)
		}
	} else {
		s := m.series
		s.durationDesc = prometheus.NewDesc("http_server_request_duration_seconds", durationHelp, labels, cfg.constLabels)
		if cfg.sizes {
			s.reqSizeDesc = prometheus.NewDesc("http_server_request_body_size_bytes", reqSizeHelp, labels, cfg.constLabels)
			s.respSizeDesc = prometheus.NewDesc("http_server_response_body_size_bytes", respSizeHelp, labels, cfg.constLabels)
		}
		collectors = append(collectors, s)
	}
	if err := register.All(reg, collectors...); err != nil {
		return nil, fmt.Errorf("instrument: %w", err)
	}
	return m, nil
}

// nativeVecs builds client_golang histograms that expose classic and native buckets.
func (m *Middleware) nativeVecs(labels []string) *nativeVecs {
	vec := func(name, help string, buckets []float64) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: name, Help: help, Buckets: buckets, ConstLabels: m.cfg.constLabels,
			NativeHistogramBucketFactor:     m.cfg.nativeFactor,
			NativeHistogramMaxBucketNumber:  160,
			NativeHistogramMinResetDuration: time.Hour,
		}, labels)
	}
	v := &nativeVecs{duration: vec("http_server_request_duration_seconds", durationHelp, m.series.durationBuckets)}
	if m.cfg.sizes {
		v.reqSize = vec("http_server_request_body_size_bytes", reqSizeHelp, m.cfg.sizeBuckets)
		v.respSize = vec("http_server_response_body_size_bytes", respSizeHelp, m.cfg.sizeBuckets)
	}
	return v
}

// Handler wraps next so that each of its requests is measured. Wrap the router from
// outside: an http.ServeMux directly (or through Route when middleware in between
// copies the request), a gorilla/mux router through package gorillamux.
func (m *Middleware) Handler(next http.Handler) http.Handler { return handler{m, next} }

type handler struct {
	m    *Middleware
	next http.Handler
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.m.serve(h.next, w, r) }

// Middleware is Handler in the shape of gorilla/mux's MiddlewareFunc and of most
// middleware chains. Added to a gorilla/mux router with router.Use, it needs
// WithRouteFunc(gorillamux.RouteOf) to learn the routes and still misses gorilla's 404
// and 405 responses, which skip route middleware; gorillamux.Handler has neither gap.
func (m *Middleware) Middleware(next http.Handler) http.Handler { return m.Handler(next) }

func (m *Middleware) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if m.cfg.skip != nil && m.cfg.skip(r) {
		next.ServeHTTP(w, r)
		return
	}
	start := time.Since(m.epoch)
	method := methodOf(r.Method)
	rw := m.writers.Get().(*responseWriter)
	stripe := rw.stripe
	m.active.inc(stripe, method)
	// A deferred call of its own, run last: whatever panics below (a hook, the route
	// function, recording), the gauge comes down.
	defer m.active.dec(stripe, method)

	req, scope := r, (*Scope)(nil)
	if m.cfg.scope {
		sr := newScopedRequest(r, m, start, method)
		req, scope = &sr.req, &sr.scope
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
		rw.w, rw.scope, rw.route = nil, nil, "" // hold on to nothing of the request while pooled
		m.writers.Put(rw)
	}()
	if scope != nil {
		for _, h := range m.cfg.hooks {
			h.Start(scope, req)
		}
	}
	next.ServeHTTP(wrapWriter(rw, m.kinds.interfacesOf(w)), req)
	completed = true
}

func (m *Middleware) record(r *http.Request, rw *responseWriter, s *Scope, method methodIndex, start time.Duration, panicked bool) {
	elapsed := (time.Since(m.epoch) - start).Seconds() // before hooks, whose work is not the request's
	status := rw.status
	switch {
	case panicked && !rw.hijacked:
		status = http.StatusInternalServerError
	case !rw.wroteHeader:
		status = http.StatusOK // a handler that writes nothing sends an empty 200
	}
	route := m.routeOf(r, rw, s)
	if route == "" {
		m.routes.unrouted(m.logger, m.epoch)
		route = RouteOther
	} else {
		m.routes.routed()
	}
	upgraded := rw.hijacked || status == http.StatusSwitchingProtocols
	var ser *series
	var label string
	if upgraded {
		label = m.series.route(route).route
	} else {
		ser = m.series.get(route, method, status, m.userKindOf(r, s))
		label = ser.rs.route
	}
	if s != nil {
		// Hooks see the route as labelled: normalised, and "other" beyond the bound.
		s.route, s.status = label, int32(status)
		for _, h := range m.cfg.hooks {
			h.End(s)
		}
	}
	if upgraded {
		// The connection's lifetime is not a response time: a websocket open for an hour
		// would count as an hour-long request in every latency rule.
		m.upgraded.WithLabelValues(method.String(), label, strconv.Itoa(status)).Observe(elapsed)
		return
	}
	var traceID string
	if m.cfg.exemplarFunc != nil {
		traceID = exemplarTraceID(m.cfg.exemplarFunc(r.Context()))
	}
	ser.observe(rw.stripe, elapsed, traceID, requestBodySize(r), rw.written)
}

// logger returns where the Middleware writes: WithLogger's, or the default now.
func (m *Middleware) logger() *slog.Logger {
	if m.cfg.logger != nil {
		return m.cfg.logger
	}
	return slog.Default()
}

// userKindOf returns the user_kind of a request: what the handler said through the
// Scope, else what the option's function says; userUnknown when the label is off.
func (m *Middleware) userKindOf(r *http.Request, s *Scope) userKind {
	if !m.cfg.userKind {
		return userUnknown
	}
	if s != nil && s.user != userUnknown {
		return s.user
	}
	if m.cfg.userFunc != nil && m.cfg.userFunc(r) {
		return userAuthenticated
	}
	return userAnonymous
}

// requestBodySize returns the size of the request's body, or -1 when the request has
// none: a GET without a body is not a zero-byte upload, and observing it as one would
// fill the lowest bucket of the request size histogram with every read. A declared
// Content-Length of 0 is a body, an empty one.
func requestBodySize(r *http.Request) int64 {
	if r.ContentLength > 0 {
		return r.ContentLength
	}
	if r.ContentLength == 0 && len(r.Header["Content-Length"]) > 0 {
		return 0
	}
	return -1
}
