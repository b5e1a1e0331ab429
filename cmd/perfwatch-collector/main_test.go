package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/metricsdoc"
	"github.com/perfwatch/perfwatch/internal/testaddr"
)

func TestParseConfig(t *testing.T) {
	good := `
projects:
  - id: 7
    name: shop-django
    keys: [abc123, old_key]
  - id: "8"
    name: shop-web
    keys: [def456]
    allowed_origins: ["https://shop.example"]
max_compressed_bytes: 2097152
limits:
  max_event_bytes: 524288
`
	cfg, err := parseConfig([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RUM != nil {
		t.Errorf("rum section without one: %+v", cfg.RUM)
	}
	// The browser beacon ingest alone, or with the Sentry ingest.
	for _, y := range []string{"rum: {}\n", good + `
rum:
  allowed_origins: ["https://shop.example"]
  pages: ["/", "/items/{id}"]
  api_routes: ["/api/items/{id}"]
  measures: [ItemList]
  rate_limit: {per_client_per_second: 5, burst: 20, clients: 10000}
  trusted_proxies: [10.0.0.0/8, "::1"]
`} {
		c, err := parseConfig([]byte(y))
		if err != nil || c.RUM == nil {
			t.Errorf("parseConfig(%q) = %+v, %v", y, c, err)
		}
	}
	// The shipped demo configuration.
	shipped, err := loadConfig("../../perfwatch-collector.yml")
	if err != nil || shipped.RUM == nil || len(shipped.RUM.Pages) == 0 || len(shipped.Projects) == 0 {
		t.Errorf("perfwatch-collector.yml: %+v, %v", shipped, err)
	}
	if len(cfg.Projects) != 2 || cfg.Projects[0].ID != "7" || cfg.Projects[1].AllowedOrigins[0] != "https://shop.example" ||
		cfg.MaxCompressedBytes != 2<<20 || cfg.Limits.MaxEventBytes != 512<<10 {
		t.Errorf("config %+v", cfg)
	}
	for _, tt := range []struct{ yaml, want string }{
		{"", "empty file"},
		{"projects:\n  - id: 1\n    key: [a]\n", "field key not found"},
		{"project:\n  - id: 1\n", "field project not found"},
		{"projects:\n  - id: 1\n    keys: a\n", "projects[0].keys (line 3)"},
		{"projects:\n  - id: x1\n    keys: [a]\n", "projects[0].id"},
		{"projects:\n  - id: 1\n", "no keys"},
		{"projects:\n  - id: 1\n    keys: [a]\nmax_compressed_bytes: lots\n", "max_compressed_bytes (line 4)"},
		{"rum:\n  page: [/]\n", "field page not found"},
		{"rum:\n  pages: /\n", "rum.pages (line 2)"},
		{"rum:\n  rate_limit:\n    burst: many\n", "rum.rate_limit.burst (line 3)"},
		{"rum:\n  pages: [items]\n", "rum.pages[0]"},
		{"rum:\n  allowed_origins: [shop.example]\n", "rum.allowed_origins[0]"},
		{"rum:\n  trusted_proxies: [10.0.0.0/99]\n", "rum.trusted_proxies[0]"},
		{"max_compressed_bytes: 5\n", "no projects"},
	} {
		_, err := parseConfig([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseConfig(%q) = %v, want an error mentioning %q", tt.yaml, err, tt.want)
		}
	}
}

// TestRun: the collector takes a payload captured from python3-sentry-sdk on its
// ingest listener, exposes it on /metrics and the errors API, and saves its groups to
// the state file at shutdown.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "collector.yml")
	if err := os.WriteFile(conf, []byte("projects:\n  - id: 7\n    name: shop\n    keys: [abc123]\n"+
		"rum:\n  allowed_origins: [\"https://shop.example\"]\n  pages: [\"/items/{id}\"]\n  api_routes: [\"/api/items/{id}\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "errors.json")
	ingest, admin := testaddr.Must(t), testaddr.Must(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--config.file=" + conf, "--ingest.listen-address=" + ingest,
			"--web.listen-address=" + admin, "--errors.state-file=" + state, "--log.level=error"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if b, err := os.ReadFile(state); err != nil || !bytes.Contains(b, []byte("ZeroDivisionError")) {
			t.Errorf("state file: %v, %.200s", err, b)
		}
	}()
	waitUp(t, "http://"+admin+"/-/healthy")

	td := "../../instrument/errtrack/sentryingest/testdata/python-1.9.10-store-zerodivision"
	body, err := os.ReadFile(td + ".body")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "http://"+ingest+"/api/7/store/", bytes.NewReader(body))
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_key=abc123, sentry_version=7, sentry_client=sentry.python/1.9.10")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"7332d39070a74b6283d9fc0ca06ccfbf"`) {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}

	// A beacon from the snippet: its vitals, API call and JavaScript error.
	beacon := `{"v":1,"page":"/items/{id}","nav":"navigate","events":[{"t":"nav","ttfb":80},
{"t":"vital","name":"LCP","value":1800},{"t":"vital","name":"INP","value":120},{"t":"vital","name":"CLS","value":0.01},
{"t":"vital","name":"FCP","value":700},{"t":"vital","name":"TTFB","value":80},
{"t":"resource","initiator":"script","count":3,"bytes":5000,"duration":30},{"t":"measure","name":"ItemList","duration":4.5},
{"t":"api","method":"GET","route":"/api/items/{id}","status":200,"duration":42},
{"t":"error","type":"TypeError","message":"x is undefined","frames":[{"fn":"render","url":"https://shop.example/app.js?v=2","line":3}],"count":2}]}`
	req, _ = http.NewRequest("POST", "http://"+ingest+"/rum/v1/beacon", strings.NewReader(beacon))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Origin", "https://shop.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatalf("beacon: %d %v", resp.StatusCode, resp.Header)
	}
	req.Header.Set("Origin", "https://evil.example")
	req.Body = io.NopCloser(strings.NewReader(beacon))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("beacon from another origin: %v %v", resp.StatusCode, err)
	}
	for _, js := range []string{"/rum/perfwatch-rum.js", "/rum/perfwatch-rum.iife.js"} {
		resp, err := http.Get("http://" + ingest + js)
		if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
			t.Errorf("GET %s: %v %v", js, resp.StatusCode, err)
		}
		resp.Body.Close()
	}

	metrics := get(t, "http://"+admin+"/metrics")
	documented, err := metricsdoc.Section(metricsdoc.Path(), "Error collector")
	if err != nil {
		t.Fatal(err)
	}
	for name := range documented {
		if !strings.Contains(metrics, "\n"+name) {
			t.Errorf("%s is documented but not exposed", name)
		}
	}
	browser, err := metricsdoc.Section(metricsdoc.Path(), "Browser")
	if err != nil {
		t.Fatal(err)
	}
	for name := range browser {
		if !strings.Contains(metrics, "\n"+name) {
			t.Errorf("%s is documented but not exposed after a beacon of every event type", name)
		}
	}
	for _, line := range strings.Split(metrics, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, _, _ = strings.Cut(name, " ")
			if (strings.HasPrefix(name, "perfwatch_browser_") || strings.HasPrefix(name, "perfwatch_web_vitals_") ||
				strings.HasPrefix(name, "perfwatch_rum_")) && browser[name] == (metricsdoc.Row{}) {
				t.Errorf("%s is exposed but not documented in docs/metrics.md's Browser section", name)
			}
		}
	}
	for _, want := range []string{
		`perfwatch_errors_ingest_items_total{result="accepted",type="event"} 1`,
		`source="python"`,
		`error_type="ZeroDivisionError"`,
		"perfwatch_rum_beacons_total 1",
		`perfwatch_rum_beacons_rejected_total{reason="origin"} 1`,
		`perfwatch_browser_page_views_total{navigation_type="navigate",page="/items/{id}"} 1`,
		`perfwatch_web_vitals_lcp_seconds_bucket{page="/items/{id}",le="2"} 1`,
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/api/items/{id}"} 1`,
		`perfwatch_errors_total{error_type="TypeError",severity="medium",source="browser"} 2`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var groups []struct {
		Type   string `json:"type"`
		Source string `json:"source"`
	}
	raw := get(t, "http://"+admin+"/api/errors/groups")
	if err := json.Unmarshal([]byte(raw), &groups); err != nil {
		var wrapped struct {
			Groups []struct {
				Type   string `json:"type"`
				Source string `json:"source"`
			} `json:"groups"`
		}
		if err := json.Unmarshal([]byte(raw), &wrapped); err != nil {
			t.Fatalf("/api/errors/groups: %v: %.300s", err, raw)
		}
		groups = append(groups[:0], wrapped.Groups...)
	}
	if len(groups) != 2 || !hasGroup(groups, "ZeroDivisionError", "python") || !hasGroup(groups, "TypeError", "browser") {
		t.Errorf("groups %+v", groups)
	}
	// The ingest listener serves nothing of the admin's.
	if resp, err := http.Get("http://" + ingest + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Errorf("ingest /metrics: %v %v", resp.StatusCode, err)
	}
}

func waitUp(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not up", url)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func hasGroup(groups []struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}, typ, source string) bool {
	for _, g := range groups {
		if g.Type == typ && g.Source == source {
			return true
		}
	}
	return false
}
