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
	if err := os.WriteFile(conf, []byte("projects:\n  - id: 7\n    name: shop\n    keys: [abc123]\n"), 0o600); err != nil {
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
	for _, want := range []string{
		`perfwatch_errors_ingest_items_total{result="accepted",type="event"} 1`,
		`source="python"`,
		`error_type="ZeroDivisionError"`,
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
	if len(groups) != 1 || groups[0].Type != "ZeroDivisionError" || groups[0].Source != "python" {
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
