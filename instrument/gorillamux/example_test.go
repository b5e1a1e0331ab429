package gorillamux_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/gorillamux"
)

// Instrumenting a gorilla/mux router: serve the router through Handler, so that matched
// requests are recorded under their template and unmatched ones (404, 405) as "other".
func Example() {
	reg := prometheus.NewRegistry()
	m, err := instrument.New(reg)
	if err != nil {
		log.Fatal(err)
	}
	r := mux.NewRouter()
	r.HandleFunc("/api/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", mux.Vars(r)["user"])
	}).Methods(http.MethodGet)
	h := gorillamux.Handler(m, r)

	for _, req := range [][2]string{{"GET", "/api/users/ann"}, {"GET", "/api/users/bob"}, {"GET", "/nowhere"}, {"DELETE", "/api/users/ann"}} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req[0], req[1], nil))
	}
	fmt.Println(sampleCount(reg, "/api/users/{user}"), sampleCount(reg, "other"))
	// Output: 2 2
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
