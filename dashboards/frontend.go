package dashboards

import (
	"strconv"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/perfwatch/perfwatch/rules/rulegen"
)

// UIDFrontend is the uid of the Frontend dashboard.
const UIDFrontend = "perfwatch-frontend"

// webVital is one web vital as the browser ingest records it (docs/rum.md, "Metrics"):
// its histogram and Google's good and poor thresholds, which are bucket boundaries,
// so that the shares of views below them are exact.
type webVital struct {
	name, title, metric, unit string
	good, poor                float64
}

// vitalTitles are the vitals' full names.
var vitalTitles = map[string]string{
	"LCP": "Largest Contentful Paint", "INP": "Interaction to Next Paint", "CLS": "Cumulative Layout Shift",
	"FCP": "First Contentful Paint", "TTFB": "Time to First Byte",
}

// webVitals are the vitals in the order the dashboard shows them: the frontend rules'
// table (rules/rulegen), so that thresholds and metrics cannot drift apart.
func webVitals() []webVital {
	var out []webVital
	for _, v := range rulegen.Vitals() {
		unit := v.Unit
		if unit == "" {
			unit = "none"
		}
		out = append(out, webVital{v.Name, vitalTitles[v.Name], v.Metric, unit, v.Good, v.Poor})
	}
	return out
}

// le formats a bucket boundary for an le matcher; integral ones match both the
// exposition's "4" (Prometheus 2) and the normalised "4.0" (Prometheus 3).
func le(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	for _, c := range s {
		if c == '.' {
			return `le="` + s + `"`
		}
	}
	return `le=~"` + s + `|` + s + `\\.0"`
}

// frontend is the browser's view (real user monitoring, docs/rum.md): the web vitals per
// page against Google's thresholds and the shares of good, needs-improvement and poor
// views, page views, JavaScript errors, the pages' API calls, the navigation phases,
// resources, the application's render measures, and the beacon ingest.
func frontend() (dashboard.Dashboard, error) {
	sel := `job=~"$job", instance=~"$instance"`
	m := func(metric, extra string) string { return metric + `{` + sel + extra + `}` }
	rate := func(metric, extra, by string) string {
		return `sum by (` + by + `) (rate(` + m(metric, extra) + `[$__rate_interval]))`
	}
	quantile := func(q, metric, extra, by string) string {
		return `histogram_quantile(` + q + `, ` + rate(metric+"_bucket", extra, by+", le") + `)`
	}

	b := newDashboard(UIDFrontend, "perfwatch / Frontend",
		"Real user monitoring: web vitals per page against Google's good and poor thresholds (the 75th percentile, as Core Web Vitals are assessed) and the shares of good, needs-improvement and poor views, page views, JavaScript errors, the pages' API calls by route, the navigation phases, resources by initiator, render measures and the beacon ingest. From the perfwatch browser snippet through instrument/rum or perfwatch-collector (docs/rum.md).",
		"perfwatch_rum_beacons_total").
		WithRow(row("Web vitals"))
	for _, v := range webVitals() {
		b = b.WithPanel(vitalPanel(v, quantile("0.75", v.metric, "", "page"))).
			WithPanel(ratingsPanel(v, rate))
	}

	// One info series per group, as on the Errors dashboard; groups without info
	// (group "other") keep their row.
	const groupLabels = "job, source, group"
	info := `max by (` + groupLabels + `, error_type, message, http_route, state) (topk by (` + groupLabels + `) (1, ` + m("perfwatch_error_group_info", `, source="browser"`) + `))`
	topEvents := `topk(10, sum by (` + groupLabels + `) (increase(` + m("perfwatch_error_group_events_total", `, source="browser"`) + `[$__range])))`
	withInfo := `(` + topEvents + `) * on (` + groupLabels + `) group_left (error_type, message, state) ` + info +
		` or on (` + groupLabels + `) (` + topEvents + `)`

	const api = "perfwatch_browser_api_request_duration_seconds"
	apiRate := rate(api+"_count", "", "http_route")
	// 0, not absent, for a route without failures.
	apiErrors := `(` + rate(api+"_count", `, http_response_status_code=~"5..|0"`, "http_route") + ` or 0 * ` + apiRate + `)`
	// 0 with reason "none", rather than no data, while nothing was rejected or dropped.
	noReason := `label_replace(0 * sum(rate(` + m("perfwatch_rum_beacons_total", "") + `[$__rate_interval])), "reason", "none", "", "")`
	rejected := `(sum(rate(` + m("perfwatch_rum_beacons_rejected_total", "") + `[$__rate_interval])) or vector(0))`

	return b.
		WithRow(row("Traffic and errors")).
		WithPanel(timeSeries("Page views by page", "Page views per second by page template (configured pages, the rest \"other\"), as the snippet reports them: one per navigation, reload, back-forward restore or single-page-app route change.", "ops", 12, 8,
			query(rate("perfwatch_browser_page_views_total", "", "page"), "{{page}}"))).
		WithPanel(stacked("Page views by navigation type", "Page views per second by navigation type: navigate, reload, back_forward, prerender, restore (back-forward cache), spa (a History API route change).", "ops", 12, 8,
			query(rate("perfwatch_browser_page_views_total", "", "navigation_type"), "{{navigation_type}}"))).
		WithPanel(timeSeries("JavaScript errors by type", "Uncaught errors and unhandled rejections in the browsers per second by error type (perfwatch_errors_total{source=\"browser\"}). BrowserErrorSpike fires when they run at more than 5 times their rate of the hour before.", "ops", 12, 8,
			query(rate("perfwatch_errors_total", `, source="browser"`, "error_type"), "{{error_type}}"))).
		WithPanel(tableOf("Top browser error groups", "The 10 browser error groups with the most events over the dashboard's time range, with their type, normalised message and state; the Errors dashboard has every source. Details: GET /api/errors/groups/<group> on the admin listener.", 12, 8,
			map[string]string{"job": "Job", "source": "Source", "group": "Group", "error_type": "Type", "message": "Message", "state": "State", "Value": "Events"},
			instant("A", withInfo)).
			Unit("short")).
		WithRow(row("API calls from the browser")).
		WithPanel(timeSeries("API request duration (p95) by route", "95th percentile of the pages' fetch and XMLHttpRequest calls by API route, as the browser timed them: the server's time plus the network's.", "s", 8, 8,
			query(quantile("0.95", api, "", "http_route"), "{{http_route}}"))).
		WithPanel(timeSeries("API requests by route", "The pages' API calls per second by route.", "reqps", 8, 8,
			query(apiRate, "{{http_route}}"))).
		WithPanel(timeSeries("API errors by route", "Share of the pages' API calls by route that failed: a 5xx answer, or status 0 (a network error or an abort).", "percentunit", 8, 8,
			query(apiErrors+` / `+apiRate, "{{http_route}}"))).
		WithRow(row("Navigation, resources and rendering")).
		WithPanel(timeSeries("Navigation phases (p75)", "75th percentile of each phase of the page loads (Navigation Timing): dns, connect, tls, ttfb (request to first byte), dom_interactive, load. A high ttfb is the server; the later phases are the page's own work.", "s", 12, 8,
			query(quantile("0.75", "perfwatch_browser_navigation_duration_seconds", "", "phase"), "{{phase}}"))).
		WithPanel(timeSeries("Render time (p95) by measure", "95th percentile of the application's own performance.measure spans by name (the configured measures, the first 50 others seen).", "s", 12, 8,
			query(quantile("0.95", "perfwatch_browser_render_duration_seconds", "", "name"), "{{name}}"))).
		WithPanel(stacked("Resources by initiator", "Resources the pages loaded per second by initiator (script, link, img, fetch, css, …), from Resource Timing.", "ops", 8, 8,
			query(rate("perfwatch_browser_resources_total", "", "initiator"), "{{initiator}}"))).
		WithPanel(stacked("Resource bytes by initiator", "Bytes transferred per second for the pages' resources by initiator (0 for resources served from the browser's cache).", "Bps", 8, 8,
			query(rate("perfwatch_browser_resource_transfer_bytes_total", "", "initiator"), "{{initiator}}"))).
		WithPanel(timeSeries("Resource time by initiator", "Mean load time of a resource by initiator: time spent loading resources over the resources loaded.", "s", 8, 8,
			query(rate("perfwatch_browser_resource_duration_seconds_total", "", "initiator")+` / `+rate("perfwatch_browser_resources_total", "", "initiator"), "{{initiator}}"))).
		WithRow(row("Beacon ingest")).
		WithPanel(timeSeries("Beacons", "Beacons per second the ingest accepted and rejected (by reason: malformed, version, too_many_events, origin, too_large, encoding, rate_limited …), and events of accepted beacons it dropped (by reason). RUMBeaconRejectionsHigh fires when more than 10 % are rejected.", "ops", 16, 8,
			query(`sum(rate(`+m("perfwatch_rum_beacons_total", "")+`[$__rate_interval]))`, "accepted"),
			query(rate("perfwatch_rum_beacons_rejected_total", "", "reason")+` or `+noReason, "rejected {{reason}}"),
			query(rate("perfwatch_rum_events_dropped_total", "", "reason")+` or `+noReason, "dropped events {{reason}}"))).
		WithPanel(singleStat("Beacons rejected", "Share of the beacons received (accepted and rejected) that the ingest rejected.", "percentunit", 8,
			query(rejected+` / (`+rejected+` + sum(rate(`+m("perfwatch_rum_beacons_total", "")+`[$__rate_interval])))`, "rejected"),
			step(nil, "green"), step(num(0.01), "orange"), step(num(0.1), "red"))).
		Build()
}

