package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Selectors shared by the HTTP dashboards.
const (
	httpSel     = `job=~"$job", instance=~"$instance"`
	reqCount    = `http_server_request_duration_seconds_count`
	reqBucket   = `http_server_request_duration_seconds_bucket`
	errorStatus = `http_response_status_code=~"5.."`
	// notUpgrade leaves out requests answered 101 Switching Protocols (websockets):
	// OpenTelemetry SDKs record an upgraded connection's lifetime as its duration. Every
	// latency query and every ratio's denominator uses it, as the rules do
	// (docs/alerting.md, "Upgraded requests"); the traffic panels (request rate, status
	// codes) still count upgrades, so websockets stay visible there.
	notUpgrade = `http_response_status_code!="101"`
	// slowBucket is the bucket at the slow-request threshold (instrument's default 1 s),
	// which the middleware adds as an exact boundary. OpenMetrics writes the bound as
	// "1.0" and Prometheus before 3.0 keeps it so, hence both spellings.
	slowBucket = `le=~"1(\\.0)?"`
)

// overview is the seed's summary: traffic, errors, latency, the slowest and busiest
// routes, and the alerts that fire.
func overview() (dashboard.Dashboard, error) {
	rate := func(extra string) string {
		return `sum(rate(` + reqCount + `{` + httpSel + extra + `}[$__rate_interval]))`
	}
	errorRatio := `(` + rate(", "+errorStatus) + ` or vector(0)) / ` + rate(", "+notUpgrade)
	// Go cannot attribute heap to one request (docs/metrics.md, "Memory per request"):
	// what it can say is the process's allocation rate over its request rate, per
	// instance, and the heap in use of the instances that serve HTTP.
	perInstance := func(metric, extra string) string {
		return `sum by (job, instance) (rate(` + metric + `{` + httpSel + extra + `}[$__rate_interval]))`
	}
	allocPerRequest := perInstance("go_memstats_alloc_bytes_total", "") + ` / (` + perInstance(reqCount, ", "+notUpgrade) + ` > 0)`
	heapInUse := `sum by (job, instance) (go_memstats_heap_inuse_bytes{` + httpSel + `}) and on (job, instance) group by (job, instance) (` + reqCount + `{` + httpSel + `})`
	quantile := func(q string) string {
		return `histogram_quantile(` + q + `, sum by (le) (rate(` + reqBucket + `{` + httpSel + `, ` + notUpgrade + `}[$__rate_interval])))`
	}
	return newDashboard(UIDOverview, "perfwatch / Overview",
		"Traffic, errors and latency of every instrumented service at a glance, with the routes that need attention and the alerts that fire.",
		reqCount).
		WithRow(row("Now")).
		WithPanel(singleStat("Request rate", "Requests per second over all routes.", "reqps", 4,
			query(rate(""), "requests"))).
		WithPanel(singleStat("Error ratio", "Share of requests answered with a 5xx status. The error-rate alert fires above 5 %.", "percentunit", 4,
			query(errorRatio, "errors"),
			step(nil, "green"), step(num(0.01), "orange"), step(num(0.05), "red"))).
		WithPanel(singleStat("p95 latency", "95th percentile of request duration over all routes.", "s", 4,
			query(quantile("0.95"), "p95"),
			step(nil, "green"), step(num(0.5), "orange"), step(num(1), "red"))).
		WithPanel(singleStat("Slow requests", "Share of requests slower than the slow-request threshold (1 s), read exactly from the bucket at the threshold. Websocket upgrades (101) are left out.", "percentunit", 4,
			// Over the +Inf bucket of the same histogram, as the rules do: an adapted
			// _count may come from another family (docs/backends.md, django-prometheus).
			query(`1 - sum(rate(`+reqBucket+`{`+httpSel+`, `+notUpgrade+`, `+slowBucket+`}[$__rate_interval])) / sum(rate(`+reqBucket+`{`+httpSel+`, `+notUpgrade+`, le="+Inf"}[$__rate_interval]))`, "slow"),
			step(nil, "green"), step(num(0.01), "orange"), step(num(0.05), "red"))).
		WithPanel(singleStat("In flight", "Requests being served right now.", "short", 4,
			query(`sum(http_server_active_requests{`+httpSel+`})`, "in flight"))).
		WithPanel(singleStat("Alerts firing now", "Alerts firing now, of every severity; see the table below.", "short", 4,
			query(`count(ALERTS{alertstate="firing"}) or vector(0)`, "firing"),
			step(nil, "green"), step(num(1), "red"))).
		WithRow(row("Traffic and latency")).
		WithPanel(timeSeries("Latency percentiles", "p50, p95 and p99 of request duration over all routes, interpolated within histogram buckets. Websocket upgrades (status 101) are left out: their duration is the connection's lifetime.", "s", 12, 8,
			query(quantile("0.5"), "p50"), query(quantile("0.95"), "p95"), query(quantile("0.99"), "p99"))).
		WithPanel(stacked("Requests by status class", "Request rate by the first digit of the response status.", "reqps", 12, 8,
			query(`sum by (class) (label_replace(rate(`+reqCount+`{`+httpSel+`}[$__rate_interval]), "class", "${1}xx", "http_response_status_code", "(.).."))`, "{{class}}"))).
		WithPanel(timeSeries("Error ratio over time", "Share of requests answered with a 5xx status.", "percentunit", 24, 7,
			query(errorRatio, "error ratio"))).
		WithRow(row("Memory")).
		WithPanel(timeSeries("Allocated per request", "Bytes the Go runtime allocated per request served, by instance: go_memstats_alloc_bytes_total's rate over the request rate. An average over everything the process allocates (background work too), not one request's memory: Go cannot attribute heap to a request. A rise after a deploy means the code allocates more per request.", "bytes", 12, 8,
			query(allocPerRequest, "{{job}} {{instance}}"))).
		WithPanel(timeSeries("Heap in use", "Bytes in in-use heap spans (go_memstats_heap_inuse_bytes) of each instance that serves HTTP requests: live objects and fragmentation, as the Go runtime sees them. Steady growth under steady traffic is a leak; the System dashboard's \"Process memory\" shows resident memory of watched processes.", "bytes", 12, 8,
			query(heapInUse, "{{job}} {{instance}}"))).
		WithRow(row("Routes")).
		WithPanel(tableOf("Slowest routes", "The ten routes with the highest p95 latency over the dashboard's time range.", 12, 8,
			map[string]string{"http_route": "Route", "Value": "p95"},
			instant("A", `topk(10, histogram_quantile(0.95, sum by (le, http_route) (rate(`+reqBucket+`{`+httpSel+`, `+notUpgrade+`}[$__range]))))`)).
			Unit("s")).
		WithPanel(tableOf("Busiest routes", "The ten routes with the most requests per second over the dashboard's time range.", 12, 8,
			map[string]string{"http_route": "Route", "Value": "req/s"},
			instant("A", `topk(10, sum by (http_route) (rate(`+reqCount+`{`+httpSel+`}[$__range])))`)).
			Unit("reqps")).
		WithRow(row("Alerts")).
		WithPanel(stacked("Firing alerts by severity", "Alerts in state firing, by their severity label (low, medium, high, critical).", "short", 12, 8,
			query(`count by (severity) (ALERTS{alertstate="firing"})`, "{{severity}}"))).
		WithPanel(tableOf("Firing alerts", "Every firing alert with its labels; Alertmanager routes them to email and Slack by severity.", 12, 8,
			map[string]string{"Value": "active"},
			instant("A", `ALERTS{alertstate="firing"}`))).
		Build()
}
