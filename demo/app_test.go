package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// newTestServer runs the demo as perfwatch-demo wires it, on a database in a temporary
// folder with the given per-statement latency.
func newTestServer(t *testing.T, cfg Config, latency time.Duration) (*httptest.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logger := slog.New(slog.DiscardHandler)
	dbm, err := sqlmon.NewDBMonitor(reg, sqlmon.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	caches, err := cachemon.NewCacheMonitor(reg)
	if err != nil {
		t.Fatal(err)
	}
	mw, err := instrument.New(reg, instrument.WithHook(dbm), instrument.WithHook(caches))
	if err != nil {
		t.Fatal(err)
	}
	db, st, err := OpenDB(context.Background(), DBConfig{Path: filepath.Join(t.TempDir(), "vault.db"), Latency: latency, Monitor: dbm})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Store, cfg.Metrics, cfg.Caches, cfg.Logger = st, mw, caches, logger
	srv := httptest.NewServer(NewHandler(cfg))
	t.Cleanup(srv.Close)
	return srv, reg
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	srv, reg := newTestServer(t, Config{SlowMin: time.Millisecond, SlowMax: 2 * time.Millisecond}, 0)
	for _, tc := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"GET", "/", "", 200, "perfwatch demo vault"},
		{"GET", "/api/users/3", "", 200, `"email":"user3@example.com"`},
		{"GET", "/api/users/999", "", 404, "not found"},
		{"GET", "/api/users/1/folders", "", 200, `"name":"Folder 12"`},
		{"GET", "/api/items/5", "", 200, `"title":"Login 5"`},
		{"GET", "/api/users/2/export", "", 200, `"title":"Login 8"`},
		{"GET", "/api/items/99999", "", 404, "not found"},
		{"POST", "/api/items", `{"folder_id":2,"title":"bank","secret":"s3cr3t-value"}`, 201, `"title":"bank"`},
		{"POST", "/api/items", `{"folder_id":99999,"title":"x","secret":"y"}`, 404, "not found"},
		{"POST", "/api/items", `{"folder_id":1,"title":"x"}`, 400, "required"},
		{"POST", "/api/items", `{"folder_id":1,"title":"x","secret":"y","admin":true}`, 400, "unknown field"},
		{"POST", "/api/items", `not json`, 400, "invalid item"},
		{"GET", "/api/nope", "", 404, "no such endpoint"},
		{"POST", "/", "", 405, "method not allowed"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			status, body := do(t, tc.method, srv.URL+tc.path, tc.body)
			if status != tc.status || !strings.Contains(body, tc.contains) {
				t.Errorf("%d %s; want %d containing %q", status, body, tc.status, tc.contains)
			}
			if strings.Contains(body, "s3cr3t") {
				t.Error("a secret came back in a response")
			}
		})
	}
	// Unmatched requests are measured too, as route "other".
	n := testutil.CollectAndCount(reg, "http_server_request_duration_seconds")
	if n < 8 {
		t.Errorf("%d duration series, want one per route and status", n)
	}
}

func TestVaultVariantsAgree(t *testing.T) {
	srv, _ := newTestServer(t, Config{}, 0)
	_, naive := do(t, "GET", srv.URL+"/api/users/4/vault", "")
	_, joined := do(t, "GET", srv.URL+"/api/users/4/vault/joined", "")
	var a, b []Folder
	if err := json.Unmarshal([]byte(naive), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(joined), &b); err != nil {
		t.Fatal(err)
	}
	if len(a) != seedFoldersPerUser || len(a[0].Items) != seedItemsPerFolder {
		t.Fatalf("N+1 variant returned %d folders", len(a))
	}
	if naive != joined {
		t.Errorf("the two vault variants differ:\n%s\n%s", naive, joined)
	}
}

func TestSyncFailureRatio(t *testing.T) {
	for _, tc := range []struct {
		ratio    float64
		min, max int // failures out of 200
	}{{1, 200, 200}, {0.000001, 0, 2}, {0.5, 60, 140}} {
		srv, _ := newTestServer(t, Config{FailureRatio: tc.ratio}, 0)
		failed := 0
		for i := 0; i < 200; i++ {
			if status, _ := do(t, "POST", srv.URL+"/api/sync", ""); status >= 500 {
				failed++
			}
		}
		if failed < tc.min || failed > tc.max {
			t.Errorf("ratio %v: %d of 200 failed, want %d to %d", tc.ratio, failed, tc.min, tc.max)
		}
	}
}

// TestSlowEndpointLatency covers the report, whose self-join is slow on purpose (and
// very slow under the race detector, hence only here).
func TestSlowEndpointLatency(t *testing.T) {
	srv, _ := newTestServer(t, Config{SlowMin: 150 * time.Millisecond, SlowMax: 200 * time.Millisecond}, 0)
	start := time.Now()
	// Every seeded login shares its title and user name with one in each other folder.
	if status, body := do(t, "GET", srv.URL+"/api/reports/activity", ""); status != 200 || !strings.Contains(body, `"user2@example.com":96`) {
		t.Fatalf("%d %s", status, body)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("slow endpoint answered in %v, below its configured minimum", d)
	}
}

// TestNPlusOneDetected checks what the demo is for: with a realistic round trip per
// statement, the vault listing that runs one query per folder is flagged as an N+1 and
// the joined variant is not; the export, with two patterns of one summary (a query per
// folder, then one per item), counts once; the user cache shows hits after the first
// look-up.
func TestNPlusOneDetected(t *testing.T) {
	srv, reg := newTestServer(t, Config{}, 5*time.Millisecond)
	for _, p := range []string{"/api/users/2/vault", "/api/users/2/vault/joined", "/api/users/2/export", "/api/users/3", "/api/users/3", "/api/users/3"} {
		if status, body := do(t, "GET", srv.URL+p, ""); status != 200 {
			t.Fatalf("%s: %d %s", p, status, body)
		}
	}
	n1, patterns := map[string]float64{}, map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	cache := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetName() {
			case "perfwatch_db_n_plus_one_requests_total":
				if v := m.GetCounter().GetValue(); v != 0 {
					n1[l["http_route"]] += v
				}
			case "perfwatch_db_n_plus_one_patterns_total":
				if v := m.GetCounter().GetValue(); v != 0 {
					patterns[l["db_query_summary"]] += v
				}
			case "perfwatch_cache_requests_total":
				cache[l["cache"]+" "+l["result"]] += m.GetCounter().GetValue()
			}
		}
	}
	if fmt.Sprint(n1) != "map[/api/users/{id}/export:1 /api/users/{id}/vault:1]" {
		t.Errorf("N+1 requests %v, want one on the naive vault listing and one on the export", n1)
	}
	if fmt.Sprint(patterns) != "map[SELECT vault_items:2]" {
		t.Errorf("N+1 patterns %v, want SELECT vault_items once per request", patterns)
	}
	if cache["users hit"] != 2 || cache["users miss"] != 1 {
		t.Errorf("user cache %v, want 1 miss then 2 hits", cache)
	}
}
