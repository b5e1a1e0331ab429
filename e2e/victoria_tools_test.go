package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

// victoriaVersion is the VictoriaMetrics release the tests run; .ci/run and `make
// victoriametrics` install its victoria-metrics and vmalert into .cache/bin.
const victoriaVersion = "v1.151.0"

// victoriaRetention is VictoriaMetrics's -retentionPeriod in the tests: its minimum, so
// that TestVictoriaRestart can show a sample older than the retention refused.
// docs/scaling.md gives the values for real use.
const victoriaRetention = "1d"

// victoriaTool returns the path of one of VictoriaMetrics's programs (victoria-metrics,
// vmalert): the one env names, else the one in PATH, else the one `make
// victoriametrics` installed into the repository's .cache/bin (where .ci/run puts it,
// as it does staticcheck). When none is there it fails t under CI and skips it
// elsewhere.
func victoriaTool(t *testing.T, env, name string) string {
	t.Helper()
	hint := "make victoriametrics, or go install github.com/VictoriaMetrics/VictoriaMetrics/app/" + name + "@" + victoriaVersion
	if os.Getenv(env) == "" {
		if _, err := testtool.Find("", name, ""); err != nil {
			if p, err := filepath.Abs(filepath.Join("..", ".cache", "bin", name)); err == nil {
				if _, err := os.Stat(p); err == nil {
					name = p
				}
			}
		}
	}
	return testtool.NeedEnv(t, env, name, hint)
}

// victoria is a single-node VictoriaMetrics. Its Prometheus querying API is queried with
// client_golang like Prometheus's; Prometheus remote-writes to writeURL.
type victoria struct {
	*process
	bin, dataDir, addr, url string
	api                     v1.API
}

// writeURL is VictoriaMetrics's Prometheus remote write endpoint.
func (v *victoria) writeURL() string { return v.url + "/api/v1/write" }

// startVictoria starts VictoriaMetrics on addr with its data in dataDir (started again
// on the same two, it is the same store after a restart), and waits until it is healthy.
func startVictoria(ctx context.Context, t *testing.T, logs, name, dataDir, addr string) *victoria {
	t.Helper()
	bin := victoriaTool(t, "VICTORIA_METRICS_BIN", "victoria-metrics")
	return startVictoriaBin(ctx, t, bin, logs, name, dataDir, addr)
}

func startVictoriaBin(ctx context.Context, t *testing.T, bin, logs, name, dataDir, addr string) *victoria {
	t.Helper()
	p, err := start(name, logs, bin,
		"-storageDataPath="+dataDir,
		"-httpListenAddr="+addr,
		"-retentionPeriod="+victoriaRetention,
		// Samples are visible to queries as soon as they arrive instead of 30 s after, and
		// no response is served from the rollup cache: tests query what just arrived.
		// perfwatch-anomaly needs the offset at 0: it reads ranges ending now (its
		// recommendations' evidence a range of one point at now), which VictoriaMetrics
		// cuts to now minus the offset, so with any offset they come back empty
		// (docs/scaling.md). vmalert's -rule.evalDelay matches the offset, as
		// VictoriaMetrics advises.
		"-search.latencyOffset=0s",
		"-search.disableCache",
		"-loggerLevel=WARN",
	)
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr
	p.ready(ctx, t, url+"/health")
	client, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		p.stop()
		t.Fatalf("victoriametrics client: %v", err)
	}
	return &victoria{process: p, bin: bin, dataDir: dataDir, addr: addr, url: url, api: v1.NewAPI(client)}
}

// startAgain starts a stopped VictoriaMetrics (stop sends SIGTERM: it flushes what it
// holds) again on the same data and address.
func (v *victoria) startAgain(ctx context.Context, t *testing.T, logs, name string) {
	t.Helper()
	*v = *startVictoriaBin(ctx, t, v.bin, logs, name, v.dataDir, v.addr)
}

// flush makes what VictoriaMetrics received searchable now rather than within seconds.
func (v *victoria) flush(ctx context.Context, t *testing.T) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.url+"/internal/force_flush", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("victoriametrics force_flush: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("victoriametrics force_flush: %s", resp.Status)
	}
}

// waitForSeries polls until expr has a result on VictoriaMetrics, or ctx ends.
func (v *victoria) waitForSeries(ctx context.Context, expr string) error {
	return (&prometheus{api: v.api}).waitForSeries(ctx, expr)
}

// vmalert is vmalert evaluating rule files against VictoriaMetrics: it queries it,
// writes recording rules' results and alerts' state (ALERTS, ALERTS_FOR_STATE) back
// into it, and keeps its alerts to itself (-notifier.blackhole).
type vmalert struct {
	*process
	url string
}

// startVMAlert writes the rule files (name → content) into logs and starts vmalert on
// them against vm, evaluating every group at its own interval.
func startVMAlert(ctx context.Context, t *testing.T, logs string, vm *victoria, addr string, files map[string][]byte) *vmalert {
	t.Helper()
	bin := victoriaTool(t, "VMALERT_BIN", "vmalert")
	dir := filepath.Join(logs, "vmalert-rules")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := start("vmalert", logs, bin,
		"-rule="+filepath.Join(dir, "*.yml"),
		"-datasource.url="+vm.url,
		"-remoteWrite.url="+vm.url,
		"-remoteWrite.flushInterval=500ms",
		"-remoteRead.url="+vm.url,
		"-notifier.blackhole",
		"-evaluationInterval=1s",
		"-rule.evalDelay=0s",
		"-httpListenAddr="+addr,
		"-external.url=http://"+addr,
		"-loggerLevel=WARN",
	)
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr
	p.ready(ctx, t, url+"/health")
	return &vmalert{process: p, url: url}
}

// vmalertRule is one rule as vmalert's /api/v1/rules shows it.
type vmalertRule struct {
	Name           string    `json:"name"`
	Type           string    `json:"type"`
	Query          string    `json:"query"`
	Health         string    `json:"health"`
	LastError      string    `json:"lastError"`
	LastEvaluation time.Time `json:"lastEvaluation"`
	State          string    `json:"state"`
}

// rules returns vmalert's rules by group.
func (a *vmalert) rules(ctx context.Context) (map[string][]vmalertRule, error) {
	var body struct {
		Data struct {
			Groups []struct {
				Name  string        `json:"name"`
				Rules []vmalertRule `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := getJSON(ctx, a.url+"/api/v1/rules", &body); err != nil {
		return nil, err
	}
	out := map[string][]vmalertRule{}
	for _, g := range body.Data.Groups {
		out[g.Name] = append(out[g.Name], g.Rules...)
	}
	return out, nil
}

// vmalertAlert is one alert as vmalert's /api/v1/alerts shows it.
type vmalertAlert struct {
	Name   string            `json:"name"`
	State  string            `json:"state"`
	Labels map[string]string `json:"labels"`
}

// alerts returns vmalert's pending and firing alerts.
func (a *vmalert) alerts(ctx context.Context) ([]vmalertAlert, error) {
	var body struct {
		Data struct {
			Alerts []vmalertAlert `json:"alerts"`
		} `json:"data"`
	}
	if err := getJSON(ctx, a.url+"/api/v1/alerts", &body); err != nil {
		return nil, err
	}
	return body.Data.Alerts, nil
}

// getJSON decodes url's JSON answer into v.
func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	return nil
}
