package instrument_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/gorillamux"
)

type userKey struct{}

// auth is the ordinary authentication middleware: it passes a copy of the request on.
func auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, "ann")))
	})
}

// wrapWriter is middleware that wraps the ResponseWriter, with Unwrap as
// http.ResponseController expects.
type wrappedWriter struct{ http.ResponseWriter }

func (w wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func wrapWriters(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(wrappedWriter{w}, r) })
}

func TestRouteSurvivesRequestCopies(t *testing.T) {
	ok := func(http.ResponseWriter, *http.Request) {}
	serveMux := func() *http.ServeMux {
		mx := http.NewServeMux()
		mx.HandleFunc("GET /items/{id}", ok)
		return mx
	}
	gorilla := func() *mux.Router {
		r := mux.NewRouter()
		r.Use(auth) // the application's own router middleware, before the adapter's
		api := r.PathPrefix("/api").Subrouter()
		api.HandleFunc("/items/{id:[0-9]+}", ok).Methods("GET")
		gorillamux.NameRoutes(r)
		return r
	}
	tests := []struct {
		name   string
		opts   []instrument.Option
		build  func(*instrument.Middleware) http.Handler
		target string
		want   string
	}{
		{"WithContext", nil, func(m *instrument.Middleware) http.Handler {
			return m.Handler(auth(instrument.Route(serveMux())))
		}, "/items/7", "GET /items/{id} 200"},
		{"StripPrefix", nil, func(m *instrument.Middleware) http.Handler {
			return m.Handler(http.StripPrefix("/app", instrument.Route(serveMux())))
		}, "/app/items/7", "GET /items/{id} 200"},
		{"both, and a wrapped writer", nil, func(m *instrument.Middleware) http.Handler {
			return m.Handler(wrapWriters(auth(http.StripPrefix("/app", instrument.Route(serveMux())))))
		}, "/app/items/7", "GET /items/{id} 200"},
		{"through the Scope", []instrument.Option{instrument.WithScope()}, func(m *instrument.Middleware) http.Handler {
			return m.Handler(auth(http.StripPrefix("/app", instrument.Route(serveMux()))))
		}, "/app/items/7", "GET /items/{id} 200"},
		{"gorilla subrouter behind StripPrefix", nil, func(m *instrument.Middleware) http.Handler {
			return m.Handler(auth(http.StripPrefix("/app", gorilla())))
		}, "/app/api/items/7", "GET /api/items/{id} 200"},
		{"ServeMux behind a copy, without Route", nil, func(m *instrument.Middleware) http.Handler {
			return m.Handler(auth(serveMux())) // what the Middleware cannot see: logged, see below
		}, "/items/7", "GET other 200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newMiddleware(t, tc.opts...)
			serve(tc.build(m), "GET", tc.target)
			if got := durationCounts(t, reg); got[tc.want] != 1 || len(got) != 1 {
				t.Errorf("recorded %v, want %s", got, tc.want)
			}
		})
	}
}

func TestNeverRoutedWarnsOnce(t *testing.T) {
	var logs bytes.Buffer
	m, _ := newMiddleware(t, instrument.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	instrument.SetRouteWarning(m, 10, 0)
	mx := http.NewServeMux()
	mx.HandleFunc("GET /items/{id}", func(http.ResponseWriter, *http.Request) {})
	h := m.Handler(auth(mx))
	for range 30 {
		serve(h, "GET", "/items/1")
	}
	if n := strings.Count(logs.String(), "no request has had a route template"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "instrument.Route") {
		t.Errorf("the warning does not say what to do: %s", logs.String())
	}

	// A Middleware that has seen a route says nothing, however many requests go to other.
	logs.Reset()
	m2, _ := newMiddleware(t, instrument.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	instrument.SetRouteWarning(m2, 10, 0)
	h2 := m2.Handler(mx)
	serve(h2, "GET", "/items/1")
	for range 30 {
		serve(h2, "GET", "/nope")
	}
	if logs.Len() != 0 {
		t.Errorf("warned although routes were seen: %s", logs.String())
	}
}

func TestGorilla404And405KeepTheApplicationsHandlers(t *testing.T) {
	m, reg := newMiddleware(t)
	r := mux.NewRouter()
	r.HandleFunc("/items/{id}", func(http.ResponseWriter, *http.Request) {}).Methods("GET")
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("the app's own 404"))
	})
	// MethodNotAllowedHandler left nil: gorilla's default 405.
	h := gorillamux.Handler(m, r)
	if rec := serve(h, "GET", "/nowhere"); rec.Code != 404 || rec.Body.String() != "the app's own 404" {
		t.Errorf("404: %d %q", rec.Code, rec.Body.String())
	}
	if rec := serve(h, "DELETE", "/items/1"); rec.Code != 405 {
		t.Errorf("405: %d", rec.Code)
	}
	serve(h, "GET", "/items/1")
	want := map[string]uint64{"GET other 404": 1, "DELETE other 405": 1, "GET /items/{id} 200": 1}
	if got := durationCounts(t, reg); len(got) != len(want) || got["GET other 404"] != 1 || got["DELETE other 405"] != 1 || got["GET /items/{id} 200"] != 1 {
		t.Errorf("recorded %v, want %v", got, want)
	}
}

