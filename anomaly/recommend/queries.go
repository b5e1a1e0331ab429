package recommend

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/perfwatch/perfwatch/internal/promql"

	"github.com/perfwatch/perfwatch/internal/hostquery"
)

// The evidence fields: Query.Field, Builder.Add and Evidence.Set name them.
const (
	FieldRequestRate          = "request_rate"
	FieldLatencyP95           = "latency_p95"
	FieldSlowRatio            = "slow_ratio"
	FieldNPlusOneRatio        = "n_plus_one_ratio"
	FieldDBTimeShare          = "db_time_share"
	FieldDBQueriesPerRequest  = "db_queries_per_request"
	FieldCacheHitRatio        = "cache_hit_ratio"
	FieldCPUUtilisation       = "cpu_utilisation"
	FieldFeatureImportance    = "feature_importance"
	FieldPredictedLatency1_5x = "predicted_latency_1_5x"
	FieldPredictedLatency2x   = "predicted_latency_2x"
	FieldPredictionR2         = "prediction_r2"
)

// Query is one PromQL instant query gathering one evidence field. Labels are the
// labels that identify a sample of its result: job and http_route for the route's
// own numbers, job and cache for cache hit ratios, instance for host CPU, feature for
// the forest's importances.
type Query struct {
	Field  string   `json:"field"`
	Expr   string   `json:"expr"`
	Labels []string `json:"labels"`
}

// QueryOptions parametrise the evidence queries.
type QueryOptions struct {
	// Selector holds label matchers without braces for the application's series and
	// the sidecar's own gauges (whose job is the application's, honor_labels); empty
	// selects every job.
	Selector string
	// HostSelector selects the host metrics (node_cpu_seconds_total), as the host
	// rules do; restrict it to the hosts serving the applications.
	HostSelector string
	// Window is the rate window, a PromQL duration.
	Window string
	// SlowRequestSeconds is the slow-request threshold, a bucket boundary of
	// http_server_request_duration_seconds.
	SlowRequestSeconds float64
	// MinCacheRequestRate: caches looked up fewer times per second than this have no
	// hit ratio (too few look-ups to judge).
	MinCacheRequestRate float64
}

// DefaultQueryOptions are those of rules/config.yml's defaults: every job, hosts of
// perfwatch-exporter or node_exporter, a 5m window, 1 s slow requests and 0.05 cache
// look-ups per second.
func DefaultQueryOptions() QueryOptions {
	return QueryOptions{HostSelector: `job=~"perfwatch-exporter|node"`, Window: "5m", SlowRequestSeconds: 1, MinCacheRequestRate: 0.05}
}

// The metrics the queries read (docs/metrics.md).
const (
	httpDuration    = "http_server_request_duration_seconds"
	notUpgrade      = `http_response_status_code!="101"`
	dbQueries       = "perfwatch_http_request_db_queries"
	dbDuration      = "perfwatch_http_request_db_duration_seconds"
	dbNPlusOne      = "perfwatch_db_n_plus_one_requests_total"
	cacheLookups    = "perfwatch_cache_requests_total"
	predictionLat   = "perfwatch_prediction_latency_seconds"
	predictionR2    = "perfwatch_prediction_r2"
	importanceGauge = "perfwatch_prediction_feature_importance"
)

