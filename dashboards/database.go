package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// UIDDatabase is the uid of the Database dashboard.
const UIDDatabase = "perfwatch-database"

// database is the seed's database view: queries per request, the share of request time
// spent in the database, the costliest query shapes, N+1 patterns, slow queries, the
// connection pool and cache hit ratios.
func database() (dashboard.Dashboard, error) {
	sel := `job=~"$job", instance=~"$instance"`
	rate := func(metric, extra, by, window string) string {
		return `sum by (` + by + `) (rate(` + metric + `{` + sel + extra + `}[` + window + `]))`
	}
	perReq := func(q string) string {
		return `histogram_quantile(` + q + `, ` + rate("perfwatch_http_request_db_queries_bucket", "", "le, http_route", "$__rate_interval") + `)`
	}
	hitRatio := `(` + rate("perfwatch_cache_requests_total", `, result="hit"`, "cache", "$__rate_interval") +
		` or ` + rate("perfwatch_cache_requests_total", "", "cache", "$__rate_interval") + ` * 0) / ` +
		rate("perfwatch_cache_requests_total", "", "cache", "$__rate_interval")
	return newDashboard(UIDDatabase, "perfwatch / Database",
		"How the services use their databases and caches: queries per request, database time, the costliest query shapes, N+1 patterns, slow queries, connection pools and cache hit ratios.",
		"db_client_operation_duration_seconds_count").
		WithRow(row("Per request")).
		WithPanel(timeSeries("Queries per request (p95)", "95th percentile of the number of database queries one request runs, by route (transaction control statements not counted). The alert fires above 50.", "short", 12, 8,
			query(perReq("0.95"), "{{http_route}}"))).
		WithPanel(timeSeries("Queries per request (mean)", "Average number of database queries per request, by route (transaction control statements not counted).", "short", 12, 8,
			query(rate("perfwatch_http_request_db_queries_sum", "", "http_route", "$__rate_interval")+` / `+
				rate("perfwatch_http_request_db_queries_count", "", "http_route", "$__rate_interval"), "{{http_route}}"))).
		WithPanel(timeSeries("Database time share", "Share of each route's request time spent in database operations, each timed until the driver answered (rows ready), as OpenTelemetry does.", "percentunit", 12, 8,
			query(rate("perfwatch_http_request_db_duration_seconds_sum", "", "http_route", "$__rate_interval")+` / `+
				rate("http_server_request_duration_seconds_sum", ", "+notUpgrade, "http_route", "$__rate_interval"), "{{http_route}}")).Max(1).Min(0)).
		WithPanel(timeSeries("Operations outside requests", "Database operations per second that ran outside any measured request (start-up, background jobs) or after their request ended.", "ops", 12, 8,
			query(rate("perfwatch_db_queries_outside_request_total", "", "db_query_summary", "$__rate_interval"), "{{db_query_summary}}"))).
		WithRow(row("Query shapes")).
		WithPanel(tableOf("Top query summaries by time", "Query shapes (operation and main table) that take the most database time per second over the dashboard's range.", 12, 8,
			map[string]string{"db_query_summary": "Summary", "Value": "seconds/s"},
			instant("A", `topk(10, `+rate("db_client_operation_duration_seconds_sum", "", "db_query_summary", "$__range")+`)`))).
		WithPanel(tableOf("Top query summaries by count", "Query shapes run most often per second over the dashboard's range.", 12, 8,
			map[string]string{"db_query_summary": "Summary", "Value": "ops/s"},
			instant("A", `topk(10, `+rate("db_client_operation_duration_seconds_count", "", "db_query_summary", "$__range")+`)`)).
			Unit("ops")).
		WithPanel(timeSeries("Operation latency (p95)", "95th percentile of database operation duration by operation.", "s", 24, 8,
			query(`histogram_quantile(0.95, `+rate("db_client_operation_duration_seconds_bucket", "", "le, db_system_name, db_operation_name", "$__rate_interval")+`)`,
				"{{db_system_name}} {{db_operation_name}}"))).
		WithRow(row("Problems")).
		WithPanel(timeSeries("Requests with N+1 patterns", "Share of each route's requests in which one query fingerprint ran at least 5 times (taking at least 250 µs together on a networked database; no floor on SQLite). The alert fires above 5 %; the application's warnings name the statements.", "percentunit", 12, 8,
			query(rate("perfwatch_db_n_plus_one_requests_total", "", "http_route", "$__rate_interval")+` / `+
				rate("perfwatch_http_request_db_queries_count", "", "http_route", "$__rate_interval"), "{{http_route}}")).Max(1).Min(0)).
		WithPanel(timeSeries("N+1 patterns by statement", "N+1 patterns per second by query shape, over all routes (once per request and shape).", "ops", 12, 8,
			query(rate("perfwatch_db_n_plus_one_patterns_total", "", "db_query_summary", "$__rate_interval"), "{{db_query_summary}}"))).
		WithPanel(timeSeries("Slow queries", "Operations per second that took at least the slow-query threshold (100 ms), by shape.", "ops", 12, 8,
			query(rate("perfwatch_db_slow_queries_total", "", "db_query_summary", "$__rate_interval"), "{{db_query_summary}}"))).
		WithPanel(timeSeries("Requests with excessive queries", "Requests per second that ran more than 50 database queries (transaction control not counted), by route.", "reqps", 12, 8,
			query(rate("perfwatch_db_excessive_queries_total", "", "http_route", "$__rate_interval"), "{{http_route}}"))).
		WithRow(row("Connection pool")).
		WithPanel(timeSeries("Connections in use", "Connections in use and open, against the pool's maximum.", "short", 8, 8,
			query(`sum by (db_name) (go_sql_in_use_connections{`+sel+`})`, "{{db_name}} in use"),
			query(`sum by (db_name) (go_sql_open_connections{`+sel+`})`, "{{db_name}} open"),
			query(`sum by (db_name) (go_sql_max_open_connections{`+sel+`})`, "{{db_name}} max"))).
		WithPanel(timeSeries("Waits for a connection", "How often per second a query had to wait for a free connection.", "ops", 8, 8,
			query(rate("go_sql_wait_count_total", "", "db_name", "$__rate_interval"), "{{db_name}}"))).
		WithPanel(timeSeries("Time waiting for a connection", "Seconds per second spent waiting for a free connection: above 0 means the pool is too small or queries hold connections too long.", "percentunit", 8, 8,
			query(rate("go_sql_wait_duration_seconds_total", "", "db_name", "$__rate_interval"), "{{db_name}}"))).
		WithRow(row("Caches")).
		WithPanel(timeSeries("Cache hit ratio", "Share of look-ups that found their key, by cache; errors count as misses.", "percentunit", 12, 8,
			query(hitRatio, "{{cache}}")).Max(1).Min(0)).
		WithPanel(timeSeries("Cache look-ups", "Look-ups per second by cache and result.", "ops", 12, 8,
			query(rate("perfwatch_cache_requests_total", "", "cache, result", "$__rate_interval"), "{{cache}} {{result}}"))).
		Build()
}
