package e2e

import (
	"context"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// victoriaAlerts are the alerting scenarios that must fire on vmalert as they do on
// Prometheus: those the shared set-up drives (the depscan rules over the shared
// scanner's findings, as in TestDepscan) and those the demo's endpoints cause whatever
// its random traffic does (its N+1 listing, its critical faults). Every other alert
// that fires on Prometheus during the test is compared too, and a difference logged:
// the demo's random faults put some of them near their thresholds.
var victoriaAlerts = []string{
	"DependencyVulnerabilityNew/high",
	"DependencyHealthLow/low",
	"DBRouteNPlusOneQueries/medium",
	"ErrorCritical/critical",
}

// victoriaNotPortable names the dashboard targets that cannot return data on
// VictoriaMetrics although they do on Prometheus, with the reason; docs/scaling.md
// lists them. Every other target must return data on VictoriaMetrics where it does
// on Prometheus.
var victoriaNotPortable = map[string]string{}

// TestVictoriaMetrics runs the long-term storage layout end to end: a Prometheus of
// its own scrapes the demo's stack (the demo with traffic and faults, perfwatch-exporter,
// the shared perfwatch-depscan, Chromium visits) and remote-writes every sample to a
// real VictoriaMetrics; vmalert evaluates the generated rules (test profile) against
// VictoriaMetrics while Prometheus evaluates them too; perfwatch-anomaly reads
// VictoriaMetrics. Then:
//   - the sidecar scores series and predicts from VictoriaMetrics alone;
//   - every dashboard target returns data on VictoriaMetrics's Prometheus API where it
//     does on Prometheus (recorded series there are vmalert's own);
//   - every rule evaluates on vmalert without error;
//   - the alerting scenarios (victoriaAlerts) fire on vmalert as on Prometheus.
func TestVictoriaMetrics(t *testing.T) {
	// Its own processes, mostly waiting on gossip, evaluation and remote-write
	// intervals: it runs beside the other self-contained tests, after the shared ones.
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	logs := filepath.Join(env.dir, "victoria")
	began := time.Now()
	vm := startVictoria(ctx, t, logs, "victoria-metrics", filepath.Join(logs, "victoria-data"), testaddr.Must(t))
	t.Cleanup(func() { vm.stop() })
	prom, err := startPrometheusRemote(ctx, env.promBin, filepath.Join(logs, "prometheus"), testaddr.Must(t), vm.writeURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.stop() })
	rules := testProfileRules(t)
	if _, err := prom.addRules(ctx, "victoria", rules); err != nil {
		t.Fatal(err)
	}
	alerter := startVMAlert(ctx, t, logs, vm, testaddr.Must(t), rules)
	t.Cleanup(alerter.stop)
	stack := startDemoStack(ctx, t, logs, prom, vm.url)

	// The sidecar read VictoriaMetrics: its results (scraped by Prometheus, written on to
	// VictoriaMetrics) are there, and none of its queries failed.
	for _, expr := range anomalyResults {
		if err := vm.waitForSeries(ctx, expr); err != nil {
			t.Fatalf("anomaly sidecar on VictoriaMetrics: %v (sidecar log %s)", err, stack.anomaly.log)
		}
	}
	fams, err := scrape(ctx, "http://"+stack.anomalyAddr+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := metricValue(fams, "perfwatch_anomaly_query_errors_total", nil); v != 0 {
		t.Errorf("anomaly sidecar: %v queries to VictoriaMetrics failed; see %s", v, stack.anomaly.log)
	}

	// A fresh visit, so that the Frontend dashboard's rates over the last minute are not
	// all zero (and its ratios NaN) by the time they are compared.
	if stack.frontend {
		visitApp(ctx, t, stack.demoAddr, 1)
		if err := vm.waitForSeries(ctx, `perfwatch_web_vitals_lcp_seconds_count{instance="`+stack.adminAddr+`"} >= 3`); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%.0f s to the stack's series and the sidecar's results in VictoriaMetrics", time.Since(began).Seconds())
	t.Run("dashboards", func(t *testing.T) { victoriaDashboards(ctx, t, prom, vm, stack.frontend) })
	t.Run("rules", func(t *testing.T) { victoriaRules(ctx, t, alerter, rules) })
	t.Run("alerts", func(t *testing.T) { victoriaAlerting(ctx, t, prom, alerter) })
}

// victoriaDashboards runs every dashboard target on Prometheus and on VictoriaMetrics
// and requires data from VictoriaMetrics wherever Prometheus has some. A target empty
// on VictoriaMetrics is tried again for half a minute: recorded series there come from
// vmalert, a second or two behind Prometheus's.
func victoriaDashboards(ctx context.Context, t *testing.T, prom *prometheus, vm *victoria, frontend bool) {
	targets := dashboardTargets(t)
	problem := func(q dashboardTarget) string {
		promEmpty, perr := queryNoNumber(ctx, prom.api, q.Expr, q.Instant)
		vmEmpty, verr := queryNoNumber(ctx, vm.api, q.Expr, q.Instant)
		switch {
		case verr != nil:
			return fmt.Sprintf("VictoriaMetrics: %v", verr)
		case perr != nil:
			return fmt.Sprintf("Prometheus: %v", perr)
		case !promEmpty && vmEmpty:
			return "no data on VictoriaMetrics, data on Prometheus"
		case promEmpty && mayBeEmpty[q.Name()] == "" && (frontend || q.Dashboard != "perfwatch-frontend"):
			return "no data on Prometheus either"
		}
		return ""
	}
	failing := map[int]string{}
	for i, q := range targets {
		if p := problem(q); p != "" {
			failing[i] = p
		}
	}
	eventually(30*time.Second, func() bool {
		for i := range failing {
			if p := problem(targets[i]); p == "" {
				delete(failing, i)
			} else {
				failing[i] = p
			}
		}
		return len(failing) == 0
	})
	for _, i := range slices.Sorted(maps.Keys(failing)) {
		q := targets[i]
		if why := victoriaNotPortable[q.Name()]; why != "" {
			t.Logf("%s %s: %s (known: %s)", q.Name(), q.RefID, failing[i], why)
			continue
		}
		t.Errorf("%s %s: %s\n%s", q.Name(), q.RefID, failing[i], q.Expr)
	}
	if len(targets) < 60 {
		t.Errorf("only %d dashboard targets", len(targets))
	}
	t.Logf("%d dashboard targets compared, %d differ", len(targets), len(failing))
}

// queryNoNumber runs expr as Grafana would (queryEmpty) and tells whether its result
// holds no sample other than NaN. Prometheus returns NaN where a ratio is 0/0 or a
// quantile has no observations in its window; VictoriaMetrics leaves such points out
// (docs/scaling.md). Grafana draws neither, so both count as no data.
func queryNoNumber(ctx context.Context, api v1.API, expr string, instant bool) (bool, error) {
	now := time.Now()
	var v model.Value
	var err error
	if instant {
		v, _, _, err = api.Query(ctx, expr, now)
	} else {
		v, _, _, err = api.QueryRange(ctx, expr, v1.Range{Start: now.Add(-time.Minute), End: now, Step: 2 * time.Second})
	}
	if err != nil {
		return false, err
	}
	number := func(f model.SampleValue) bool { return !math.IsNaN(float64(f)) }
	switch r := v.(type) {
	case model.Vector:
		for _, s := range r {
			if s.Histogram != nil || number(s.Value) {
				return false, nil
			}
		}
		return true, nil
	case model.Matrix:
		for _, s := range r {
			if len(s.Histograms) > 0 {
				return false, nil
			}
			for _, p := range s.Values {
				if number(p.Value) {
					return false, nil
				}
			}
		}
		return true, nil
	}
	return isEmpty(v), nil
}

// victoriaRules requires every rule of the generated files to be loaded by vmalert and
// to have evaluated, healthy and without error.
func victoriaRules(ctx context.Context, t *testing.T, alerter *vmalert, files map[string][]byte) {
	want := map[string]int{} // group → rules
	for name, data := range files {
		var file struct {
			Groups []struct {
				Name  string           `yaml:"name"`
				Rules []map[string]any `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(data, &file); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range file.Groups {
			want[g.Name] += len(g.Rules)
		}
	}
	var got map[string][]vmalertRule
	// Every rule has been evaluated at least once.
	if !eventually(30*time.Second, func() bool {
		var err error
		if got, err = alerter.rules(ctx); err != nil {
			return false
		}
		for _, rs := range got {
			for _, r := range rs {
				if r.LastEvaluation.IsZero() || r.LastEvaluation.Year() < 2000 {
					return false
				}
			}
		}
		return len(got) == len(want)
	}) {
		t.Logf("vmalert's groups are not all evaluated after 30 s; see %s", alerter.log)
	}
	n := 0
	for g, count := range want {
		if len(got[g]) != count {
			t.Errorf("group %s: vmalert has %d rules, the file %d", g, len(got[g]), count)
		}
		for _, r := range got[g] {
			n++
			switch {
			case r.Health != "ok" || r.LastError != "":
				t.Errorf("%s %s %q: health %q, last error %q\n%s", g, r.Type, r.Name, r.Health, r.LastError, r.Query)
			case r.LastEvaluation.Year() < 2000:
				t.Errorf("%s %s %q: never evaluated", g, r.Type, r.Name)
			}
		}
	}
	t.Logf("%d rules in %d groups evaluated on vmalert", n, len(got))
}

// victoriaAlerting watches the alerts firing on Prometheus and on vmalert, keyed by
// name and severity, until every one seen on Prometheus has been seen on vmalert (and
// the scenarios of victoriaAlerts on both), for at most a minute.
func victoriaAlerting(ctx context.Context, t *testing.T, prom *prometheus, alerter *vmalert) {
	onProm, onVM := map[string]bool{}, map[string]bool{}
	watch := func() bool {
		if res, err := prom.api.Alerts(ctx); err == nil {
			for _, a := range res.Alerts {
				if a.State == "firing" {
					onProm[string(a.Labels["alertname"])+"/"+string(a.Labels["severity"])] = true
				}
			}
		}
		if as, err := alerter.alerts(ctx); err == nil {
			for _, a := range as {
				if a.State == "firing" {
					onVM[a.Name+"/"+a.Labels["severity"]] = true
				}
			}
		}
		for _, k := range victoriaAlerts {
			if !onProm[k] || !onVM[k] {
				return false
			}
		}
		for k := range onProm {
			if !onVM[k] {
				return false
			}
		}
		return true
	}
	eventually(time.Minute, watch)
	for _, k := range victoriaAlerts {
		switch {
		case !onProm[k]:
			t.Errorf("%s never fired on Prometheus", k)
		case !onVM[k]:
			t.Errorf("%s fired on Prometheus, never on vmalert; see %s", k, alerter.log)
		}
	}
	var others []string
	for k := range onProm {
		if !onVM[k] && !slices.Contains(victoriaAlerts, k) {
			others = append(others, k)
		}
	}
	slices.Sort(others)
	if len(others) > 0 {
		t.Logf("fired on Prometheus, not (yet) on vmalert: %s", strings.Join(others, ", "))
	}
	t.Logf("fired on Prometheus: %s", strings.Join(slices.Sorted(maps.Keys(onProm)), ", "))
	t.Logf("fired on vmalert: %s", strings.Join(slices.Sorted(maps.Keys(onVM)), ", "))
}
