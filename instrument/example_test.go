package instrument_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/perfwatch/perfwatch/instrument"
)

// Instrumenting a net/http server: wrap the ServeMux from outside, and the route
// template of its pattern becomes http_route.
func Example_netHTTP() {
	reg := prometheus.NewRegistry()
	// The Go runtime's and the process's metrics feed the Overview's memory and CPU panels.
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := instrument.New(reg)
	if err != nil {
		log.Fatal(err)
	}
	api := http.NewServeMux()
	api.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"id":%q}`, r.PathValue("id"))
	})

	// In a real program: http.ListenAndServe(":8080", m.Handler(api)), and the metrics
	// on another listener: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).
	m.Handler(api).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/items/42", nil))

	fmt.Println(sampleCount(reg, "/api/items/{id}"))
	// Output: 1
}

// Behind middleware that passes a copy of the request on, as authentication middleware
// does with r.WithContext, the ServeMux's pattern is set on the copy: Route around the
// mux hands it to the Middleware.
func ExampleRoute() {
	reg := prometheus.NewRegistry()
	m, err := instrument.New(reg)
	if err != nil {
		log.Fatal(err)
	}
	type userKey struct{}
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, "ann")))
		})
	}
	api := http.NewServeMux()
	api.HandleFunc("GET /api/items/{id}", func(http.ResponseWriter, *http.Request) {})

	h := m.Handler(auth(instrument.Route(api)))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/items/42", nil))

	fmt.Println(sampleCount(reg, "/api/items/{id}"), sampleCount(reg, "other"))
	// Output: 1 0
}

// sampleCount reads the number of requests recorded for a route.
func sampleCount(g prometheus.Gatherer, route string) uint64 {
	mfs, _ := g.Gather()
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() != "http_server_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "http_route" && l.GetValue() == route {
					n += m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return n
}
