package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/gorillamux"
)

func TestRoutes(t *testing.T) {
	serveMux := func() http.Handler {
		mx := http.NewServeMux()
		ok := func(w http.ResponseWriter, _ *http.Request) {}
		mx.HandleFunc("GET /api/items/{id}", ok)
		mx.HandleFunc("POST /api/items", ok)
		mx.HandleFunc("example.com/hosted/{name...}", ok)
		mx.HandleFunc("/static/", ok)
		return mx
	}
	gorilla := func(m *instrument.Middleware) http.Handler {
		r := mux.NewRouter()
		r.HandleFunc("/api/items/{id:[0-9]+}", func(http.ResponseWriter, *http.Request) {}).Methods(http.MethodGet)
		sub := r.PathPrefix("/api/v2").Subrouter()
		sub.HandleFunc("/users/{user}", func(http.ResponseWriter, *http.Request) {})
		return gorillamux.Handler(m, r)
	}
	custom := func(r *http.Request) string {
		if strings.HasPrefix(r.URL.Path, "/legacy/") {
			return "/legacy/:page"
		}
		return ""
	}
	tests := []struct {
		name   string
		opts   []instrument.Option
		server func(*instrument.Middleware) http.Handler
		method string
		target string
		want   string // "method route code"
	}{
		{"servemux template", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "GET", "/api/items/42", "GET /api/items/{id} 200"},
		{"servemux method in pattern", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "POST", "/api/items", "POST /api/items 200"},
		{"servemux host stripped", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "GET", "http://example.com/hosted/a/b", "GET /hosted/{name...} 200"},
		{"servemux prefix", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "GET", "/static/app.js", "GET /static/ 200"},
		{"servemux no match", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "GET", "/nope", "GET other 404"},
		{"servemux wrong method", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "DELETE", "/api/items", "DELETE other 405"},
		{"gorilla template", nil, gorilla, "GET", "/api/items/7", "GET /api/items/{id} 200"},
		{"gorilla subrouter", nil, gorilla, "PUT", "/api/v2/users/ann", "PUT /api/v2/users/{user} 200"},
		{"gorilla not found", nil, gorilla, "GET", "/api/items/abc", "GET other 404"},
		{"route func", []instrument.Option{instrument.WithRouteFunc(custom)},
			func(m *instrument.Middleware) http.Handler { return m.Handler(http.NotFoundHandler()) }, "GET", "/legacy/page-9", "GET /legacy/:page 404"},
		{"route func no match", []instrument.Option{instrument.WithRouteFunc(custom)},
			func(m *instrument.Middleware) http.Handler { return m.Handler(http.NotFoundHandler()) }, "GET", "/x", "GET other 404"},
		{"SetRoute overrides the router", []instrument.Option{instrument.WithScope()}, func(m *instrument.Middleware) http.Handler {
			mx := http.NewServeMux()
			mx.HandleFunc("GET /api/{any...}", func(w http.ResponseWriter, r *http.Request) {
				instrument.ScopeFrom(r.Context()).SetRoute("/api/graphql")
			})
			return m.Handler(mx)
		}, "GET", "/api/x/y", "GET /api/graphql 200"},
		{"SetRoute by handler", []instrument.Option{instrument.WithScope()}, func(m *instrument.Middleware) http.Handler {
			return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				instrument.ScopeFrom(r.Context()).SetRoute("/rpc/{method}")
			}))
		}, "POST", "/rpc/GetUser", "POST /rpc/{method} 200"},
		{"unknown method", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "PROPFIND", "/static/x", "_OTHER /static/ 200"},
		{"lower-case method", nil, func(m *instrument.Middleware) http.Handler { return m.Handler(serveMux()) }, "get", "/static/x", "_OTHER /static/ 200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newMiddleware(t, tc.opts...)
			serve(tc.server(m), tc.method, tc.target)
			got := durationCounts(t, reg)
			if len(got) != 1 || got[tc.want] != 1 {
				t.Errorf("recorded %v, want exactly {%s: 1}", got, tc.want)
			}
		})
	}
}

func TestStatusRecording(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		handler http.HandlerFunc
		want    string
		body    string
	}{
		{"writes nothing", "GET", func(http.ResponseWriter, *http.Request) {}, "GET other 200", ""},
		{"explicit status", "GET", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }, "GET other 418", ""},
		{"WriteHeader twice", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
		}, "GET other 201", ""},
		{"write implies 200", "GET", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") }, "GET other 200", "hello"},
		{"HEAD", "HEAD", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Content-Length", "5") }, "HEAD other 200", ""},
		{"1xx informational then final", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusContinue)
			w.WriteHeader(http.StatusAccepted)
		}, "GET other 202", ""},
		{"flush before write", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "b")
		}, "GET other 200", "ab"},
		{"ReadFrom", "GET", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.(io.ReaderFrom).ReadFrom(strings.NewReader("streamed"))
		}, "GET other 200", "streamed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newMiddleware(t)
			srv := httptest.NewServer(m.Handler(tc.handler))
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+"/x", nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != tc.body {
				t.Errorf("body %q, want %q", b, tc.body)
			}
			got := durationCounts(t, reg)
			if len(got) != 1 || got[tc.want] != 1 {
				t.Errorf("recorded %v, want {%s: 1}", got, tc.want)
			}
		})
	}
}