// TestNestedMuxes is miniflux's layout: a root mux that sends a prefix to an
// application mux under http.StripPrefix, which sends "/v1/" to an API mux, each
// behind middleware that copies the request. The innermost mux that serves a request
// names it; a request no inner mux matches is "other", not the outer prefix pattern.
func TestNestedMuxes(t *testing.T) {
	ok := func(http.ResponseWriter, *http.Request) {}
	build := func(m *instrument.Middleware, under bool) http.Handler {
		api := http.NewServeMux()
		api.HandleFunc("GET /v1/feeds/{id}", ok)
		var apiRoute http.Handler = instrument.Route(api)
		if under {
			apiRoute = instrument.RouteUnder("/app", api) // every mux behind the StripPrefix
		}
		app := http.NewServeMux()
		app.Handle("/v1/", auth(apiRoute))
		app.HandleFunc("GET /healthcheck", ok)
		app.HandleFunc("GET /{$}", ok)
		var inner http.Handler = instrument.Route(app)
		if under {
			inner = instrument.RouteUnder("/app", app)
		}
		root := http.NewServeMux()
		root.Handle("/app/", http.StripPrefix("/app", auth(inner)))
		root.HandleFunc("GET /liveness", ok)
		return m.Handler(instrument.Route(root))
	}
	for _, tc := range []struct {
		under  bool
		target string
		want   string
	}{
		{false, "/app/v1/feeds/7", "GET /v1/feeds/{id} 200"},
		{false, "/app/healthcheck", "GET /healthcheck 200"},
		{false, "/app/v1/nope", "GET other 404"},
		{false, "/app/nope", "GET other 404"},
		{false, "/liveness", "GET /liveness 200"},
		{false, "/nope", "GET other 404"},
		{true, "/app/v1/feeds/7", "GET /app/v1/feeds/{id} 200"},
		{true, "/app/v1/nope", "GET other 404"},
		{true, "/app/healthcheck", "GET /app/healthcheck 200"},
		{true, "/app/", "GET /app/{$} 200"},
		{true, "/app/nope", "GET other 404"},
	} {
		m, reg := newMiddleware(t)
		h := build(m, tc.under)
		for range 2 { // the second time from RouteUnder's memory of the joined label
			serve(h, "GET", tc.target)
		}
		if got := durationCounts(t, reg); got[tc.want] != 2 || len(got) != 1 {
			t.Errorf("under %t: %s recorded %v, want %s", tc.under, tc.target, got, tc.want)
		}
	}
}

func TestNeverRoutedWarnsThroughTheDefaultLoggerOfTheMoment(t *testing.T) {
	m, _ := newMiddleware(t)
	instrument.SetRouteWarning(m, 3, 0)
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, nil))) // after New, as applications do
	defer slog.SetDefault(old)
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for range 5 {
		serve(h, "GET", "/")
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"instrument: no request has had a route template`) {
		t.Errorf("the warning did not go through the handler set after New: %q", logs.String())
	}
}
