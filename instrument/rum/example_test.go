package rum_test

import (
	"log"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/rum"
	"github.com/perfwatch/perfwatch/instrument/rum/snippet"
)

// The beacon ingest and the snippet under /rum/ of an application's mux, its
// JavaScript errors in the application's error tracker.
func Example() {
	reg := prometheus.NewRegistry()
	tracker, err := errtrack.New(reg)
	if err != nil {
		log.Fatal(err)
	}
	beacons, err := rum.New(reg, tracker, rum.Config{
		Pages:     []string{"/", "/items/{id}"},
		APIRoutes: []string{"/api/items/{id}"},
		Measures:  []string{"ItemList"},
	}, rum.WithScript(snippet.Handler()))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(rum.DefaultPrefix, beacons) // POST /rum/v1/beacon, GET /rum/perfwatch-rum.js
	_ = mux
	// Output:
}