func TestPanicRecordedAs500AndReraised(t *testing.T) {
	m, reg := newMiddleware(t)
	boom := errors.New("boom")
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK) // even after a 200 went out, the request failed
		panic(boom)
	}))
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		serve(h, "GET", "/")
	}()
	if recovered != boom {
		t.Fatalf("recovered %v, want the handler's panic value", recovered)
	}
	if got := durationCounts(t, reg); got["GET other 500"] != 1 {
		t.Errorf("recorded %v, want GET other 500", got)
	}
	// The active gauge must come back to zero after a panic.
	if v := activeValue(t, reg, "GET"); v != 0 {
		t.Errorf("active requests after panic = %v, want 0", v)
	}
}

func TestWebsocketKeptOutOfDuration(t *testing.T) {
	m, reg := newMiddleware(t)
	mx := http.NewServeMux()
	mx.HandleFunc("GET /ws", func(w http.ResponseWriter, _ *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		time.Sleep(300 * time.Millisecond) // a connection that lives on, as websockets do
	})
	srv := httptest.NewServer(m.Handler(mx))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	waitFor(t, func() bool {
		mf := families(t, reg)["perfwatch_http_server_upgraded_duration_seconds"]
		return mf != nil && mf.GetMetric()[0].GetHistogram().GetSampleCount() == 1
	})
	mf := families(t, reg)["perfwatch_http_server_upgraded_duration_seconds"]
	if got := labelsOf(mf.GetMetric()[0]); got != "http_request_method=GET,http_response_status_code=101,http_route=/ws" {
		t.Errorf("upgraded labels %s", got)
	}
	if sum := mf.GetMetric()[0].GetHistogram().GetSampleSum(); sum < 0.3 {
		t.Errorf("connection lifetime %v s, want at least 0.3", sum)
	}
	if got := durationCounts(t, reg); len(got) != 0 {
		t.Errorf("the websocket reached http_server_request_duration_seconds: %v", got)
	}
}

func TestClientDisconnectMidResponse(t *testing.T) {
	m, reg := newMiddleware(t)
	done := make(chan error, 1)
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 32<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				done <- err
				return
			}
			w.(http.Flusher).Flush()
		}
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadFull(resp.Body, make([]byte, 64<<10))
	resp.Body.Close() // hang up mid-response
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("handler never saw the disconnect")
	}
	waitFor(t, func() bool { return durationCounts(t, reg)["GET other 200"] == 1 })
	mf := families(t, reg)["http_server_response_body_size_bytes"]
	if got := mf.GetMetric()[0].GetHistogram().GetSampleSum(); got < 64<<10 {
		t.Errorf("response bytes recorded %v, want at least what the client read", got)
	}
}

