package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/perfwatch/perfwatch/dashboards"
	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// Jobs of TestBackends's applications in the shared Prometheus.
const (
	djangoAppJob  = "django-shop"
	nodeAppJob    = "node-shop"        // OpenTelemetry JS 0.223, scraped as docs/backends.md says
	nodeLegacyJob = "node-shop-legacy" // OpenTelemetry JS 0.220, old conventions (ms)
	demoJob       = "perfwatch-demo"
)

// The sources, as docs/backends.md names them.
const (
	srcDjango     = "django-prometheus"
	srcOTelJS     = "OpenTelemetry JS"
	srcOTelLegacy = "OpenTelemetry JS, old conventions"
	srcInstrument = "perfwatch instrument"
)

// backendDashboards are the dashboards the end-to-end checks are about.
var backendDashboards = []string{dashboards.UIDOverview, dashboards.UIDEndpoints, dashboards.UIDDatabase}

// notFeedable lists, per source, the dashboard targets ("dashboard uid/panel title")
// that the source cannot give data for, with the reason (docs/backends.md says the
// same). Every other target of the Overview, Endpoints and Database dashboards counts
// in the "feedable" denominator, of which TestBackends wants 90 % with data.
var notFeedable = map[string]map[string]string{
	srcDjango: {
		"perfwatch-overview/In flight":                       "django-prometheus has no in-flight requests gauge",
		"perfwatch-endpoints/In flight":                      "django-prometheus has no in-flight requests gauge",
		"perfwatch-overview/Allocated per request":           "Go runtime metric (go_memstats_*); a Python process has none",
		"perfwatch-overview/Heap in use":                     "Go runtime metric (go_memstats_*); a Python process has none",
		"perfwatch-endpoints/Request body size (p95)":        "django-prometheus's body-size histograms have no view, method or status label",
		"perfwatch-endpoints/Response body size (p95)":       "django-prometheus's body-size histograms have no view, method or status label",
		"perfwatch-database/Queries per request (p95)":       "no per-request or per-view database metric in django-prometheus",
		"perfwatch-database/Queries per request (mean)":      "no per-request or per-view database metric in django-prometheus",
		"perfwatch-database/Database time share":             "no per-view database time in django-prometheus",
		"perfwatch-database/Operations outside requests":     "django-prometheus does not tell queries in and outside requests apart",
		"perfwatch-database/Top query summaries by time":     "no query text or fingerprint label in django-prometheus",
		"perfwatch-database/Top query summaries by count":    "no query text or fingerprint label in django-prometheus",
		"perfwatch-database/Requests with N+1 patterns":      "no N+1 detection in django-prometheus",
		"perfwatch-database/N+1 patterns by statement":       "no N+1 detection in django-prometheus",
		"perfwatch-database/Slow queries":                    "no per-statement slow-query counter in django-prometheus",
		"perfwatch-database/Requests with excessive queries": "no per-request query count in django-prometheus",
		"perfwatch-database/Connections in use":              "database/sql pool metrics (go_sql_*): Go only; Django opens a connection per request",
		"perfwatch-database/Waits for a connection":          "database/sql pool metrics (go_sql_*): Go only",
		"perfwatch-database/Time waiting for a connection":   "database/sql pool metrics (go_sql_*): Go only",
	},
	srcOTelJS: {
		"perfwatch-overview/In flight":                 "OpenTelemetry JS's http instrumentation has no active-requests metric",
		"perfwatch-endpoints/In flight":                "OpenTelemetry JS's http instrumentation has no active-requests metric",
		"perfwatch-overview/Allocated per request":     "Go runtime metric (go_memstats_*); a Node process has none",
		"perfwatch-overview/Heap in use":               "Go runtime metric (go_memstats_*); a Node process has none",
		"perfwatch-endpoints/Request body size (p95)":  "OpenTelemetry JS's http instrumentation has no body-size metrics",
		"perfwatch-endpoints/Response body size (p95)": "OpenTelemetry JS's http instrumentation has no body-size metrics",
		"perfwatch-database/*":                         "the express app has no database, and OpenTelemetry JS's http instrumentation no database metrics",
	},
	srcInstrument: {},
}

func init() { notFeedable[srcOTelLegacy] = notFeedable[srcOTelJS] }