// vitalPanel draws a vital's p75 per page with its good and poor thresholds as lines.
func vitalPanel(v webVital, expr string) *timeseries.PanelBuilder {
	unitText := "s"
	if v.unit != "s" {
		unitText = ""
	}
	return timeSeries(v.name+" p75 by page",
		"75th percentile of "+v.title+" ("+v.name+") by page, from real users' browsers. Green up to "+fmtNum(v.good)+unitText+" (good), orange up to "+fmtNum(v.poor)+unitText+" (needs improvement), red beyond (poor): Google's thresholds.",
		v.unit, 12, 8, query(expr, "{{page}}")).
		Min(0).
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
			Steps([]dashboard.Threshold{step(nil, "green"), step(num(v.good), "orange"), step(num(v.poor), "red")})).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
}

// ratingsPanel stacks the shares of good, needs-improvement and poor views of a vital,
// over every page: the bucket at each threshold over the count, exact because the
// thresholds are bucket boundaries.
func ratingsPanel(v webVital, rate func(string, string, string) string) *timeseries.PanelBuilder {
	bucket := func(at float64) string { return rate(v.metric+"_bucket", `, `+le(at), "job") }
	count := rate(v.metric+"_count", "", "job")
	return stacked(v.name+" ratings",
		"Share of the page views whose "+v.name+" was good (up to "+fmtNum(v.good)+"), needs improvement (up to "+fmtNum(v.poor)+") or poor, over every page of the job.",
		"percentunit", 12, 8,
		query(bucket(v.good)+` / `+count, "{{job}} good"),
		query(`(`+bucket(v.poor)+` - `+bucket(v.good)+`) / `+count, "{{job}} needs improvement"),
		query(`(`+count+` - `+bucket(v.poor)+`) / `+count, "{{job}} poor")).
		Max(1)
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
