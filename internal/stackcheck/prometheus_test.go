package stackcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	promconfig "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"

	"github.com/perfwatch/perfwatch/anomaly/promread"
	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// TestPrometheusBehindWebConfig starts a real Prometheus with the web configuration and
// certificate `make demo` writes, scraping itself with prometheus.yml's own job (https,
// basic_auth with the password file, the stack's CA), and checks that it refuses
// requests without the demo password, keeps its lifecycle and admin endpoints shut, and
// scrapes itself through all of it (up is 1).
func TestPrometheusBehindWebConfig(t *testing.T) {
	prom := testtool.Need(t, "prometheus", "apt-get install prometheus")
	testtool.Need(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	if out, err := exec.Command(filepath.Join(root, "scripts/demo.sh"), "prometheus-config", prom, dir).CombinedOutput(); err != nil {
		t.Fatalf("demo.sh prometheus-config: %v\n%s", err, out)
	}
	addr := testaddr.Must(t)

	// prometheus.yml's job for Prometheus itself, as the demo wrote it, at this address.
	var shipped struct {
		ScrapeConfigs []map[string]any `yaml:"scrape_configs"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &shipped); err != nil {
		t.Fatal(err)
	}
	var job map[string]any
	for _, sc := range shipped.ScrapeConfigs {
		if sc["job_name"] == "prometheus" {
			job = sc
		}
	}
	if job == nil {
		t.Fatal("prometheus.yml has no job prometheus")
	}
	job["scrape_interval"] = "1s"
	job["static_configs"] = []any{map[string]any{"targets": []string{addr}}}
	cfg, err := yaml.Marshal(map[string]any{"scrape_configs": []any{job}})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "test-prometheus.yml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}

	srv := startBehindWebConfig(t, "prometheus", prom, dir, addr, 60*time.Second,
		"--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"))
	password, get := srv.password, srv.call
	srv.checkStatuses(t, []statusCase{
		{"metrics without credentials", "GET", "/metrics", "", "", http.StatusUnauthorized},
		{"query with a wrong password", "GET", "/api/v1/query?query=up", demoUser, "wrong", http.StatusUnauthorized},
		{"reload without credentials", "POST", "/-/reload", "", "", http.StatusUnauthorized},
		{"reload with the password: no lifecycle API", "POST", "/-/reload", demoUser, password, http.StatusForbidden},
		{"quit with the password: no lifecycle API", "POST", "/-/quit", demoUser, password, http.StatusForbidden},
		{"metrics with the password", "GET", "/metrics", demoUser, password, http.StatusOK},
	})
	t.Run("admin API with the password: disabled", func(t *testing.T) {
		code, body := get("POST", "/api/v1/admin/tsdb/snapshot", demoUser, password)
		if code == http.StatusOK || !strings.Contains(string(body), "admin APIs disabled") {
			t.Errorf("snapshot: %d %s", code, body)
		}
	})
	t.Run("scrapes itself through TLS and basic auth", func(t *testing.T) {
		q := "/api/v1/query?query=" + url.QueryEscape(`up{job="prometheus"}`)
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(250 * time.Millisecond) {
			_, body := get("GET", q, demoUser, password)
			var r struct {
				Data struct {
					Result []struct {
						Value [2]any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			if json.Unmarshal(body, &r) == nil && len(r.Data.Result) == 1 && r.Data.Result[0].Value[1] == "1" {
				return
			}
			if time.Now().After(deadline) {
				_, targets := get("GET", "/api/v1/targets", demoUser, password)
				t.Fatalf("up is not 1: %s\ntargets: %s", body, targets)
			}
		}
	})
	t.Run("the anomaly sidecar reads it with anomaly-http.yml", func(t *testing.T) {
		// What perfwatch-anomaly --prometheus.http-config.file does with the file demo.sh wrote.
		cfg, _, err := promconfig.LoadHTTPConfigFile(filepath.Join(dir, "anomaly-http.yml"))
		if err != nil {
			t.Fatal(err)
		}
		rt, err := promconfig.NewRoundTripperFromConfig(*cfg, "perfwatch-anomaly")
		if err != nil {
			t.Fatal(err)
		}
		r, err := promread.NewFromAddress("https://"+addr, rt, promread.Options{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		end := time.Now()
		series, err := r.Read(ctx, "vector(1)", end.Add(-time.Minute), end, 10*time.Second)
		if err != nil || len(series) != 1 {
			t.Fatalf("read vector(1): %v, %v", series, err)
		}
	})
}

// stackClient is an HTTP client that trusts the stack's certificate at certPath.
func stackClient(t *testing.T, certPath string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", certPath)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
}

// call sends a request, with basic auth when user is set, and returns the status and
// body; a request that fails before an answer gives status 0.
func call(t *testing.T, hc *http.Client, method, url, user, pass string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // a body cut short still has its status
	return resp.StatusCode, body
}