// ownRoutes tells, per job, the http_route values only that source has: seeing one in
// another job's panels is a leak.
var ownRoutes = map[string]*regexp.Regexp{
	djangoAppJob:  regexp.MustCompile(`^shop:|^/items/\{pk\}|^/cached/|^/items/with-category`),
	nodeAppJob:    regexp.MustCompile(`^/items/:id$|^/boom$`),
	nodeLegacyJob: regexp.MustCompile(`^/items/:id$|^/boom$`),
	demoJob:       regexp.MustCompile(`^/api/`),
}

// family groups the jobs running the same application: their routes are the same.
var family = map[string]string{djangoAppJob: "django", nodeAppJob: "node", nodeLegacyJob: "node", demoJob: "demo"}

// expectedAlert is an alert that must fire for a job, on a route matching route (when
// set), and on no route that only does not match.
type expectedAlert struct {
	name        string
	route, only *regexp.Regexp
}

var backendAlerts = []expectedAlert{
	{"HTTPRouteSlowRequests", regexp.MustCompile(`slow`), regexp.MustCompile(`slow`)},
	// Node's /boom always fails: it may fire there too.
	{"HTTPRouteErrorRate", regexp.MustCompile(`flaky`), regexp.MustCompile(`flaky|^/boom$`)},
	{"HTTPLatencyBudgetBurn", nil, nil},
	{"HTTPAvailabilityBudgetBurn", nil, nil},
}

