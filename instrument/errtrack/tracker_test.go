package errtrack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func newTracker(t *testing.T, opts ...errtrack.Option) (*errtrack.Tracker, *prometheus.Registry, *bytes.Buffer) {
	t.Helper()
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	opts = append([]errtrack.Option{errtrack.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}, opts...)
	tr, err := errtrack.New(reg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tr, reg, &logs
}

type notFoundError struct{ id int }

func (e *notFoundError) Error() string { return fmt.Sprintf("user %d not found", e.id) }

func loadUser(tr *errtrack.Tracker, id int) string {
	return tr.Report(context.Background(), fmt.Errorf("load profile: %w", &notFoundError{id}))
}

func otherSite(tr *errtrack.Tracker, id int) string {
	return tr.Report(context.Background(), fmt.Errorf("load profile: %w", &notFoundError{id}))
}

func TestReportGroups(t *testing.T) {
	tr, reg, logs := newTracker(t)
	ids := map[string]bool{}
	for i := range 25 {
		ids[loadUser(tr, 1000+i)] = true
	}
	if len(ids) != 25 {
		t.Errorf("event ids not unique: %d distinct of 25", len(ids))
	}
	otherSite(tr, 7)
	groups := tr.Groups(errtrack.Query{Sort: "count"})
	if len(groups) != 2 {
		t.Fatalf("got %d groups, want 2 (one per call site): %+v", len(groups), groups)
	}
	g := groups[0]
	if g.Count != 25 || g.Type != "*errtrack_test.notFoundError" || g.Message != "load profile: user <num> not found" ||
		g.Severity != errtrack.SeverityMedium || g.State != errtrack.StateUnresolved {
		t.Errorf("group = %+v", g)
	}
	if len(g.ID) != 16 {
		t.Errorf("group id %q: want 16 hex digits", g.ID)
	}
	if got := testutil.ToFloat64(counter(t, reg, "perfwatch_errors_total", "error_type", "*errtrack_test.notFoundError")); got != 26 {
		t.Errorf("perfwatch_errors_total = %v, want 26", got)
	}
	// Logged: the first of each group, then the 10th; not every repeat.
	if n := strings.Count(logs.String(), "new error group"); n != 2 {
		t.Errorf("logged %d new groups, want 2:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), `message="load profile: user 1000 not found" stack="github.com/perfwatch/perfwatch/instrument/errtrack_test.loadUser `) {
		t.Errorf("the new group's log line lacks its message or stack:\n%s", logs)
	}
	if n := strings.Count(logs.String(), "error repeated"); n != 1 {
		t.Errorf("logged %d repeats, want 1 (the 10th):\n%s", n, logs)
	}
	d, ok := tr.Group(g.ID)
	if !ok || d.Sample == nil || len(d.Sample.Frames) == 0 || len(d.Hourly) != 48 || len(d.Recent) != 10 {
		t.Fatalf("detail = %+v", d)
	}
	if f := d.Sample.Frames[0]; f.Function != "github.com/perfwatch/perfwatch/instrument/errtrack_test.loadUser" || !f.InApp {
		t.Errorf("innermost frame = %+v, want loadUser, in app", f)
	}
	var sum uint64
	for _, h := range d.Hourly {
		sum += h.Count
	}
	if sum != 25 {
		t.Errorf("hourly counts sum to %d, want 25", sum)
	}
}

// counter finds the one series of a family that has label=value.
func counter(t *testing.T, reg *prometheus.Registry, name, label, value string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	found := false
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			if label == "" {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
				found = true
			}
			for _, l := range m.Label {
				if l.GetName() == label && l.GetValue() == value {
					sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
					found = true
				}
			}
		}
	}
	if !found {
		t.Fatalf("no %s{%s=%q}", name, label, value)
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
	g.Set(sum)
	return g
}

func TestMiddlewareContextAndSeverity(t *testing.T) {
	tr, reg, _ := newTracker(t)
	mw, err := instrument.New(reg, instrument.WithHook(tr))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		tr.Report(r.Context(), errors.New("backend unavailable"))
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /soft/{id}", func(w http.ResponseWriter, r *http.Request) {
		tr.Report(r.Context(), errors.New("cache refill failed"))
	})
	mux.HandleFunc("GET /gone", func(w http.ResponseWriter, r *http.Request) {
		tr.Report(r.Context(), fmt.Errorf("stream: %w", context.Canceled))
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]int
		m["x"]++ //lint:ignore SA5000 the panic under test
	})
	srv := httptest.NewServer(mw.Handler(tr.Recover(mux)))
	defer srv.Close()
	for _, p := range []string{"/items/1", "/items/2", "/soft/3", "/gone", "/panic"} {
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
		req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if p == "/panic" {
			var page struct {
				EventID string `json:"event_id"`
			}
			if resp.StatusCode != 500 || json.Unmarshal(body, &page) != nil || len(page.EventID) != 32 || strings.Contains(string(body), "nil map") {
				t.Errorf("panic answered %d %q", resp.StatusCode, body)
			}
		}
	}
	bySeverity := map[string]errtrack.Group{}
	for _, g := range tr.Groups(errtrack.Query{}) {
		bySeverity[g.Severity.String()] = g
	}
	want := map[string]struct{ route, typ string }{
		"high":     {"/items/{id}", "error"},
		"medium":   {"/soft/{id}", "error"},
		"low":      {"/gone", "error"},
		"critical": {"/panic", "runtime.plainError"},
	}
	for sev, w := range want {
		g, ok := bySeverity[sev]
		if !ok {
			t.Errorf("no %s group: %+v", sev, bySeverity)
			continue
		}
		if g.Route != w.route || g.Type != w.typ {
			t.Errorf("%s group: route %q type %q, want %q %q", sev, g.Route, g.Type, w.route, w.typ)
		}
		d, _ := tr.Group(g.ID)
		if rc := d.Sample.Request; rc.UserAgent != "Chrome" || rc.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || rc.Method != "GET" {
			t.Errorf("%s context = %+v", sev, rc)
		}
	}
	if g := bySeverity["high"]; g.Count != 2 {
		t.Errorf("high group count %d, want 2", g.Count)
	}
	// The panic is still a request of its route, a 500.
	if got := testutil.ToFloat64(counter(t, reg, "perfwatch_errors_canceled_total", "source", "server")); got != 1 {
		t.Errorf("canceled = %v, want 1", got)
	}
	if got := testutil.ToFloat64(counter(t, reg, "perfwatch_errors_by_route_total", "http_route", "/items/{id}")); got != 2 {
		t.Errorf("by route = %v", got)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "http_server_request_duration_seconds" {
			continue
		}
		found := false
		for _, m := range mf.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["http_route"] == "/panic" && labels["http_response_status_code"] == "500" {
				found = true
			}
		}
		if !found {
			t.Errorf("the panicking request is not recorded as a 500 of its route")
		}
	}
}

func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "errors.json")
	tr, _, _ := newTracker(t, errtrack.WithStateFile(path))
	loadUser(tr, 1)
	id := tr.Groups(errtrack.Query{})[0].ID
	if err := tr.SetState(id, errtrack.StateResolved); err != nil {
		t.Fatal(err)
	}
	if err := tr.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr2, reg2, _ := newTracker(t, errtrack.WithStateFile(path))
	g, ok := tr2.Group(id)
	if !ok || g.State != errtrack.StateResolved || g.Count != 1 {
		t.Fatalf("restored %+v %v", g, ok)
	}
	loadUser(tr2, 2) // regression
	if g, _ := tr2.Group(id); g.State != errtrack.StateUnresolved || g.Regressions != 1 || g.Count != 2 {
		t.Errorf("after regression %+v", g)
	}
	if n, _ := testutil.GatherAndCount(reg2, "perfwatch_error_groups_new_total"); n != 0 {
		t.Errorf("a restored group counted as new")
	}

	// A corrupt file is moved aside, and tracking goes on.
	if err := os.WriteFile(path, []byte(`{"version":1,"groups":[{"id":`), 0o600); err != nil {
		t.Fatal(err)
	}
	tr3, reg3, logs := newTracker(t, errtrack.WithStateFile(path))
	if len(tr3.Groups(errtrack.Query{})) != 0 {
		t.Error("groups from a corrupt file")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("corrupt file still in place: %v", err)
	}
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) != 1 || !strings.Contains(logs.String(), "moved aside") {
		t.Errorf("moved aside: %v; logs:\n%s", aside, logs)
	}
	if got := testutil.ToFloat64(counter(t, reg3, "perfwatch_errors_state_load_failures_total", "", "")); got != 1 {
		t.Errorf("load failures %v", got)
	}
	loadUser(tr3, 3)
	if err := tr3.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
}