// Queries returns the instant queries gathering every evidence field. They read raw
// series, not recording rules, so they also work where perfwatch's rules are not
// loaded; upgraded requests (status 101, websockets) are left out as the rules leave
// them out. Ratios of routes without traffic are NaN, which Evidence takes as unknown.
func Queries(o QueryOptions) []Query {
	w := "[" + o.Window + "]"
	route := []string{"job", "http_route"}
	sum := func(by, metric string, matchers ...string) string {
		return fmt.Sprintf("sum by (%s) (rate(%s%s))", by, sel(metric, append([]string{o.Selector}, matchers...)...), w)
	}
	const byRoute = "job, http_route"
	requests := sum(byRoute, httpDuration+"_count", notUpgrade)
	dbRequests := sum(byRoute, dbQueries+"_count")
	cacheAll := sum("job, cache", cacheLookups)
	return []Query{
		{FieldRequestRate, requests, route},
		{FieldLatencyP95, fmt.Sprintf("histogram_quantile(0.95, %s)", sum(byRoute+", le", httpDuration+"_bucket", notUpgrade)), route},
		// The bucket at the threshold over the +Inf bucket of the same histogram, exact
		// because the threshold is a bucket boundary.
		{FieldSlowRatio, fmt.Sprintf("1 - %s / %s",
			sum(byRoute, httpDuration+"_bucket", notUpgrade, leMatcher(o.SlowRequestSeconds)),
			sum(byRoute, httpDuration+"_bucket", notUpgrade, `le="+Inf"`)), route},
		// The N+1 counter appears with the first such request: 0, not unknown, before.
		{FieldNPlusOneRatio, fmt.Sprintf("(%s or 0 * %s) / %s", sum(byRoute, dbNPlusOne), dbRequests, dbRequests), route},
		{FieldDBTimeShare, fmt.Sprintf("%s / %s", sum(byRoute, dbDuration+"_sum"), sum(byRoute, httpDuration+"_sum", notUpgrade)), route},
		{FieldDBQueriesPerRequest, fmt.Sprintf("%s / %s", sum(byRoute, dbQueries+"_sum"), dbRequests), route},
		// Errors count as misses; a cache with no hit yet has ratio 0.
		{FieldCacheHitRatio, fmt.Sprintf("(%s or 0 * %s) / %s and %s > %s",
			sum("job, cache", cacheLookups, `result="hit"`), cacheAll, cacheAll, cacheAll, num(o.MinCacheRequestRate)), []string{"job", "cache"}},
		{FieldCPUUtilisation, strings.ReplaceAll(hostquery.CPUBusy(o.HostSelector, o.Window), "\n", " "), []string{"instance"}},
		{FieldFeatureImportance, fmt.Sprintf("max by (feature) (%s)", sel(importanceGauge)), []string{"feature"}},
		{FieldPredictedLatency1_5x, fmt.Sprintf("max by (%s) (%s)", byRoute, sel(predictionLat, o.Selector, `scenario="load_1_5x"`)), route},
		{FieldPredictedLatency2x, fmt.Sprintf("max by (%s) (%s)", byRoute, sel(predictionLat, o.Selector, `scenario="load_2x"`)), route},
		{FieldPredictionR2, fmt.Sprintf("min by (%s) (%s)", byRoute, sel(predictionR2, o.Selector)), route},
	}
}

// sel writes metric{matchers}, skipping empty matchers.
func sel(metric string, matchers ...string) string {
	return promql.Selector(metric, matchers...)
}

// leMatcher selects the bucket at seconds: Prometheus 2 keeps the exposition's "1",
// Prometheus 3 writes "1.0", so integral bounds match both.
func leMatcher(seconds float64) string { return promql.LeMatcher(seconds) }

func num(f float64) string { return promql.Number(f) }

// Set stores v as field of the evidence; key is the cache of FieldCacheHitRatio and
// the feature of FieldFeatureImportance, and ignored otherwise. A NaN or infinite v
// leaves the field unknown (and removes a map entry).
func (e *Evidence) Set(field, key string, v float64) error {
	if math.IsInf(v, 0) {
		v = math.NaN()
	}
	setMap := func(m *map[string]float64, what string) error {
		if key == "" {
			return fmt.Errorf("recommend: %s needs a %s", field, what)
		}
		if math.IsNaN(v) {
			delete(*m, key)
			return nil
		}
		if *m == nil {
			*m = map[string]float64{}
		}
		(*m)[key] = v
		return nil
	}
	switch field {
	case FieldRequestRate:
		e.RequestRate = v
	case FieldLatencyP95:
		e.LatencyP95 = v
	case FieldSlowRatio:
		e.SlowRatio = v
	case FieldNPlusOneRatio:
		e.NPlusOneRatio = v
	case FieldDBTimeShare:
		e.DBTimeShare = v
	case FieldDBQueriesPerRequest:
		e.DBQueriesPerRequest = v
	case FieldCacheHitRatio:
		return setMap(&e.CacheHitRatio, "cache")
	case FieldCPUUtilisation:
		e.CPUUtilisation = v
	case FieldFeatureImportance:
		return setMap(&e.Importance, "feature")
	case FieldPredictedLatency1_5x:
		e.PredictedLatency1_5x = v
	case FieldPredictedLatency2x:
		e.PredictedLatency2x = v
	case FieldPredictionR2:
		e.PredictionR2 = v
	default:
		return fmt.Errorf("recommend: unknown evidence field %q", field)
	}
	return nil
}