// TestBackends runs the real applications of e2e/apps (Django with django-prometheus;
// express with OpenTelemetry JS 0.223, stable conventions, scraped with
// docs/backends.md's relabelling; the same on 0.220 with the old conventions) and
// perfwatch's demo, scraped by the shared Prometheus that loads perfwatch's rules
// (test profile) with the three adapters switched on, drives traffic at the
// applications from the test, and checks (issue #12):
//   - the Overview, Endpoints and Database dashboards' targets return data for each
//     application's job, for at least 90 % of those its source can feed (notFeedable);
//   - the slow-route, error-rate and SLO alerts fire on the slow and failing views,
//     and the per-route ones on no other route; the not-adapted meta-alert does not;
//   - no series of one job appears in another job's panels, each job's adapted series
//     come from its own source's adapter only (none for the demo), and every request
//     is counted once on its route.
func TestBackends(t *testing.T) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	logs := filepath.Join(env.dir, "backends")

	django := startDjangoApp(ctx, t, djangoAppJob, logs)
	django.streams = djangoTraffic()
	node := startNodeApp(ctx, t, nodeAppJob, logs, "node-otel", "http", srcOTelJS)
	node.streams = nodeTraffic()
	legacy := startNodeApp(ctx, t, nodeLegacyJob, logs, "node-otel-0.220", "", srcOTelLegacy)
	legacy.streams = nodeTraffic()
	demoAddr, adminAddr := testaddr.Must(t), testaddr.Must(t)
	demo, err := start("demo", logs, filepath.Join(env.bins, "perfwatch-demo"),
		"--web.app-listen-address="+demoAddr, "--web.listen-address="+adminAddr, "--load.rps=20")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(demo.stop)
	if err := demo.waitHTTP(ctx, "http://"+adminAddr+"/metrics"); err != nil {
		t.Fatal(err)
	}
	t.Logf("apps up after %v", time.Since(began).Round(time.Millisecond))

	files, adapters := backendRuleFiles(t)
	removeRules, err := env.prom.addRules(ctx, "backends", files)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeRules)
	for job, addr := range map[string]string{djangoAppJob: django.scrape, nodeLegacyJob: legacy.scrape, demoJob: adminAddr} {
		remove, err := env.prom.addTargets(job, addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(remove)
	}
	// The 0.223 app with docs/backends.md's metric_relabel_configs (its exporter's own
	// scrapes dropped); the 0.220 one as it comes.
	removeNode, err := env.prom.addOTelJSTargets(nodeAppJob, node.scrape)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeNode)
	// The first scrape creates the series the traffic then increases (rate() counts
	// only increases after a series' first sample).
	for _, expr := range []string{
		fmt.Sprintf(`django_http_requests_before_middlewares_total{job=%q}`, djangoAppJob),
		fmt.Sprintf(`target_info{job=%q}`, nodeAppJob),
		fmt.Sprintf(`target_info{job=%q}`, nodeLegacyJob),
		fmt.Sprintf(`http_server_request_duration_seconds_count{job=%q}`, demoJob),
	} {
		if err := env.prom.waitForSeries(ctx, expr); err != nil {
			t.Fatal(err)
		}
	}

	tr := startTraffic(django, node, legacy)
	stopped := false
	stopTraffic := func() time.Duration {
		if stopped {
			return 0
		}
		stopped = true
		return tr.stop()
	}
	t.Cleanup(func() { stopTraffic() })

	// The alerts, on the applications' jobs and routes.
	fired := waitBackendAlerts(ctx, t, tr.start, 50*time.Second, djangoAppJob, nodeAppJob, nodeLegacyJob)

	// At least 20 s of traffic, so the panels' rates see a steady mix.
	if d := 20*time.Second - time.Since(tr.start); d > 0 {
		time.Sleep(d)
	}

	// Every target of the three dashboards, once per job.
	sources := map[string]string{djangoAppJob: srcDjango, nodeAppJob: srcOTelJS, nodeLegacyJob: srcOTelLegacy, demoJob: srcInstrument}
	jobs := []string{djangoAppJob, nodeAppJob, nodeLegacyJob, demoJob}
	results := map[string]map[string]*coverage{} // job → dashboard → coverage
	for _, job := range jobs {
		results[job] = evalDashboardsFor(ctx, t, job, sources[job], slices.DeleteFunc(slices.Clone(jobs), func(j string) bool { return j == job }))
	}
	ran := stopTraffic()

	for _, a := range []*backendApp{django, node, legacy} {
		total, lines := tr.summary(a.job)
		t.Logf("%s: %d requests in %v: %s", a.job, total, ran.Round(time.Second), lines)
		if errs := tr.errs[a.job]; len(errs) > 0 {
			t.Errorf("%s: %d requests failed to get an answer, first: %s", a.job, len(errs), errs[0])
		}
	}
	t.Logf("rules: %s", adapters)

	// Every request is counted once, on its route: the adapted request counters equal
	// what the test sent (plus the readiness GET /), so nothing is lost or doubled.
	checkRequestCounts(ctx, t, tr, django, "shop:index", otherExact)
	checkRequestCounts(ctx, t, tr, node, "/", otherDropped)
	checkRequestCounts(ctx, t, tr, legacy, "/", otherWithScrapes)
	checkAdapterOutput(ctx, t, map[string]string{
		djangoAppJob: "django_prometheus", nodeAppJob: "otel_stable", nodeLegacyJob: "otel_legacy", demoJob: "",
	})

	// Report and check coverage.
	for _, job := range jobs {
		seen := map[string]bool{}
		var lines []string
		for _, c := range results[job] {
			for key, why := range c.reasons {
				seen[key] = true
				if dash, _, _ := strings.Cut(key, "/"); notFeedable[sources[job]][dash+"/*"] != "" {
					key = dash + "/*"
				}
				lines = append(lines, key+": "+why)
			}
		}
		slices.Sort(lines)
		if lines = slices.Compact(lines); len(lines) > 0 {
			t.Logf("%s: not feedable from %s:\n\t%s", job, sources[job], strings.Join(lines, "\n\t"))
		}
		for key := range notFeedable[sources[job]] {
			if !strings.HasSuffix(key, "/*") && !seen[key] {
				t.Errorf("notFeedable[%q] names %q, which no dashboard target has any more", sources[job], key)
			}
			// A panel a source cannot feed says so rather than showing a bare "No data".
			if _, title, _ := strings.Cut(key, "/"); title != "*" && dashboards.UnavailableText(title) == "" {
				t.Errorf("%s cannot feed %q, but the panel shows a bare \"No data\" (dashboards/panels.go: unavailable)", sources[job], key)
			}
		}
	}
	for _, job := range jobs {
		for _, uid := range backendDashboards {
			c := results[job][uid]
			if c == nil {
				t.Errorf("%s: dashboard %s not found", job, uid)
				continue
			}
			t.Logf("%-15s %-20s %s", job, uid, c)
			for _, l := range c.leaks {
				t.Errorf("%s: leak into %s: %s", job, uid, l)
			}
			if c.feedable > 0 && float64(c.withData) < 0.9*float64(c.feedable) {
				t.Errorf("%s: %s: %d of %d feedable targets have data (< 90 %%); empty: %s", job, uid, c.withData, c.feedable, strings.Join(c.empty, "; "))
			}
		}
	}
	for _, f := range fired {
		t.Logf("alert %s", f)
	}
	// With the adapters on, the meta-alert about non-adapted HTTP metrics is silent.
	if res, err := env.prom.api.Alerts(ctx); err != nil {
		t.Error(err)
	} else {
		for _, a := range res.Alerts {
			if a.Labels["alertname"] == "HTTPMetricsNotAdapted" && a.State == v1.AlertStateFiring && slices.Contains(jobs, string(a.Labels["job"])) {
				t.Errorf("HTTPMetricsNotAdapted fires with the adapters on: %s", a.Labels)
			}
		}
	}
	t.Logf("TestBackends took %v", time.Since(began).Round(100*time.Millisecond))
}

