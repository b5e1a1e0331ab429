package demo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// newTrackedServer runs the demo with error tracking as perfwatch-demo wires it: the
// tracker a Hook of the middleware, its recovery inside it, the logger wrapped.
func newTrackedServer(t *testing.T, cfg Config) (*httptest.Server, *errtrack.Tracker, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	tracker, err := errtrack.New(reg, errtrack.WithLogger(slog.New(slog.DiscardHandler)),
		errtrack.WithInAppPrefixes("github.com/perfwatch/perfwatch/demo"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(tracker.Handler(slog.DiscardHandler))
	dbm, err := sqlmon.NewDBMonitor(reg, sqlmon.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	caches, err := cachemon.NewCacheMonitor(reg)
	if err != nil {
		t.Fatal(err)
	}
	mw, err := instrument.New(reg, instrument.WithHook(dbm), instrument.WithHook(caches), instrument.WithHook(tracker))
	if err != nil {
		t.Fatal(err)
	}
	db, st, err := OpenDB(context.Background(), DBConfig{Path: filepath.Join(t.TempDir(), "vault.db"), Monitor: dbm})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Store, cfg.Metrics, cfg.Caches, cfg.Logger, cfg.Errors = st, mw, caches, logger, tracker
	srv := httptest.NewServer(NewHandler(cfg))
	t.Cleanup(srv.Close)
	return srv, tracker, reg
}

// TestFaultsFallIntoFewGroups sends each fault endpoint, failing every time, requests
// with ever different ids, and checks that each fault is one group of the expected
// type, route and severity, whatever ids its messages carried.
func TestFaultsFallIntoFewGroups(t *testing.T) {
	srv, tracker, reg := newTrackedServer(t, Config{FaultRatio: 1, SearchTimeout: 20 * time.Millisecond})
	type want struct {
		status   int
		typ      string
		severity errtrack.Severity
		message  string // a part of the normalised message
	}
	faults := map[string]want{
		"/api/items/{id}/preview": {500, "runtime.boundsError", errtrack.SeverityCritical, "index out of range"},
		"/api/users/{id}/audit":   {500, "*sqlite.Error", errtrack.SeverityHigh, "vault_audit_archive"},
		"/api/search":             {504, "context.deadlineExceededError", errtrack.SeverityHigh, "deadline exceeded"},
		"/api/checkout":           {502, "*demo.GatewayError", errtrack.SeverityHigh, "payment gateway declined order"},
	}
	for _, tg := range FaultMix() {
		if tg.Timeout > 0 {
			continue // the abandoned report: TestAbandonedRequestIsACancellation
		}
		for range 12 {
			status, body := do(t, tg.Method, srv.URL+tg.Path(), tg.Body)
			if status < 500 {
				t.Fatalf("%s: %d %s, want a failure", tg.Name, status, body)
			}
		}
	}
	groups := tracker.Groups(errtrack.Query{})
	if len(groups) != len(faults) {
		for _, g := range groups {
			t.Logf("group %s %s %q on %s: %d", g.ID, g.Type, g.Message, g.Route, g.Count)
		}
		t.Fatalf("%d groups, want one per fault (%d)", len(groups), len(faults))
	}
	for _, g := range groups {
		w, ok := faults[g.Route]
		if !ok {
			t.Errorf("group %s on unexpected route %q", g.ID, g.Route)
			continue
		}
		if g.Type != w.typ || g.Severity != w.severity || g.Count != 12 || !strings.Contains(g.Message, w.message) {
			t.Errorf("%s: group type %s severity %s count %d message %q; want %s, %s, 12, with %q",
				g.Route, g.Type, g.Severity, g.Count, g.Message, w.typ, w.severity, w.message)
		}
		if strings.ContainsAny(g.Message, "0123456789") && !strings.Contains(g.Message, "<") {
			t.Errorf("%s: message %q keeps its ids", g.Route, g.Message)
		}
		t.Logf("%s: group %s %s %q", g.Route, g.ID, g.Type, g.Message)
		d, _ := tracker.Group(g.ID)
		if d.Sample == nil || d.Sample.Request.Status != w.status {
			t.Errorf("%s: sample %+v, want status %d", g.Route, d.Sample, w.status)
		}
	}
	// The middleware records the panics as 500s of their route.
	if n := requestCount(t, reg, "/api/items/{id}/preview", "500"); n != 12 {
		t.Errorf("preview 500s recorded: %v, want 12", n)
	}
}

// requestCount returns the requests the middleware recorded for a route and status.
func requestCount(t *testing.T, reg *prometheus.Registry, route, status string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "http_server_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["http_route"] == route && l["http_response_status_code"] == status {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

// TestPanicAnswersEventID checks what a user sees when the preview panics: a 500 with
// an event id the group knows, never the panic's text, in JSON or HTML as asked.
func TestPanicAnswersEventID(t *testing.T) {
	srv, tracker, _ := newTrackedServer(t, Config{FaultRatio: 1})
	for _, accept := range []string{"application/json", "text/html"} {
		req := httptest.NewRequest("GET", srv.URL+"/api/items/3/preview", nil)
		req.RequestURI = ""
		req.Header.Set("Accept", accept)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode != 500 {
			t.Fatalf("%s: status %d, want 500", accept, resp.StatusCode)
		}
		for _, leak := range []string{"index out of range", "runtime error", "goroutine", "thumbnail"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: the answer gives away %q:\n%s", accept, leak, body)
			}
		}
		groups := tracker.Groups(errtrack.Query{Route: "/api/items/{id}/preview"})
		if len(groups) != 1 {
			t.Fatalf("%d groups for the preview", len(groups))
		}
		id := groups[0].Recent[0].ID
		if accept == "application/json" {
			var got struct {
				EventID string `json:"event_id"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || got.EventID != id {
				t.Errorf("JSON answer %s (%v), want event id %s", body, err, id)
			}
		} else if !strings.Contains(body, id) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("HTML answer lacks event id %s:\n%s", id, body)
		}
	}
}

// TestFaultRatio checks the fault endpoints answer normally when they are not to fail,
// and that a negative ratio switches the faults off.
func TestFaultRatio(t *testing.T) {
	srv, tracker, _ := newTrackedServer(t, Config{FaultRatio: -1})
	for _, tg := range FaultMix() {
		if tg.Timeout > 0 {
			continue
		}
		for range 5 {
			if status, body := do(t, tg.Method, srv.URL+tg.Path(), tg.Body); status != 200 {
				t.Errorf("%s: %d %s", tg.Name, status, body)
			}
		}
	}
	if gs := tracker.Groups(errtrack.Query{}); len(gs) != 0 {
		t.Errorf("%d error groups without faults: %+v", len(gs), gs)
	}
	srv, _, _ = newTrackedServer(t, Config{FaultRatio: 0.5})
	failed := 0
	for range 200 {
		if status, _ := do(t, "POST", srv.URL+"/api/checkout", "{}"); status >= 500 {
			failed++
		}
	}
	if failed < 60 || failed > 140 {
		t.Errorf("ratio 0.5: %d of 200 failed", failed)
	}
}

// TestParseFaultMix covers the fault mix's weights.
func TestParseFaultMix(t *testing.T) {
	mix, err := ParseFaultMix("preview=3, search=0")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range mix {
		if (tg.Name == FaultPanic && tg.Weight != 3) || (tg.Name == FaultTimeout && tg.Weight != 0) || (tg.Name == FaultDB && tg.Weight != 1) {
			t.Errorf("%s weight %d", tg.Name, tg.Weight)
		}
	}
	for _, bad := range []string{"item=1", "preview=-1", "preview=0,audit=0,search=0,checkout=0,abandon=0"} {
		if _, err := ParseFaultMix(bad); err == nil || !strings.Contains(err.Error(), "fault mix") {
			t.Errorf("ParseFaultMix(%q) err = %v", bad, err)
		}
	}
}

// TestAbandonedRequestIsACancellation gives up on the slow report as the generator's
// abandon target does: the tracker keeps a low-severity group and counts a
// cancellation, not an error of the service.
func TestAbandonedRequestIsACancellation(t *testing.T) {
	srv, tracker, reg := newTrackedServer(t, Config{SlowMin: 300 * time.Millisecond, SlowMax: 400 * time.Millisecond})
	var abandon Target
	for _, tg := range FaultMix() {
		if tg.Name == FaultAbandon {
			abandon = tg
		}
	}
	l := &Load{BaseURL: srv.URL, Client: srv.Client(), Logger: slog.New(slog.DiscardHandler)}
	for range 3 {
		l.send(context.Background(), abandon)
	}
	var groups []errtrack.Group
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if groups = tracker.Groups(errtrack.Query{}); len(groups) == 1 && groups[0].Count == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(groups) != 1 || groups[0].Count != 3 || groups[0].Severity != errtrack.SeverityLow ||
		groups[0].Route != "/api/reports/activity" {
		t.Fatalf("groups %+v, want one low-severity group of the report with 3 events", groups)
	}
	counts := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			counts[mf.GetName()] += m.GetCounter().GetValue()
		}
	}
	if counts["perfwatch_errors_canceled_total"] != 3 || counts["perfwatch_errors_total"] != 0 {
		t.Errorf("canceled %v, errors %v; want 3 and 0", counts["perfwatch_errors_canceled_total"], counts["perfwatch_errors_total"])
	}
}
