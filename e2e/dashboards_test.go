package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/perfwatch/perfwatch/dashboards"
)

// mayBeEmpty names the panels whose queries can rightly return nothing on a healthy demo,
// with the reason; every other query of every dashboard must return data.
var mayBeEmpty = map[string]string{
	"perfwatch-overview/Firing alerts by severity": "no alert fires on a healthy demo",
	"perfwatch-overview/Firing alerts":             "no alert fires on a healthy demo",
	"perfwatch-system/Time until full":             "lists only filesystems that are filling up",
}

// TestDashboardQueries runs every query of every dashboard against a real Prometheus
// that scrapes the demo application (with traffic) and perfwatch-exporter, the way
// Grafana would send it, and requires data from each. It also checks the demo's
// database findings: its N+1 listing is detected and the joined variant is not.
func TestDashboardQueries(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	logs := filepath.Join(env.dir, "dashboards")

	// The exporter watches the demo process, so the process panels have data.
	procCfg := filepath.Join(env.dir, "exporter-processes.yml")
	if err := os.WriteFile(procCfg, []byte("processes:\n  - name: perfwatch-demo\n    comm: ^perfwatch-demo$\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exporterAddr, demoAddr, adminAddr := testaddr.Must(t), testaddr.Must(t), testaddr.Must(t)
	exporter, err := start("exporter", logs, filepath.Join(env.bins, "perfwatch-exporter"),
		"--web.listen-address="+exporterAddr, "--config.file="+procCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(exporter.stop)
	demo, err := start("demo", logs, filepath.Join(env.bins, "perfwatch-demo"),
		"--web.app-listen-address="+demoAddr, "--web.listen-address="+adminAddr, "--load.rps=40",
		// Errors dashboard: a fault request (panic, database error, timeout, declined
		// payment, abandoned report) every quarter second, so that every kind of error,
		// the cancellations included, shows within the test's first seconds.
		"--load.fault-share=0.1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(demo.stop)
	for p, url := range map[*process]string{exporter: "http://" + exporterAddr + "/metrics", demo: "http://" + adminAddr + "/metrics"} {
		if err := p.waitHTTP(ctx, url); err != nil {
			t.Fatal(err)
		}
	}
	for job, addr := range map[string]string{"perfwatch-exporter": exporterAddr, "perfwatch-demo": adminAddr} {
		remove, err := env.prom.addTargets(job, addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(remove)
	}
	// ML insights dashboard: perfwatch-anomaly reads the shared Prometheus, which
	// scrapes it with honor_labels as prometheus.yml does.
	anomalyAddr := testaddr.Must(t)
	sidecar := startAnomaly(ctx, t, logs, "anomaly", anomalyAddr, env.prom.url, filepath.Join(logs, "anomaly-models"))
	t.Cleanup(sidecar.stop)
	removeAnomaly, err := env.prom.addHonorTargets("perfwatch-anomaly", anomalyAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeAnomaly)

	// Frontend dashboard: real page views of the demo's app in Chromium (vitals, API
	// calls, errors, navigation, resources, render times). Without chromium on a
	// developer's machine its panels may be empty; under CI a missing chromium fails.
	frontend := true
	if _, err := testtool.Find("CHROMIUM_BIN", "chromium", "apt-get install chromium"); err != nil && !testtool.CI() {
		t.Logf("the Frontend dashboard's queries may be empty: %v", err)
		frontend = false
	}
	if frontend {
		visitApp(ctx, t, demoAddr, 2)
	}

	// Wait until rates over the shortest window Grafana would use have data, from both
	// targets, including the slow and failing requests some panels are about
	// (demoTraffic, which the VictoriaMetrics test waits for too).
	for _, expr := range demoTraffic {
		if err := env.prom.waitForSeries(ctx, expr); err != nil {
			t.Fatal(err)
		}
	}

	// A regression for the Errors dashboard: resolve a group through the demo's errors
	// API; its next event reopens it.
	if err := resolveAGroup(ctx, "http://"+adminAddr); err != nil {
		t.Fatal(err)
	}
	if err := env.prom.waitForSeries(ctx, `perfwatch_error_regressions_total > 0`); err != nil {
		t.Fatal(err)
	}
	if frontend {
		// Every beacon of the visits has been scraped: the views' vitals, API calls,
		// errors, navigation phases, resources and render times.
		for _, expr := range []string{
			`perfwatch_web_vitals_lcp_seconds_count{instance="` + adminAddr + `"} >= 2`,
			`perfwatch_web_vitals_inp_seconds_count{instance="` + adminAddr + `"} >= 2`,
			`perfwatch_browser_render_duration_seconds_count{instance="` + adminAddr + `", name="ItemDetail"} >= 2`,
			`perfwatch_error_group_events_total{instance="` + adminAddr + `", source="browser"}`,
		} {
			if err := env.prom.waitForSeries(ctx, expr); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, expr := range anomalyResults {
		if err := env.prom.waitForSeries(ctx, expr); err != nil {
			t.Fatalf("%v (sidecar log %s)", err, sidecar.log)
		}
	}

	n1, _, _, err := env.prom.api.Query(ctx, `sum by (http_route) (perfwatch_db_n_plus_one_requests_total) > 0`, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := n1.String(); !strings.Contains(got, `http_route="/api/users/{id}/vault"`) || strings.Contains(got, `/vault/joined`) {
		t.Errorf("N+1 detections by route: %s; want the per-folder listing, not the joined one", got)
	}

	checked := 0
	for _, d := range dashboards.All() {
		for _, q := range dashboardQueries(t, d.File) {
			name := q.Dashboard + "/" + q.Panel
			expr := grafana.Expand(q.Expr)
			if _, err := parser.NewParser(parser.Options{}).ParseExpr(expr); err != nil {
				t.Errorf("%s %s: does not parse: %v\n%s", name, q.RefID, err, expr)
				continue
			}
			empty, err := queryEmpty(ctx, env.prom.api, expr, q.Instant)
			switch {
			case err != nil:
				t.Errorf("%s %s: %v\n%s", name, q.RefID, err, expr)
			case empty && mayBeEmpty[name] == "" && (frontend || q.Dashboard != "perfwatch-frontend"):
				t.Errorf("%s %s: no data\n%s", name, q.RefID, expr)
			}
			checked++
		}
	}
	if checked < 60 {
		t.Errorf("only %d queries checked", checked)
	}
	t.Logf("%d queries of %d dashboards returned data", checked, len(dashboards.All()))
	for name := range mayBeEmpty {
		if !strings.Contains(name, "/") {
			t.Errorf("bad mayBeEmpty key %q", name)
		}
	}
}

// queryEmpty runs expr as Grafana would: an instant query, or a range query over the
// last minute.
func queryEmpty(ctx context.Context, api v1.API, expr string, instant bool) (bool, error) {
	now := time.Now()
	if instant {
		v, _, _, err := api.Query(ctx, expr, now)
		return err == nil && isEmpty(v), err
	}
	v, _, _, err := api.QueryRange(ctx, expr, v1.Range{Start: now.Add(-time.Minute), End: now, Step: 2 * time.Second})
	return err == nil && isEmpty(v), err
}

// grafana is what the tests substitute for Grafana's variables: the shortest rate
// window Grafana would use at a 1 s scrape interval, and "All" for template variables.
var grafana = dashboards.Interpolation{RateInterval: 10 * time.Second, Interval: 2 * time.Second, Range: 2 * time.Minute}

// dashboardQueries reads the queries of one committed dashboard.
func dashboardQueries(t *testing.T, file string) []dashboards.Query {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "dashboards", file))
	if err != nil {
		t.Fatal(err)
	}
	queries, err := dashboards.Queries(raw)
	if err != nil {
		t.Fatal(err)
	}
	return queries
}

// panelQuery returns the expanded query of the panel with the given title, for tests
// that check a panel shows what they caused.
func panelQuery(t *testing.T, file, title string) string {
	t.Helper()
	for _, q := range dashboardQueries(t, file) {
		if q.Panel == title {
			return grafana.Expand(q.Expr)
		}
	}
	t.Fatalf("%s has no panel %q", file, title)
	return ""
}

// resolveAGroup resolves the demo's most frequent error group through its errors API.
func resolveAGroup(ctx context.Context, admin string) error {
	body, err := errorsGet(ctx, admin+"/api/errors/groups?sort=count&severity=high&limit=1")
	if err != nil {
		return fmt.Errorf("list error groups: %w", err)
	}
	var list struct {
		Groups []struct {
			ID string `json:"id"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Groups) == 0 {
		return fmt.Errorf("list error groups: %v: %s", err, body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, admin+"/api/errors/groups/"+list.Groups[0].ID+"/resolve", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("resolve error group: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("resolve error group %s: %s", list.Groups[0].ID, resp.Status)
	}
	return nil
}