// coverage is what one job's panels on one dashboard showed.
type coverage struct {
	targets     int               // targets that depend on $job
	feedable    int               // of which the source can feed
	withData    int               // of which returned data
	independent int               // targets that do not depend on $job (ALERTS), not counted
	empty       []string          // feedable targets without data
	bonus       []string          // not-feedable targets that returned data
	leaks       []string          // series of another job
	series      int               // series checked for leaks
	reasons     map[string]string // not-feedable target → why
}

func (c *coverage) String() string {
	pct := "n/a"
	if c.feedable > 0 {
		pct = fmt.Sprintf("%.0f %%", 100*float64(c.withData)/float64(c.feedable))
	}
	s := fmt.Sprintf("%d/%d feedable targets with data (%s); %d targets, %d not feedable, %d not about the job; %d series, %d of another job", c.withData, c.feedable, pct, c.targets, c.targets-c.feedable, c.independent, c.series, len(c.leaks))
	if len(c.empty) > 0 {
		s += "; empty: " + strings.Join(c.empty, "; ")
	}
	if len(c.bonus) > 0 {
		s += "; not feedable yet with data: " + strings.Join(c.bonus, "; ")
	}
	return s
}

// evalDashboardsFor runs every target of the backend dashboards with $job set to job,
// as Grafana would, and checks the returned series against the other jobs.
func evalDashboardsFor(ctx context.Context, t *testing.T, job, source string, others []string) map[string]*coverage {
	t.Helper()
	in := grafana
	in.Vars = map[string]string{"job": regexp.QuoteMeta(job)}
	out := map[string]*coverage{}
	for _, d := range dashboards.All() {
		if !slices.Contains(backendDashboards, d.UID) {
			continue
		}
		c := &coverage{reasons: map[string]string{}}
		out[d.UID] = c
		for _, q := range dashboardQueries(t, d.File) {
			key := q.Dashboard + "/" + q.Panel
			name := key
			if q.RefID != "" {
				name += " " + q.RefID
			}
			isJobVar := q.Panel == "variable job"
			if !strings.Contains(q.Expr, "$job") && !strings.Contains(q.Expr, "${job}") && !isJobVar {
				c.independent++
				continue
			}
			expr := in.Expand(q.Expr)
			if _, err := parser.NewParser(parser.Options{}).ParseExpr(expr); err != nil {
				t.Errorf("%s: does not parse: %v\n%s", name, err, expr)
				continue
			}
			v, err := query(ctx, expr, q.Instant)
			if err != nil {
				t.Errorf("%s (job %s): %v\n%s", name, job, err, expr)
				continue
			}
			series := seriesOf(v)
			hasData := !isEmpty(v)
			if isJobVar { // the job picker must list the job
				hasData = slices.ContainsFunc(series, func(m model.Metric) bool { return string(m["job"]) == job })
			} else {
				c.series += len(series)
				for _, m := range series {
					if l := leak(m, job, others); l != "" {
						c.leaks = append(c.leaks, fmt.Sprintf("%s: %s", name, l))
					}
				}
			}
			c.targets++
			reason, nf := notFeedableReason(source, key)
			if nf {
				c.reasons[key] = reason
			}
			switch {
			case nf && hasData:
				c.bonus = append(c.bonus, name)
			case nf:
			case hasData:
				c.feedable++
				c.withData++
			default:
				c.feedable++
				c.empty = append(c.empty, name)
			}
		}
	}
	return out
}

