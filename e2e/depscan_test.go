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

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/rules/rulegen"
)

// depscanFixtures are the projects and the OSV subset perfwatch-depscan scans
// (testdata/depscan/README.md).
const depscanFixtures = "testdata/depscan"

// depscanServer is a running `perfwatch-depscan serve` over a copy of the fixture
// projects, so that tests may change its lockfiles.
type depscanServer struct {
	*process
	addr     string
	projects string
}

// startDepscan copies the fixture projects into dir and serves them, rescanning 200 ms
// after a change; it returns once the first scan's metrics are served.
func startDepscan(ctx context.Context, bins, dir, name string) (*depscanServer, error) {
	projects := filepath.Join(dir, name+"-projects")
	if err := os.CopyFS(projects, os.DirFS(filepath.Join(depscanFixtures, "projects"))); err != nil {
		return nil, fmt.Errorf("copy depscan fixtures: %w", err)
	}
	addr, err := testaddr.Loopback()
	if err != nil {
		return nil, err
	}
	p, err := start(name, dir, filepath.Join(bins, "perfwatch-depscan"), "serve",
		"--web.listen-address="+addr, "--scan.dir="+projects, "--osv.db="+filepath.Join(depscanFixtures, "osv"),
		"--scan.debounce=200ms", "--log.level=debug",
		// Nothing from the network or this machine's module cache: the scores the
		// test expects must not depend on either.
		"--no-registry", "--no-licence.go", "--cache.dir="+filepath.Join(dir, name+"-cache"))
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.waitHTTP(wctx, "http://"+addr+"/api/v1/report"); err != nil {
		p.stop()
		return nil, err
	}
	return &depscanServer{process: p, addr: addr, projects: projects}, nil
}

