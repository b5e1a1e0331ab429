package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// endpoints is the per-route view: a table of every route, and charts for the routes
// chosen in the route variable.
func endpoints() (dashboard.Dashboard, error) {
	sel := httpSel + `, http_route=~"$route"`
	byRoute := func(metric, extra, window string) string {
		return `sum by (http_route) (rate(` + metric + `{` + sel + extra + `}[` + window + `]))`
	}
	// Routes without errors have no 5xx series; "or … * 0" gives them a ratio of 0.
	// Upgraded requests (101) count in neither (notUpgrade).
	errRatio := func(window string) string {
		served := byRoute(reqCount, ", "+notUpgrade, window)
		return `(` + byRoute(reqCount, ", "+errorStatus, window) + ` or ` + served + ` * 0) / ` + served
	}
	quantile := func(q, metric, window string) string {
		extra := ""
		if metric == reqBucket {
			extra = ", " + notUpgrade // a websocket's duration is its connection's lifetime
		}
		return `histogram_quantile(` + q + `, sum by (le, http_route) (rate(` + metric + `{` + sel + extra + `}[` + window + `])))`
	}
	drill := dashboard.NewDashboardLinkBuilder("Show this route").
		Url(`/d/` + UIDEndpoints + `?var-route=${__data.fields.Route}&var-job=${job}&var-instance=${instance}&${__url_time_range}`)
	return newDashboard(UIDEndpoints, "perfwatch / Endpoints",
		"Every route of every instrumented service: rate, errors, latency percentiles, status codes and body sizes. Pick routes in the Route variable or click one in the table.",
		reqCount).
		WithVariable(labelVariable("route", "Route", `label_values(`+reqCount+`{job=~"$job", instance=~"$instance"}, http_route)`)).
		WithRow(row("Routes")).
		WithPanel(tableOf("Routes", "One row per route over the dashboard's time range. Click a route to show only it.", 24, 10,
			map[string]string{"http_route": "Route", "Value #A": "req/s", "Value #B": "errors", "Value #C": "p50", "Value #D": "p95", "Value #E": "p99"},
			instant("A", byRoute(reqCount, "", "$__range")),
			instant("B", errRatio("$__range")),
			instant("C", quantile("0.5", reqBucket, "$__range")),
			instant("D", quantile("0.95", reqBucket, "$__range")),
			instant("E", quantile("0.99", reqBucket, "$__range"))).
			DataLinks([]cog.Builder[dashboard.DashboardLink]{drill}).
			OverrideByName("req/s", []dashboard.DynamicConfigValue{{Id: "unit", Value: "reqps"}}).
			OverrideByName("errors", []dashboard.DynamicConfigValue{{Id: "unit", Value: "percentunit"}}).
			OverrideByRegexp("p50|p95|p99", []dashboard.DynamicConfigValue{{Id: "unit", Value: "s"}})).
		WithRow(row("Selected routes")).
		WithPanel(timeSeries("Request rate", "Requests per second by route.", "reqps", 12, 8,
			query(byRoute(reqCount, "", "$__rate_interval"), "{{http_route}}"))).
		WithPanel(timeSeries("Error ratio", "Share of each route's requests answered with a 5xx status.", "percentunit", 12, 8,
			query(errRatio("$__rate_interval"), "{{http_route}}"))).
		WithPanel(timeSeries("p95 latency", "95th percentile of request duration by route. Websocket upgrades (status 101) are left out: their duration is the connection's lifetime.", "s", 12, 8,
			query(quantile("0.95", reqBucket, "$__rate_interval"), "{{http_route}}"))).
		WithPanel(timeSeries("p99 latency", "99th percentile of request duration by route, without websocket upgrades (101).", "s", 12, 8,
			query(quantile("0.99", reqBucket, "$__rate_interval"), "{{http_route}}"))).
		WithPanel(stacked("Status codes", "Responses per second by status code, over the selected routes.", "reqps", 12, 8,
			query(`sum by (http_response_status_code) (rate(`+reqCount+`{`+sel+`}[$__rate_interval]))`, "{{http_response_status_code}}"))).
		WithPanel(timeSeries("In flight", "Requests being served, by method (the middleware does not split this by route).", "short", 12, 8,
			query(`sum by (http_request_method) (http_server_active_requests{`+httpSel+`})`, "{{http_request_method}}"))).
		WithPanel(timeSeries("Request body size (p95)", "95th percentile of request body size by route, from Content-Length.", "bytes", 12, 8,
			query(quantile("0.95", "http_server_request_body_size_bytes_bucket", "$__rate_interval"), "{{http_route}}"))).
		WithPanel(timeSeries("Response body size (p95)", "95th percentile of response body size by route, as written by the handler.", "bytes", 12, 8,
			query(quantile("0.95", "http_server_response_body_size_bytes_bucket", "$__rate_interval"), "{{http_route}}"))).
		Build()
}