// DefaultMaxRoutes bounds the routes a Builder holds: instrument's default route
// limit per service.
const DefaultMaxRoutes = 1000

// Builder assembles Evidence from the samples of Queries' results. Route fields
// create a route's evidence; a cache's hit ratio applies to every route of its job,
// host CPU (the busiest host the query returned) and importances to every route,
// unless their sample carries job and http_route. A Builder is not safe for
// concurrent use.
type Builder struct {
	maxRoutes  int
	routes     map[routeKey]*Evidence
	caches     map[string]map[string]float64 // job, cache
	cpu        float64
	importance map[string]float64
	dropped    int
}

type routeKey struct{ job, route string }

// NewBuilder returns an empty Builder holding at most maxRoutes routes (samples of
// further routes are counted by Dropped); maxRoutes <= 0 means DefaultMaxRoutes.
func NewBuilder(maxRoutes int) *Builder {
	if maxRoutes <= 0 {
		maxRoutes = DefaultMaxRoutes
	}
	return &Builder{maxRoutes: maxRoutes, routes: map[routeKey]*Evidence{}, caches: map[string]map[string]float64{}, cpu: math.NaN(), importance: map[string]float64{}}
}

// Add records one sample of the query of field, with the sample's labels.
func (b *Builder) Add(field string, labels map[string]string, v float64) error {
	job, route := labels["job"], labels["http_route"]
	switch {
	case field == FieldCacheHitRatio:
		if job == "" || labels["cache"] == "" {
			return fmt.Errorf("recommend: %s sample without job and cache: %v", field, labels)
		}
		if b.caches[job] == nil {
			b.caches[job] = map[string]float64{}
		}
		if known(v) {
			b.caches[job][labels["cache"]] = v
		}
		return nil
	case field == FieldCPUUtilisation && route == "":
		if known(v) && !(v <= b.cpu) {
			b.cpu = v
		}
		return nil
	case field == FieldFeatureImportance && route == "":
		if labels["feature"] == "" {
			return fmt.Errorf("recommend: %s sample without feature: %v", field, labels)
		}
		if known(v) {
			b.importance[labels["feature"]] = v
		}
		return nil
	}
	if job == "" || route == "" {
		return fmt.Errorf("recommend: %s sample without job and http_route: %v", field, labels)
	}
	e := b.route(job, route)
	if e == nil {
		return nil // beyond the bound, counted in Dropped
	}
	return e.Set(field, labels["feature"], v)
}

// route returns the evidence of a route, created on first use; nil when the bound is
// reached (counted in dropped).
func (b *Builder) route(job, route string) *Evidence {
	k := routeKey{job, route}
	if e, ok := b.routes[k]; ok {
		return e
	}
	if len(b.routes) >= b.maxRoutes {
		b.dropped++
		return nil
	}
	e := NewEvidence(job, route)
	b.routes[k] = &e
	return &e
}

// Dropped is the number of samples left out because the route bound was reached.
func (b *Builder) Dropped() int { return b.dropped }

// Evidence returns the evidence of every route, sorted by job and route, with the
// job's cache hit ratios, the host CPU and the importances filled in where the route
// has none of its own.
func (b *Builder) Evidence() []Evidence {
	out := make([]Evidence, 0, len(b.routes))
	for _, e := range b.routes {
		ev := *e
		// Copies, so that the caller may change the result without touching the Builder.
		if caches := b.caches[ev.Job]; len(caches) > 0 || ev.CacheHitRatio != nil {
			merged := cloneMap(caches)
			for c, v := range ev.CacheHitRatio {
				merged[c] = v
			}
			ev.CacheHitRatio = merged
		}
		if !known(ev.CPUUtilisation) {
			ev.CPUUtilisation = b.cpu
		}
		switch {
		case len(ev.Importance) == 0 && len(b.importance) > 0:
			ev.Importance = cloneMap(b.importance)
		case ev.Importance != nil:
			ev.Importance = cloneMap(ev.Importance)
		}
		out = append(out, ev)
	}
	slices.SortFunc(out, func(a, b Evidence) int {
		if c := strings.Compare(a.Job, b.Job); c != 0 {
			return c
		}
		return strings.Compare(a.Route, b.Route)
	})
	return out
}

func cloneMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