func notFeedableReason(source, key string) (string, bool) {
	m := notFeedable[source]
	if r, ok := m[key]; ok {
		return r, true
	}
	dash, _, _ := strings.Cut(key, "/")
	r, ok := m[dash+"/*"]
	return r, ok
}

// leak says what is wrong with a series shown for job: another job's label, or a route
// only another job's source has.
func leak(m model.Metric, job string, others []string) string {
	if j, ok := m["job"]; ok && string(j) != job {
		return fmt.Sprintf("series of job %q: %s", j, m)
	}
	if r, ok := m["http_route"]; ok {
		for _, o := range others {
			if family[o] != family[job] && ownRoutes[o].MatchString(string(r)) {
				return fmt.Sprintf("route %q of job %s: %s", r, o, m)
			}
		}
	}
	return ""
}

// query runs expr as Grafana would: an instant query, or a range query over the last minute.
func query(ctx context.Context, expr string, instant bool) (model.Value, error) {
	now := time.Now()
	if instant {
		v, _, _, err := env.prom.api.Query(ctx, expr, now)
		return v, err
	}
	v, _, _, err := env.prom.api.QueryRange(ctx, expr, v1.Range{Start: now.Add(-time.Minute), End: now, Step: 2 * time.Second})
	return v, err
}

// seriesOf returns the label sets of a query result.
func seriesOf(v model.Value) []model.Metric {
	var out []model.Metric
	switch r := v.(type) {
	case model.Vector:
		for _, s := range r {
			out = append(out, s.Metric)
		}
	case model.Matrix:
		for _, s := range r {
			out = append(out, s.Metric)
		}
	}
	return out
}

