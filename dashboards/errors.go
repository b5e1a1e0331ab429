package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// UIDErrors is the uid of the Errors dashboard.
const UIDErrors = "perfwatch-errors"

// errorsDashboard is the seed's error view over the error tracker's metrics (instrument/errtrack
// in Go services, perfwatch-collector for the Sentry SDKs and the browser): error rates
// by severity, type and route, cancellations, the top groups with their type, message,
// route and state, new groups and regressions, and the tracker's store.
func errorsDashboard() (dashboard.Dashboard, error) {
	sel := `job=~"$job", instance=~"$instance"`
	m := func(metric, extra string) string { return metric + `{` + sel + extra + `}` }
	rate := func(metric, extra, by string) string {
		return `sum by (` + by + `) (rate(` + m(metric, extra) + `[$__rate_interval]))`
	}
	increase := func(metric, extra, by, window string) string {
		return `sum by (` + by + `) (increase(` + m(metric, extra) + `[` + window + `]))`
	}
	// One info series per group (instances may disagree on the route of the last
	// occurrence); groups without info (group "other") keep their row.
	const groupLabels = "job, source, group"
	info := `max by (` + groupLabels + `, error_type, message, http_route, state) (topk by (` + groupLabels + `) (1, ` + m("perfwatch_error_group_info", "") + `))`
	withInfo := func(expr string) string {
		return `(` + expr + `) * on (` + groupLabels + `) group_left (error_type, message, http_route, state) ` + info +
			` or on (` + groupLabels + `) (` + expr + `)`
	}
	topEvents := `topk(20, ` + increase("perfwatch_error_group_events_total", "", groupLabels, "$__range") + `)`
	// Zero per source rather than no data where nothing happened.
	zeroBySource := `sum by (source) (0 * ` + m("perfwatch_error_groups_new_total", "") + `)`
	newToService := `count by (source) (time() - min by (` + groupLabels + `) (` + m("perfwatch_error_group_first_seen_timestamp_seconds", `, group!="other"`) + `) < 600)`
	return newDashboard(UIDErrors, "perfwatch / Errors",
		"Error tracking: error events by severity, type and route, cancellations, the top error groups with their type, normalised message, route and state, new groups and regressions. The groups' stacks and context are in the admin API (docs/errors-api.md).",
		"perfwatch_error_groups").
		WithRow(row("Errors")).
		WithPanel(singleStat("Errors per second", "Error events per second over every source and severity (cancellations and client disconnects not counted).", "ops", 6,
			query(`sum(rate(`+m("perfwatch_errors_total", "")+`[$__rate_interval]))`, "errors"))).
		WithPanel(singleStat("Critical errors", "Critical error events (panics, errors reported as critical) over the dashboard's time range. ErrorCritical alerts on each.", "short", 6,
			query(`sum(increase(`+m("perfwatch_errors_total", `, severity="critical"`)+`[$__range])) or vector(0)`, "critical"),
			step(nil, "green"), step(num(1), "red"))).
		WithPanel(singleStat("Groups held", "Error groups in the trackers' stores, every state.", "short", 6,
			query(`sum(`+m("perfwatch_error_groups", "")+`)`, "groups"))).
		WithPanel(singleStat("Cancellations per second", "Canceled requests and client disconnects per second: not errors of the service, counted apart.", "ops", 6,
			query(`sum(rate(`+m("perfwatch_errors_canceled_total", "")+`[$__rate_interval])) or vector(0)`, "canceled"))).
		WithPanel(stacked("Errors by severity", "Error events per second by source (server, browser, a Sentry SDK platform) and severity: panics are critical, errors behind a 5xx high, other reported errors medium.", "ops", 12, 8,
			query(rate("perfwatch_errors_total", "", "source, severity"), "{{source}} {{severity}}"))).
		WithPanel(timeSeries("Errors by type", "Error events per second by error type (the first 100 types a process sees, the rest \"other\").", "ops", 12, 8,
			query(rate("perfwatch_errors_total", "", "source, error_type"), "{{source}} {{error_type}}"))).
		WithPanel(timeSeries("Errors by route", "Error events raised while serving a request, per second, by route template.", "ops", 12, 8,
			query(rate("perfwatch_errors_by_route_total", "", "source, http_route"), "{{source}} {{http_route}}"))).
		WithPanel(timeSeries("Cancellations", "Canceled requests and client disconnects per second by source; they are not counted as errors.", "ops", 12, 8,
			query(rate("perfwatch_errors_canceled_total", "", "source"), "{{source}}"))).
		WithRow(row("Groups")).
		WithPanel(tableOf("Top groups", "The 20 error groups with the most events over the dashboard's time range, with their type, normalised message, route of the last occurrence and state. Group \"other\" collects the groups beyond each process's first 200. Details: GET /api/errors/groups/<group> on the admin listener.", 24, 10,
			map[string]string{"job": "Job", "source": "Source", "group": "Group", "error_type": "Type", "message": "Message", "http_route": "Route", "state": "State", "Value": "Events"},
			instant("A", withInfo(topEvents))).
			Unit("short")).
		WithPanel(timeSeries("Group events", "Events per second of the ten busiest groups. ErrorGroupSpike fires when a group runs at more than 10 times its rate of the hour before.", "ops", 24, 8,
			query(`topk(10, `+rate("perfwatch_error_group_events_total", `, group!="other"`, "source, group")+`)`, "{{source}} {{group}}"))).
		WithPanel(timeSeries("New groups", "Groups new to a process's store, per interval (restored ones are not new; a new replica counts groups other instances knew), and groups new to the service: first seen by any instance less than 10 minutes ago, as ErrorGroupNew counts them.", "short", 12, 8,
			query(increase("perfwatch_error_groups_new_total", "", "source", "$__rate_interval"), "{{source}} new to a process"),
			query(newToService+` or `+zeroBySource, "{{source}} new to the service (10m)"))).
		WithPanel(timeSeries("Regressions", "Events of resolved groups, which reopen them, per interval. ErrorGroupRegression fires on each.", "short", 12, 8,
			query(increase("perfwatch_error_regressions_total", "", "source", "$__rate_interval")+` or `+zeroBySource, "{{source}}"))).
		WithPanel(stacked("Groups by state", "Error groups held in the trackers' stores by state: unresolved, resolved, ignored (ignored groups never alert).", "short", 12, 8,
			query(`sum by (state) (`+m("perfwatch_error_groups", "")+`)`, "{{state}}"))).
		WithPanel(timeSeries("Store evictions", "Groups evicted per second from the bounded stores (least recently seen first): above 0 for long means more distinct errors than the store holds.", "ops", 12, 8,
			query(`sum by (instance) (rate(`+m("perfwatch_error_groups_evicted_total", "")+`[$__rate_interval]))`, "{{instance}}"))).
		Build()
}
