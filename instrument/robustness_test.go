package instrument_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
)

// panickyHook panics in the phase it is told to.
type panickyHook struct{ phase string }

func (h panickyHook) Start(*instrument.Scope, *http.Request) {
	if h.phase == "start" {
		panic("hook start")
	}
}
func (h panickyHook) WriteHeader(*instrument.Scope, http.Header) {}
func (h panickyHook) End(*instrument.Scope) {
	if h.phase == "end" {
		panic("hook end")
	}
}

func TestPanicsOutsideTheHandlerLeaveNoGaugeUp(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x")) })
	for _, tc := range []struct {
		name string
		opt  instrument.Option
	}{
		{"hook Start", instrument.WithHook(panickyHook{"start"})},
		{"hook End", instrument.WithHook(panickyHook{"end"})},
		{"route function", instrument.WithRouteFunc(func(*http.Request) string { panic("route") })},
		{"exemplar function", instrument.WithExemplars(func(context.Context) string { panic("exemplar") })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newMiddleware(t, tc.opt)
			h := m.Handler(ok)
			for range 3 {
				func() {
					defer func() { _ = recover() }()
					serve(h, "GET", "/")
				}()
			}
			if v := activeValue(t, reg, "GET"); v != 0 {
				t.Errorf("http_server_active_requests = %v after panics, want 0", v)
			}
		})
	}
}

func TestNativeExemplarsRejectWhatPrometheusWould(t *testing.T) {
	for _, id := range []string{strings.Repeat("a", 200), "bad\xffutf8", "4bf92f3577b34da6a3ce929d0e0e4736"} {
		m, reg := newMiddleware(t, instrument.WithNativeHistograms(1.1),
			instrument.WithExemplars(func(context.Context) string { return id }))
		serve(m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})), "GET", "/")
		if got := durationCounts(t, reg)["GET other 200"]; got != 1 {
			t.Errorf("id %.20q: recorded %d requests, want 1", id, got)
		}
	}
}

func TestWithSkip(t *testing.T) {
	m, reg := newMiddleware(t, instrument.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/events" }))
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	serve(h, "GET", "/events")
	serve(h, "GET", "/other")
	if got := durationCounts(t, reg); len(got) != 1 || got["GET other 200"] != 1 {
		t.Errorf("recorded %v, want only the request that was not skipped", got)
	}
}

func TestUserKind(t *testing.T) {
	m, reg := newMiddleware(t, instrument.WithUserKind(func(r *http.Request) bool {
		return r.Header.Get("Authorization") != ""
	}))
	mx := http.NewServeMux()
	mx.HandleFunc("GET /me", func(http.ResponseWriter, *http.Request) {})
	mx.HandleFunc("GET /login", func(_ http.ResponseWriter, r *http.Request) {
		instrument.ScopeFrom(r.Context()).SetAuthenticated(true) // the handler knows better
	})
	h := m.Handler(mx)
	serve(h, "GET", "/me")
	req, _ := http.NewRequest("GET", "/me", nil)
	req.Header.Set("Authorization", "Bearer x")
	h.ServeHTTP(discard(), req)
	serve(h, "GET", "/login")
	mf := families(t, reg)["http_server_request_duration_seconds"]
	got := map[string]uint64{}
	for _, mm := range mf.GetMetric() {
		got[labelsOf(mm)] = mm.GetHistogram().GetSampleCount()
	}
	want := map[string]uint64{
		"http_request_method=GET,http_response_status_code=200,http_route=/me,user_kind=anonymous":        1,
		"http_request_method=GET,http_response_status_code=200,http_route=/me,user_kind=authenticated":    1,
		"http_request_method=GET,http_response_status_code=200,http_route=/login,user_kind=authenticated": 1,
	}
	if len(got) != len(want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

func TestRequestSizeOnlyForRequestsWithABody(t *testing.T) {
	m, reg := newMiddleware(t)
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	serve(h, "GET", "/") // no body
	req, _ := http.NewRequest("POST", "/", strings.NewReader(""))
	req.Header.Set("Content-Length", "0") // an empty body, declared
	h.ServeHTTP(discard(), req)
	req, _ = http.NewRequest("POST", "/", strings.NewReader("hello"))
	h.ServeHTTP(discard(), req)
	mf := families(t, reg)["http_server_request_body_size_bytes"]
	got := map[string]uint64{}
	for _, mm := range mf.GetMetric() {
		got[labelsOf(mm)] = mm.GetHistogram().GetSampleCount()
	}
	if got["http_request_method=GET,http_response_status_code=200,http_route=other"] != 0 ||
		got["http_request_method=POST,http_response_status_code=200,http_route=other"] != 2 {
		t.Errorf("request size counts %v: want the two POSTs and not the GET", got)
	}
}

func TestDuplicateRegistrationNamesTheMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := instrument.New(reg); err != nil {
		t.Fatal(err)
	}
	_, err := instrument.New(reg)
	if err == nil || !strings.Contains(err.Error(), "http_server_active_requests") {
		t.Errorf("second New on one registry: %v, want an error naming the metric", err)
	}
}

// discard returns a recorder for requests whose response the test does not read.
func discard() http.ResponseWriter { return httptest.NewRecorder() }
