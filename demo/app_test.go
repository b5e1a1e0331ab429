package demo

import (
	"context"
	"encoding/json"
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
)

func newTestServer(t *testing.T, cfg Config) (*httptest.Server, *prometheus.Registry) {
	t.Helper()
	_, st, err := OpenDB(context.Background(), filepath.Join(t.TempDir(), "vault.db"))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	mw, err := instrument.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Metrics, cfg.Logger = st, mw, slog.New(slog.DiscardHandler)
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
	srv, reg := newTestServer(t, Config{SlowMin: time.Millisecond, SlowMax: 2 * time.Millisecond})
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
		{"GET", "/api/items/99999", "", 404, "not found"},
		{"POST", "/api/items", `{"folder_id":2,"title":"bank","secret":"s3cr3t-value"}`, 201, `"title":"bank"`},
		{"POST", "/api/items", `{"folder_id":99999,"title":"x","secret":"y"}`, 404, "not found"},
		{"POST", "/api/items", `{"folder_id":1,"title":"x"}`, 400, "required"},
		{"POST", "/api/items", `{"folder_id":1,"title":"x","secret":"y","admin":true}`, 400, "unknown field"},
		{"POST", "/api/items", `not json`, 400, "invalid item"},
		{"GET", "/api/reports/activity", "", 200, `"user2@example.com":96`},
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
	srv, _ := newTestServer(t, Config{})
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
		srv, _ := newTestServer(t, Config{FailureRatio: tc.ratio})
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

func TestSlowEndpointLatency(t *testing.T) {
	srv, _ := newTestServer(t, Config{SlowMin: 150 * time.Millisecond, SlowMax: 200 * time.Millisecond})
	start := time.Now()
	if status, _ := do(t, "GET", srv.URL+"/api/reports/activity", ""); status != 200 {
		t.Fatalf("status %d", status)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("slow endpoint answered in %v, below its configured minimum", d)
	}
}