func TestBodySizes(t *testing.T) {
	m, reg := newMiddleware(t)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(append(b, b...))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 300))))
	fams := families(t, reg)
	req := fams["http_server_request_body_size_bytes"].GetMetric()[0].GetHistogram()
	resp := fams["http_server_response_body_size_bytes"].GetMetric()[0].GetHistogram()
	if req.GetSampleSum() != 300 || resp.GetSampleSum() != 600 {
		t.Errorf("request %v bytes, response %v bytes; want 300 and 600", req.GetSampleSum(), resp.GetSampleSum())
	}
	// 300 bytes fall in the 1024 bucket, not the 256 one.
	for _, b := range req.GetBucket() {
		want := uint64(0)
		if b.GetUpperBound() >= 1024 {
			want = 1
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("request size bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}

	m2, reg2 := newMiddleware(t, instrument.WithBodySizes(false))
	serve(m2.Handler(h), "GET", "/")
	fams = families(t, reg2)
	if fams["http_server_request_body_size_bytes"] != nil || fams["http_server_response_body_size_bytes"] != nil {
		t.Error("body size histograms present although switched off")
	}
}

func TestSlowThresholdIsBucketBoundary(t *testing.T) {
	for _, tc := range []struct {
		threshold float64
		wantLen   int
	}{{1.0, 14}, {1.5, 15}, {0.3, 15}} {
		t.Run(fmt.Sprint(tc.threshold), func(t *testing.T) {
			m, reg := newMiddleware(t, instrument.WithSlowRequestThreshold(tc.threshold))
			serve(m.Handler(http.NotFoundHandler()), "GET", "/")
			buckets := families(t, reg)["http_server_request_duration_seconds"].GetMetric()[0].GetHistogram().GetBucket()
			found := false
			for _, b := range buckets {
				found = found || b.GetUpperBound() == tc.threshold
			}
			if !found || len(buckets) != tc.wantLen {
				t.Errorf("%d buckets, threshold present %v; want %d buckets including %v", len(buckets), found, tc.wantLen, tc.threshold)
			}
		})
	}
}

func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  instrument.Option
		want string
	}{
		{"zero threshold", instrument.WithSlowRequestThreshold(0), "slow request threshold"},
		{"unsorted buckets", instrument.WithDurationBuckets([]float64{1, 0.5}), "must increase"},
		{"empty size buckets", instrument.WithSizeBuckets(nil), "no boundaries"},
		{"native factor", instrument.WithNativeHistograms(0.5), "greater than 1"},
		{"max routes", instrument.WithMaxRoutes(0), "at least 1"},
		{"nil hook", instrument.WithHook(nil), "hook is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := instrument.New(prometheus.NewRegistry(), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := instrument.New(nil); err == nil {
		t.Error("nil registerer accepted")
	}
	reg := prometheus.NewRegistry()
	if _, err := instrument.New(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := instrument.New(reg); err == nil || !strings.Contains(err.Error(), "register") {
		t.Errorf("second registration on one registry: err = %v", err)
	}
}

func TestCardinalityRandomPaths(t *testing.T) {
	m, reg := newMiddleware(t)
	mx := http.NewServeMux()
	mx.HandleFunc("GET /api/items/{id}", func(http.ResponseWriter, *http.Request) {})
	h := m.Handler(mx)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		serve(h, "GET", fmt.Sprintf("/%x/%d?q=%d", rng.Uint64(), i, rng.IntN(1e6)))
	}
	serve(h, "GET", "/api/items/1")
	for name, mf := range families(t, reg) {
		for _, metric := range mf.GetMetric() {
			for _, lp := range metric.GetLabel() {
				if lp.GetName() == "http_route" && lp.GetValue() != "other" && lp.GetValue() != "/api/items/{id}" {
					t.Fatalf("%s has series %s", name, labelsOf(metric))
				}
			}
		}
	}
	if got := durationCounts(t, reg)["GET other 404"]; got != 10000 {
		t.Errorf("other/404 count %d, want 10000", got)
	}
}

func TestTemplatesWithPatternsShareSeries(t *testing.T) {
	m, reg := newMiddleware(t)
	r := mux.NewRouter()
	ok := func(http.ResponseWriter, *http.Request) {}
	r.HandleFunc("/items/{id:[0-9]+}", ok).Methods("GET")
	r.HandleFunc("/items/{id:[a-z]+}", ok).Methods("GET") // same label once normalised
	h := gorillamux.Handler(m, r)
	for _, p := range []string{"/items/1", "/items/abc", "/items/2"} {
		serve(h, "GET", p)
	}
	if got := durationCounts(t, reg); len(got) != 1 || got["GET /items/{id} 200"] != 3 {
		t.Errorf("recorded %v, want one series with 3 requests", got)
	}
}

func TestMaxRoutesBound(t *testing.T) {
	m, reg := newMiddleware(t, instrument.WithMaxRoutes(3), instrument.WithRouteFunc(func(r *http.Request) string {
		return r.URL.Path // a leaky router: raw paths as templates
	}))
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for i := 0; i < 50; i++ {
		serve(h, "GET", fmt.Sprintf("/p/%d", i))
	}
	got := durationCounts(t, reg)
	if len(got) != 4 || got["GET other 200"] != 47 {
		t.Errorf("recorded %v, want 3 routes and 47 requests in other", got)
	}
}

func TestActiveRequests(t *testing.T) {
	m, reg := newMiddleware(t)
	release := make(chan struct{})
	var started sync.WaitGroup
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		started.Done()
		<-release
	}))
	var done sync.WaitGroup
	for _, method := range []string{"GET", "GET", "POST"} {
		started.Add(1)
		done.Add(1)
		go func() { defer done.Done(); serve(h, method, "/") }()
	}
	started.Wait()
	if g, p := activeValue(t, reg, "GET"), activeValue(t, reg, "POST"); g != 2 || p != 1 {
		t.Errorf("in flight GET %v POST %v, want 2 and 1", g, p)
	}
	close(release)
	done.Wait()
	if g := activeValue(t, reg, "GET"); g != 0 {
		t.Errorf("in flight GET after completion %v, want 0", g)
	}
}

func TestConcurrentRequestsCountExactly(t *testing.T) {
	m, reg := newMiddleware(t)
	mx := http.NewServeMux()
	mx.HandleFunc("GET /a", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("a")) })
	mx.HandleFunc("GET /b/{x}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) })
	h := m.Handler(mx)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				serve(h, "GET", "/a")
				serve(h, "GET", fmt.Sprintf("/b/%d", i))
			}
		}()
	}
	wg.Wait()
	got := durationCounts(t, reg)
	if got["GET /a 200"] != 4000 || got["GET /b/{x} 503"] != 4000 || len(got) != 2 {
		t.Errorf("recorded %v, want 4000 each", got)
	}
}

func activeValue(t testing.TB, reg prometheus.Gatherer, method string) float64 {
	t.Helper()
	for _, metric := range families(t, reg)["http_server_active_requests"].GetMetric() {
		if labelsOf(metric) == "http_request_method="+method {
			return metric.GetGauge().GetValue()
		}
	}
	t.Fatalf("no active requests series for %s", method)
	return 0
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not met within 10s")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
