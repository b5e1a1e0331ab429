package instrument_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/perfwatch/perfwatch/instrument"
)

// discardWriter is a ResponseWriter that costs next to nothing, so that benchmarks
// measure the middleware rather than httptest.ResponseRecorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Flush()                      {}

var benchBody = []byte(`{"id":42,"name":"item"}`)

// benchRoutes are the routes every benchmarked server has; requests go to the first.
var benchRoutes = []string{"GET /api/items/{id}", "POST /api/items", "GET /api/folders/{id}/items", "GET /healthz"}

func benchHandler(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(benchBody) }

type benchKey struct{}

// benchServers builds the four servers that BenchmarkMiddleware compares.
func benchServers(b *testing.B) []struct {
	name string
	h    http.Handler
} {
	bare := http.NewServeMux()
	for _, p := range benchRoutes {
		bare.HandleFunc(p, benchHandler)
	}

	// client_golang's idiomatic chain: in-flight gauge, duration histogram and request
	// counter, curried with the route at registration.
	reg := prometheus.NewRegistry()
	inflight := prometheus.NewGauge(prometheus.GaugeOpts{Name: "http_in_flight_requests", Help: "x"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds", Help: "x",
		Buckets: instrument.DefaultDurationBuckets()}, []string{"handler", "method", "code"})
	cnt := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "x"}, []string{"handler", "method", "code"})
	reg.MustRegister(inflight, dur, cnt)
	chain := http.NewServeMux()
	for _, p := range benchRoutes {
		l := prometheus.Labels{"handler": p}
		chain.Handle(p, promhttp.InstrumentHandlerInFlight(inflight,
			promhttp.InstrumentHandlerDuration(dur.MustCurryWith(l),
				promhttp.InstrumentHandlerCounter(cnt.MustCurryWith(l), http.HandlerFunc(benchHandler)))))
	}

	mw := func(opts ...instrument.Option) http.Handler {
		m, err := instrument.New(prometheus.NewRegistry(), opts...)
		if err != nil {
			b.Fatal(err)
		}
		return m.Handler(bare)
	}
	return []struct {
		name string
		h    http.Handler
	}{
		{"bare", bare},
		{"promhttp", chain},
		{"perfwatch", mw(instrument.WithBodySizes(false))},
		{"perfwatch_sizes", mw()},
		{"perfwatch_scope", mw(instrument.WithScope())},
		// The least any middleware that hands the handler a value in the request's
		// context pays: one request copy and one context (chi and gorilla/mux do this
		// per request to carry their route matches).
		{"withvalue", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			bare.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), benchKey{}, r)))
		})},
	}
}

// BenchmarkMiddleware compares, in one run, a bare ServeMux with the same mux behind
// client_golang's promhttp chain and behind perfwatch's middleware.
func BenchmarkMiddleware(b *testing.B) {
	for _, s := range benchServers(b) {
		b.Run(s.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			r := httptest.NewRequest(http.MethodGet, "/api/items/42", nil)
			b.ReportAllocs()
			for b.Loop() {
				s.h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkMiddlewareParallel is BenchmarkMiddleware with every core serving requests,
// which shows contention on shared state.
func BenchmarkMiddlewareParallel(b *testing.B) {
	for _, s := range benchServers(b) {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{h: http.Header{}}
				r := httptest.NewRequest(http.MethodGet, "/api/items/42", nil)
				for pb.Next() {
					s.h.ServeHTTP(w, r)
				}
			})
		})
	}
}

// BenchmarkMiddlewareFreshRequest is BenchmarkMiddleware with a new *http.Request for
// every request, as net/http's server makes one per request. Reusing one request lets
// the bare mux keep what it stored in it, and makes every allocation the middleware
// adds look dearer than in a server: the garbage collector has nothing else to do.
func BenchmarkMiddlewareFreshRequest(b *testing.B) {
	for _, s := range benchServers(b) {
		b.Run(s.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			tmpl := httptest.NewRequest(http.MethodGet, "/api/items/42", nil)
			b.ReportAllocs()
			for b.Loop() {
				r := new(http.Request)
				*r = *tmpl
				s.h.ServeHTTP(w, r)
			}
		})
	}
}

var _ io.Writer = (*discardWriter)(nil)
