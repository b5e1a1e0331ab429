package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/perfwatch/perfwatch/dashboards"
	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// dashboardTarget is one query of a committed dashboard as Grafana would send it: its
// variables expanded (grafana), instant or over a range.
type dashboardTarget struct {
	Dashboard, Panel, RefID string
	Expr                    string
	Instant                 bool
}

// Name is the target's key in mayBeEmpty: dashboard uid and panel title.
func (q dashboardTarget) Name() string { return q.Dashboard + "/" + q.Panel }

// dashboardTargets enumerates every query of every dashboard, the way
// TestDashboardQueries runs them, failing t on one that does not parse as PromQL.
func dashboardTargets(t *testing.T) []dashboardTarget {
	t.Helper()
	var out []dashboardTarget
	for _, d := range dashboards.All() {
		for _, q := range dashboardQueries(t, d.File) {
			expr := grafana.Expand(q.Expr)
			if _, err := parser.NewParser(parser.Options{}).ParseExpr(expr); err != nil {
				t.Errorf("%s/%s %s: does not parse: %v\n%s", q.Dashboard, q.Panel, q.RefID, err, expr)
				continue
			}
			out = append(out, dashboardTarget{Dashboard: q.Dashboard, Panel: q.Panel, RefID: q.RefID, Expr: expr, Instant: q.Instant})
		}
	}
	return out
}

// demoStack is what the dashboards read, for a Prometheus of a test's own:
// perfwatch-exporter watching the demo's process, the demo application with traffic
// and faults, perfwatch-anomaly reading anomalyURL (Prometheus, or a store behind it)
// and scraped with honor_labels, the shared perfwatch-depscan, and the demo's app
// visited in Chromium. The flags are TestDashboardQueries's.
type demoStack struct {
	demoAddr, adminAddr, anomalyAddr string
	anomaly                          *process
	frontend                         bool // Chromium visited the app (it is missing only off CI)
}

// startDemoStack starts the stack, points prom at it, and waits until prom has the
// series that show each kind of traffic (demoTraffic), the error regression included.
func startDemoStack(ctx context.Context, t *testing.T, logs string, prom *prometheus, anomalyURL string) *demoStack {
	t.Helper()
	procCfg := filepath.Join(logs, "exporter-processes.yml")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(procCfg, []byte("processes:\n  - name: perfwatch-demo\n    comm: ^perfwatch-demo$\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &demoStack{demoAddr: testaddr.Must(t), adminAddr: testaddr.Must(t), anomalyAddr: testaddr.Must(t)}
	exporterAddr := testaddr.Must(t)
	exporter, err := start("exporter", logs, filepath.Join(env.bins, "perfwatch-exporter"),
		"--web.listen-address="+exporterAddr, "--config.file="+procCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(exporter.stop)
	demo, err := start("demo", logs, filepath.Join(env.bins, "perfwatch-demo"),
		"--web.app-listen-address="+s.demoAddr, "--web.listen-address="+s.adminAddr, "--load.rps=40", "--load.fault-share=0.1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(demo.stop)
	exporter.ready(ctx, t, "http://"+exporterAddr+"/metrics")
	demo.ready(ctx, t, "http://"+s.adminAddr+"/metrics")
	for job, addr := range map[string]string{"perfwatch-exporter": exporterAddr, "perfwatch-demo": s.adminAddr, "perfwatch-depscan": env.depscan.addr} {
		if _, err := prom.addTargets(job, addr); err != nil {
			t.Fatal(err)
		}
	}
	s.anomaly = startAnomaly(ctx, t, logs, "anomaly", s.anomalyAddr, anomalyURL, filepath.Join(logs, "anomaly-models"))
	t.Cleanup(s.anomaly.stop)
	if _, err := prom.addHonorTargets("perfwatch-anomaly", s.anomalyAddr); err != nil {
		t.Fatal(err)
	}
	s.frontend = true
	if _, err := testtool.Find("CHROMIUM_BIN", "chromium", "apt-get install chromium"); err != nil && !testtool.CI() {
		t.Logf("the Frontend dashboard's queries may be empty: %v", err)
		s.frontend = false
	}
	if s.frontend {
		visitApp(ctx, t, s.demoAddr, 2)
	}
	for _, expr := range demoTraffic {
		if err := prom.waitForSeries(ctx, expr); err != nil {
			t.Fatal(err)
		}
	}
	if s.frontend {
		// Every beacon of the visits has been scraped.
		for _, expr := range []string{
			`perfwatch_web_vitals_lcp_seconds_count{instance="` + s.adminAddr + `"} >= 2`,
			`perfwatch_web_vitals_inp_seconds_count{instance="` + s.adminAddr + `"} >= 2`,
			`perfwatch_browser_render_duration_seconds_count{instance="` + s.adminAddr + `", name="ItemDetail"} >= 2`,
			`perfwatch_error_group_events_total{instance="` + s.adminAddr + `", source="browser"}`,
		} {
			if err := prom.waitForSeries(ctx, expr); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := resolveAGroup(ctx, "http://"+s.adminAddr); err != nil {
		t.Fatal(err)
	}
	if err := prom.waitForSeries(ctx, `perfwatch_error_regressions_total > 0`); err != nil {
		t.Fatal(err)
	}
	return s
}

// demoTraffic are the series that show the demo's traffic has reached a Prometheus:
// rates over the shortest window Grafana would use, from every target, slow and failing
// requests, the database findings, the tracked faults and the scanner's findings.
// TestDashboardQueries and the VictoriaMetrics test wait for them.
var demoTraffic = []string{
	`rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[10s])`,
	`rate(http_server_request_duration_seconds_bucket{http_route="/api/reports/activity"}[10s])`,
	`rate(node_cpu_seconds_total[10s])`,
	`rate(perfwatch_process_cpu_seconds_total{name="perfwatch-demo"}[10s])`,
	`rate(perfwatch_db_n_plus_one_requests_total[10s]) > 0`,
	`rate(perfwatch_db_excessive_queries_total[10s])`,
	`rate(perfwatch_db_slow_queries_total[10s])`,
	`rate(perfwatch_error_group_events_total{severity="critical"}[10s])`,
	`rate(perfwatch_errors_canceled_total[10s])`,
	`perfwatch_dependency_vulnerabilities{job="perfwatch-depscan"}`,
}