// waitBackendAlerts waits until every backendAlerts alert fires for every job, or
// timeout after start passes; it reports those that did not and returns those that did,
// with the time they took from the start of the traffic.
func waitBackendAlerts(ctx context.Context, t *testing.T, start time.Time, timeout time.Duration, jobs ...string) []string {
	t.Helper()
	firedAt := map[string]time.Duration{}
	labelsOf := map[string]string{}
	want := func(job string, e expectedAlert) string { return job + " " + e.name }
	deadline := start.Add(timeout)
	for {
		res, err := env.prom.api.Alerts(ctx)
		if err == nil {
			for _, a := range res.Alerts {
				if a.State != v1.AlertStateFiring {
					continue
				}
				for _, job := range jobs {
					for _, e := range backendAlerts {
						if string(a.Labels["alertname"]) != e.name || string(a.Labels["job"]) != job {
							continue
						}
						if e.route != nil && !e.route.MatchString(string(a.Labels["http_route"])) {
							continue
						}
						k := want(job, e)
						if _, ok := firedAt[k]; !ok {
							firedAt[k] = time.Since(start)
							labelsOf[k] = a.Labels.String()
						}
					}
				}
			}
		}
		if len(firedAt) == len(jobs)*len(backendAlerts) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	var fired []string
	for _, job := range jobs {
		for _, e := range backendAlerts {
			k := want(job, e)
			if d, ok := firedAt[k]; ok {
				fired = append(fired, fmt.Sprintf("%s firing after %v of traffic: %s", k, d.Round(100*time.Millisecond), labelsOf[k]))
			} else {
				route := ""
				if e.route != nil {
					route = " on a route matching " + e.route.String()
				}
				t.Errorf("alert %s%s did not fire within %v of traffic; firing: %s", k, route, timeout, firingAlerts(ctx, jobs))
			}
		}
	}
	// The per-route alerts fire on the slow and failing routes only.
	if res, err := env.prom.api.Alerts(ctx); err == nil {
		for _, a := range res.Alerts {
			for _, e := range backendAlerts {
				if e.only != nil && string(a.Labels["alertname"]) == e.name && slices.Contains(jobs, string(a.Labels["job"])) &&
					!e.only.MatchString(string(a.Labels["http_route"])) {
					t.Errorf("alert %s is %s on a route it should not be: %s", e.name, a.State, a.Labels)
				}
			}
		}
	}
	sort.Strings(fired)
	return fired
}

// firingAlerts lists the firing alerts of the jobs, for error messages.
func firingAlerts(ctx context.Context, jobs []string) string {
	res, err := env.prom.api.Alerts(ctx)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, a := range res.Alerts {
		if slices.Contains(jobs, string(a.Labels["job"])) {
			out = append(out, fmt.Sprintf("%s %s", a.State, a.Labels))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// How checkRequestCounts treats the requests on no route ("other").
const (
	otherExact       = iota // counted as sent (Django: its /metrics view is left out by the adapter)
	otherDropped            // none: the scrape configuration drops route-less series (docs/backends.md)
	otherWithScrapes        // at least those sent: the source counts its exporter's own scrapes too
)

// checkRequestCounts compares, per route, the adapted request counter of the app's job
// with the requests the test sent: at least those answered before the traffic stopped,
// at most those started, plus the readiness request on index; on "other" as mode says.
func checkRequestCounts(ctx context.Context, t *testing.T, tr *traffic, a *backendApp, index string, mode int) {
	t.Helper()
	expr := fmt.Sprintf(`sum by (http_route) (http_server_request_duration_seconds_count{job=%q})`, a.job)
	var problems []string
	var got map[string]int
	// A scrape and a rule evaluation after the last answer.
	for deadline := time.Now().Add(6 * time.Second); ; {
		time.Sleep(time.Second)
		v, _, _, err := env.prom.api.Query(ctx, expr, time.Now())
		if err != nil {
			t.Error(err)
			return
		}
		got = map[string]int{}
		for _, s := range v.(model.Vector) {
			got[string(s.Metric["http_route"])] = int(s.Value)
		}
		problems = nil
		for route, started := range tr.started[a.job] {
			lo, hi := tr.answered[a.job][route], started
			if route == index {
				lo, hi = lo+1, hi+1
			}
			if route == "other" {
				switch mode {
				case otherDropped:
					lo, hi = 0, 0
				case otherWithScrapes:
					hi = -1 // no bound: see below
				}
			}
			if n := got[route]; n < lo || (hi >= 0 && n > hi) {
				problems = append(problems, fmt.Sprintf("route %q counted %d, want %d–%d", route, n, lo, hi))
			}
		}
		for route, n := range got {
			if _, ok := tr.started[a.job][route]; !ok {
				problems = append(problems, fmt.Sprintf("route %q counted %d, sent none", route, n))
			}
		}
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, p := range problems {
		t.Errorf("%s: %s", a.job, p)
	}
	t.Logf("%s: requests counted per route: %v", a.job, got)
	if extra := got["other"] - tr.answered[a.job]["other"]; mode == otherWithScrapes && extra > 0 {
		t.Logf("%s: %d requests on route \"other\" that the test did not send: %s's own /metrics scrapes", a.job, extra, a.source)
	}
}

// checkAdapterOutput checks which adapter recorded series for each job (want: job →
// adapter, "" for none): the demo, instrumented natively, must get none, and no
// adapter may record for another source's job.
func checkAdapterOutput(ctx context.Context, t *testing.T, want map[string]string) {
	t.Helper()
	v, _, _, err := env.prom.api.Query(ctx, `count by (job, perfwatch_adapter) ({perfwatch_adapter!=""})`, time.Now())
	if err != nil {
		t.Error(err)
		return
	}
	got := map[string][]string{}
	for _, s := range v.(model.Vector) {
		job := string(s.Metric["job"])
		if _, ok := want[job]; ok {
			got[job] = append(got[job], fmt.Sprintf("%s (%d series)", s.Metric["perfwatch_adapter"], int(s.Value)))
			if a := string(s.Metric["perfwatch_adapter"]); a != want[job] {
				t.Errorf("%s: adapter %s recorded %d series for it (want only %q)", job, a, int(s.Value), want[job])
			}
		}
	}
	for job, a := range want {
		if a != "" && len(got[job]) == 0 {
			t.Errorf("%s: adapter %s recorded nothing", job, a)
		}
	}
	t.Logf("adapted series by job: %v", got)
}
