package config

// The default expressions read the raw series of the naming contract
// (../shared/ARCHITECTURE.md), not perfwatch's recording rules, so that the sidecar
// works against any Prometheus-compatible store whether or not the rules are loaded.
// Ratios divide by the request rate; a route with no request in the window has no
// sample (0/0 is NaN, which the models skip). Upgraded requests (status 101, the
// websockets whose duration is a connection's lifetime) are left out, as the rules
// leave them out.

const (
	requestRate  = `sum by (job, http_route) (rate(http_server_request_duration_seconds_count{http_response_status_code!="101"}[5m]))`
	durationSum  = `sum by (job, http_route) (rate(http_server_request_duration_seconds_sum{http_response_status_code!="101"}[5m]))`
	latencyP95   = `histogram_quantile(0.95, sum by (job, http_route, le) (rate(http_server_request_duration_seconds_bucket{http_response_status_code!="101"}[5m])))`
	errorRatio   = `(sum by (job, http_route) (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[5m])) or ` + requestRate + ` * 0) / ` + requestRate
	dbQueries    = `sum by (job, http_route) (rate(perfwatch_http_request_db_queries_sum[5m])) / sum by (job, http_route) (rate(perfwatch_http_request_db_queries_count[5m]))`
	dbTimeShare  = `(sum by (job, http_route) (rate(perfwatch_http_request_db_duration_seconds_sum[5m])) or ` + durationSum + ` * 0) / ` + durationSum
	cacheHitJob  = `sum by (job, cache) (rate(perfwatch_cache_requests_total{result="hit"}[5m])) / sum by (job, cache) (rate(perfwatch_cache_requests_total[5m]))`
	cpuInstance  = `1 - avg by (instance) (rate(node_cpu_seconds_total{mode=~"idle|iowait|steal"}[5m]))`
	memInstance  = `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes`
	cacheHitOnly = `sum by (job) (rate(perfwatch_cache_requests_total{result="hit"}[5m])) / sum by (job) (rate(perfwatch_cache_requests_total[5m]))`
	cpuGlobal    = `avg(1 - avg by (instance) (rate(node_cpu_seconds_total{mode=~"idle|iowait|steal"}[5m])))`
)

// DefaultQueries are the univariate queries of an empty configuration: per route, the
// request rate, p95 latency, 5xx ratio and database queries per request; per cache, the
// hit ratio; per host, CPU and memory use.
func DefaultQueries() []Query {
	return []Query{
		{Name: "request_rate", Expr: requestRate},
		{Name: "latency_p95", Expr: latencyP95, Model: Model{DetectionDirection: "above_expected", MinDevFromExpected: ptr(0.05)}},
		{Name: "error_ratio", Expr: errorRatio, Model: Model{DetectionDirection: "above_expected", MinDevFromExpected: ptr(0.01)}},
		{Name: "db_queries_per_request", Expr: dbQueries, Model: Model{DetectionDirection: "above_expected", MinDevFromExpected: ptr(1)}},
		{Name: "cache_hit_ratio", Expr: cacheHitJob, Model: Model{DetectionDirection: "below_expected", MinDevFromExpected: ptr(0.05)}},
		{Name: "cpu_utilisation", Expr: cpuInstance, Model: Model{DetectionDirection: "above_expected", MinDevFromExpected: ptr(0.05)}},
		{Name: "memory_utilisation", Expr: memInstance, Model: Model{DetectionDirection: "above_expected", MinDevFromExpected: ptr(0.05)}},
	}
}

// DefaultMultivariateFeatures are the per-route Isolation Forest's inputs: request
// rate, p95 latency, 5xx ratio and the share of request time spent in the database.
func DefaultMultivariateFeatures() []Feature {
	return []Feature{
		{Name: "request_rate", Expr: requestRate, Join: JoinRoute},
		{Name: "latency_p95", Expr: latencyP95, Join: JoinRoute},
		{Name: "error_ratio", Expr: errorRatio, Join: JoinRoute, Fill: ptr(0)},
		{Name: "db_time_share", Expr: dbTimeShare, Join: JoinRoute, Fill: ptr(0)},
	}
}

// DefaultPredictionTarget is the predicted series: a route's p95 latency in seconds.
func DefaultPredictionTarget() Feature {
	return Feature{Name: "latency", Expr: latencyP95, Join: JoinRoute}
}

// DefaultPredictionFeatures are the Random Forest's inputs. Concurrency is the mean
// number of requests in flight by Little's law (arrival rate times mean duration: the
// rate of the duration sum). Routes without a database or cache get 0 there, which
// for a per-route model is a constant and so never chosen for a split.
func DefaultPredictionFeatures() []Feature {
	return []Feature{
		{Name: "request_rate", Expr: requestRate, Join: JoinRoute},
		{Name: "concurrency", Expr: durationSum, Join: JoinRoute},
		{Name: "db_queries_per_request", Expr: dbQueries, Join: JoinRoute, Fill: ptr(0)},
		{Name: "cache_hit_ratio", Expr: cacheHitOnly, Join: JoinJob, Fill: ptr(0)},
		{Name: "cpu_utilisation", Expr: cpuGlobal, Join: JoinGlobal, Fill: ptr(0)},
		{Name: HourOfDay},
	}
}

func ptr(v float64) *float64 { return &v }