// TestDepscan checks perfwatch-depscan end to end: the shared scanner's metrics reach
// Prometheus with the fixtures' findings and scores and its report names them; a
// lockfile change makes a second scanner rescan and count the new vulnerable pin; the
// shipped rules in their test profile fire on the findings, and the stale alert fires
// when a scanner's metrics vanish.
func TestDepscan(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	shared := env.depscan

	// The shared scanner's results in Prometheus.
	for _, expr := range []string{
		`perfwatch_dependency_vulnerabilities{job="perfwatch-depscan", project="worker", ecosystem="PyPI", severity="critical"} == 1`,
		`perfwatch_dependency_vulnerabilities{job="perfwatch-depscan", project="web", ecosystem="npm", severity="high"} == 1`,
		`perfwatch_dependency_vulnerabilities{job="perfwatch-depscan", project="api", ecosystem="Go", severity="unknown"} == 1`,
		`perfwatch_dependency_vulnerabilities{job="perfwatch-depscan", project="api", ecosystem="Go", severity="critical"} == 0`,
		`perfwatch_dependency_health_score{job="perfwatch-depscan", project="worker"} == 40`,
		`perfwatch_dependency_health_score{job="perfwatch-depscan", project="web"} == 60`,
		`perfwatch_dependency_outdated{job="perfwatch-depscan", project="web", level="unknown"} == 1`,
		`perfwatch_depscan_advisories{job="perfwatch-depscan"} == 4`,
		`perfwatch_depscan_scans_total{job="perfwatch-depscan", result="success"} >= 1`,
		`time() - perfwatch_depscan_last_success_timestamp_seconds{job="perfwatch-depscan"} < 600`,
	} {
		if err := env.prom.waitForSeries(ctx, expr); err != nil {
			t.Fatalf("%v (scanner log %s)", err, shared.log)
		}
	}
	report := getBody(ctx, t, "http://"+shared.addr+"/api/v1/report")
	for _, want := range []string{`"GHSA-p64x-8rxx-wf6q"`, `"GHSA-35jh-r3h4-6jhm"`, `"GO-2022-0969"`, `"fixed_in": "3.2.14"`} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %s", want)
		}
	}

	// A second scanner, scraped as its own job, whose lockfile the test changes.
	logs := filepath.Join(env.dir, "depscan")
	second, err := startDepscan(ctx, env.bins, logs, "depscan-rescan")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(second.stop)
	metricsURL := "http://" + second.addr + "/metrics"
	value := func(f map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
		v, _ := metricValue(f, name, labels)
		return v
	}
	goUnknown := map[string]string{"project": "api", "ecosystem": "Go", "severity": "unknown"}
	var scans float64
	waitMetrics(ctx, t, metricsURL, "the first scan", func(f map[string]*dto.MetricFamily) bool {
		scans = value(f, "perfwatch_depscan_scans_total", map[string]string{"result": "success"})
		return scans >= 1 && value(f, "perfwatch_dependency_vulnerabilities", goUnknown) == 1
	})
	gomod := filepath.Join(second.projects, "api", "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gomod, append(data, []byte("require golang.org/x/text v0.3.5\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	waitMetrics(ctx, t, metricsURL, "a rescan counting golang.org/x/text v0.3.5 (GO-2021-0113)", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "perfwatch_depscan_scans_total", map[string]string{"result": "success"}) > scans &&
			value(f, "perfwatch_dependency_vulnerabilities", goUnknown) == 2 &&
			value(f, "perfwatch_dependency_vulnerable_packages", map[string]string{"project": "api", "ecosystem": "Go"}) == 2
	})

	// The shipped rules in their test profile, over the shared scanner.
	remove, err := env.prom.addRules(ctx, "depscan", map[string][]byte{
		rulegen.RuleFileName("depscan"): testProfileRules(t)[rulegen.RuleFileName("depscan")],
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	waitAlert(ctx, t, "DependencyVulnerabilityNew", map[string]string{"job": "perfwatch-depscan", "project": "worker", "ecosystem": "PyPI", "vulnerability_severity": "critical", "severity": "high"})
	waitAlert(ctx, t, "DependencyVulnerabilityNew", map[string]string{"project": "web", "ecosystem": "npm", "vulnerability_severity": "high"})
	waitAlert(ctx, t, "DependencyHealthLow", map[string]string{"job": "perfwatch-depscan", "project": "worker", "severity": "low"})
	waitAlert(ctx, t, "DependencyHealthLow", map[string]string{"project": "web"})

	// The stale alert over the second scanner's job: its metrics vanish when
	// Prometheus stops scraping it.
	rc, err := rulegen.Load("../rules/config.yml")
	if err != nil {
		t.Fatal(err)
	}
	rc.Depscan.Selector = `job="perfwatch-depscan-rescan"`
	files, err := rc.WithTestProfile().RuleFiles()
	if err != nil {
		t.Fatal(err)
	}
	removeTarget, err := env.prom.addTargets("perfwatch-depscan-rescan", second.addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.prom.waitForSeries(ctx, `perfwatch_depscan_last_success_timestamp_seconds{job="perfwatch-depscan-rescan"}`); err != nil {
		t.Fatal(err)
	}
	removeStale, err := env.prom.addRules(ctx, "depscan-stale", map[string][]byte{rulegen.RuleFileName("depscan"): files[rulegen.RuleFileName("depscan")]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeStale)
	removeTarget()
	waitAlert(ctx, t, "DependencyScanStale", map[string]string{"job": "perfwatch-depscan-rescan", "severity": "low"})
}

// waitAlert polls the shared Prometheus until alert fires with labels among its own.
func waitAlert(ctx context.Context, t *testing.T, alert string, labels map[string]string) {
	t.Helper()
	var last string
	for {
		res, err := env.prom.api.Alerts(ctx)
		if err == nil {
			last = ""
			for _, a := range res.Alerts {
				if string(a.Labels["alertname"]) != alert {
					continue
				}
				last += fmt.Sprintf("%s %v\n", a.State, a.Labels)
				ok := a.State == "firing"
				for k, v := range labels {
					ok = ok && string(a.Labels[model.LabelName(k)]) == v
				}
				if ok {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s%v never fired (err %v); seen:\n%s", alert, labels, err, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func getBody(ctx context.Context, t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s %v", url, resp.Status, err)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: not JSON: %v", url, err)
	}
	return string(body)
}
