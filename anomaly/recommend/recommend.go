// Package recommend turns per-route evidence (request rate, latency, database and cache
// use, host CPU, and the latency forest's importances and what-if predictions) into
// recommendations a web developer can act on: each names a kind, a route, a severity,
// the numbers it rests on and one sentence of advice.
//
// The package does no I/O. The anomaly sidecar runs the PromQL of Queries, fills
// Evidence with a Builder, calls Recommend, exposes the result as
// perfwatch_recommendations{kind, http_route, severity} and serves it as JSON at
// GET /api/v1/recommendations. docs/anomaly-recommendations.md describes every kind.
//
// No recommendation rests on one number alone where that number is normal for a
// healthy route: a route spending most of its time in its one fast query is how a
// CRUD route looks (issue #10), so a high database share only counts together with a
// slow route, many queries or an N+1 pattern.
package recommend

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Kind names what a recommendation is about; it is the kind label of
// perfwatch_recommendations.
type Kind string

// The kinds of recommendation, in the order Recommend considers them for a route.
const (
	// KindNPlusOne: requests run one statement once per row (N+1 pattern).
	KindNPlusOne Kind = "n_plus_one"
	// KindQueriesPerRequest: requests run many queries without one repeated statement.
	KindQueriesPerRequest Kind = "queries_per_request"
	// KindDBTimeShare: a slow route spends its time in few, slow queries.
	KindDBTimeShare Kind = "db_time_share"
	// KindCacheHitRatio: a cache misses most look-ups while the route leans on the database.
	KindCacheHitRatio Kind = "cache_hit_ratio"
	// KindCPUSaturation: a slow route whose time is not in the database, on a busy host.
	KindCPUSaturation Kind = "cpu_saturation"
	// KindCapacity: the latency forest predicts the route slow at twice today's load.
	KindCapacity Kind = "capacity"
	// KindLatencyDriver: one feature explains most of the latency of a slow route.
	KindLatencyDriver Kind = "latency_driver"
)

// Kinds lists every kind in the order Recommend considers them.
func Kinds() []Kind {
	return []Kind{KindNPlusOne, KindQueriesPerRequest, KindDBTimeShare, KindCacheHitRatio, KindCPUSaturation, KindCapacity, KindLatencyDriver}
}

// Severity is a recommendation's urgency; alerts have critical too, recommendations
// stop at high because they are advice, not outages.
type Severity string

// The severities, lowest first.
const (
	Low    Severity = "low"
	Medium Severity = "medium"
	High   Severity = "high"
)

// rank orders severities, low first.
func (s Severity) rank() int {
	switch s {
	case Low:
		return 0
	case Medium:
		return 1
	case High:
		return 2
	}
	return -1
}

// The feature names of perfwatch_prediction_feature_importance{feature}.
const (
	FeatureRequestRate         = "request_rate"
	FeatureConcurrency         = "concurrency"
	FeatureDBQueriesPerRequest = "db_queries_per_request"
	FeatureCacheHitRatio       = "cache_hit_ratio"
	FeatureCPUUtilisation      = "cpu_utilisation"
	FeatureHourOfDay           = "hour_of_day"
)

// Features lists the latency forest's features.
func Features() []string {
	return []string{FeatureRequestRate, FeatureConcurrency, FeatureDBQueriesPerRequest, FeatureCacheHitRatio, FeatureCPUUtilisation, FeatureHourOfDay}
}

// Evidence is what is known about one route of one job. NaN means unknown: a missing
// series, a route without database monitor, a model still in cold start. Maps hold
// only known values.
type Evidence struct {
	Job   string `json:"job"`
	Route string `json:"http_route"`
	// RequestRate is requests per second.
	RequestRate float64 `json:"request_rate"`
	// LatencyP95 is the 95th percentile of request duration, seconds.
	LatencyP95 float64 `json:"latency_p95_seconds"`
	// SlowRatio is the share of requests slower than the slow-request threshold
	// (Thresholds.SlowRequestSeconds, a bucket boundary of the duration histogram).
	SlowRatio float64 `json:"slow_ratio"`
	// NPlusOneRatio is the share of the route's requests with at least one N+1 pattern.
	NPlusOneRatio float64 `json:"n_plus_one_ratio"`
	// DBTimeShare is the share of the route's request time spent in database operations.
	DBTimeShare float64 `json:"db_time_share"`
	// DBQueriesPerRequest is the mean number of database queries per request.
	DBQueriesPerRequest float64 `json:"db_queries_per_request"`
	// CacheHitRatio is the hit ratio of each cache of the job, by cache name.
	CacheHitRatio map[string]float64 `json:"cache_hit_ratio,omitempty"`
	// CPUUtilisation is the busy share (0..1) of the host serving the route.
	CPUUtilisation float64 `json:"cpu_utilisation"`
	// Importance is the latency forest's feature importances, by feature (Features).
	Importance map[string]float64 `json:"feature_importance,omitempty"`
	// PredictedLatency1_5x and PredictedLatency2x are the forest's latency predictions,
	// seconds, with request rate and concurrency scaled by 1.5 and 2.
	PredictedLatency1_5x float64 `json:"predicted_latency_1_5x_seconds"`
	PredictedLatency2x   float64 `json:"predicted_latency_2x_seconds"`
	// PredictionR2 is the forest's out-of-bag R² for the route; predictions and
	// importances of a forest below Thresholds.MinR2 are not trusted.
	PredictionR2 float64 `json:"prediction_r2"`
}

// NewEvidence returns the evidence of a route with every value unknown.
func NewEvidence(job, route string) Evidence {
	n := math.NaN()
	return Evidence{Job: job, Route: route, RequestRate: n, LatencyP95: n, SlowRatio: n,
		NPlusOneRatio: n, DBTimeShare: n, DBQueriesPerRequest: n, CPUUtilisation: n,
		PredictedLatency1_5x: n, PredictedLatency2x: n, PredictionR2: n}
}

// Thresholds are the limits the recommendations compare evidence with.
// DefaultThresholds has the architecture's defaults.
type Thresholds struct {
	// SlowRequestSeconds: a request slower than this is slow (http.slow_request_seconds).
	SlowRequestSeconds float64 `json:"slow_request_seconds"`
	// QueriesPerRequest: more queries per request than this is excessive.
	QueriesPerRequest float64 `json:"queries_per_request"`
	// CPUUtilisation: a host busier than this share is saturated.
	CPUUtilisation float64 `json:"cpu_utilisation"`
	// NPlusOneRatio: more of a route's requests with an N+1 pattern than this share is a pattern.
	NPlusOneRatio float64 `json:"n_plus_one_ratio"`
	// DBTimeShare: a route spending more than this share of its time in the database leans on it.
	DBTimeShare float64 `json:"db_time_share"`
	// CacheHitRatio: a cache hitting less than this share misses most look-ups.
	CacheHitRatio float64 `json:"cache_hit_ratio"`
	// DominantImportance: a feature with at least this importance drives the latency.
	DominantImportance float64 `json:"dominant_importance"`
	// MinR2: predictions and importances of a route whose forest has an out-of-bag R²
	// below this are not used (an unknown R² does not hold them back).
	MinR2 float64 `json:"min_r2"`
	// MinRequestRate: routes serving fewer requests per second than this get no
	// recommendation; their numbers rest on too few requests.
	MinRequestRate float64 `json:"min_request_rate"`
	// MaxRecommendations caps the result; the lowest severities are dropped first.
	MaxRecommendations int `json:"max_recommendations"`
}

// DefaultThresholds returns the defaults: the architecture's slow request (1 s), 50
// queries per request and 80 % CPU, the N+1 and cache alerts' 5 % and 50 %, and a cap
// of 100 recommendations.
func DefaultThresholds() Thresholds {
	return Thresholds{
		SlowRequestSeconds: 1,
		QueriesPerRequest:  50,
		CPUUtilisation:     0.8,
		NPlusOneRatio:      0.05,
		DBTimeShare:        0.5,
		CacheHitRatio:      0.5,
		DominantImportance: 0.5,
		MinR2:              0.5,
		MinRequestRate:     0.01,
		MaxRecommendations: 100,
	}
}

// Validate reports thresholds Recommend cannot use: non-positive limits, ratios
// outside (0, 1], a negative request rate or a cap below 1.
func (t Thresholds) Validate() error {
	var errs []error
	positive := func(name string, v float64) {
		if !(v > 0) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("%s must be positive and finite, got %g", name, v))
		}
	}
	ratio := func(name string, v float64) {
		if !(v > 0 && v <= 1) {
			errs = append(errs, fmt.Errorf("%s must be in (0, 1], got %g", name, v))
		}
	}
	positive("slow_request_seconds", t.SlowRequestSeconds)
	positive("queries_per_request", t.QueriesPerRequest)
	ratio("cpu_utilisation", t.CPUUtilisation)
	ratio("n_plus_one_ratio", t.NPlusOneRatio)
	ratio("db_time_share", t.DBTimeShare)
	ratio("cache_hit_ratio", t.CacheHitRatio)
	ratio("dominant_importance", t.DominantImportance)
	if !(t.MinR2 <= 1) {
		errs = append(errs, fmt.Errorf("min_r2 must be at most 1, got %g", t.MinR2))
	}
	if !(t.MinRequestRate >= 0) {
		errs = append(errs, fmt.Errorf("min_request_rate must not be negative, got %g", t.MinRequestRate))
	}
	if t.MaxRecommendations < 1 {
		errs = append(errs, fmt.Errorf("max_recommendations must be at least 1, got %d", t.MaxRecommendations))
	}
	if len(errs) > 0 {
		return fmt.Errorf("recommend: thresholds: %w", errors.Join(errs...))
	}
	return nil
}

// Value is one number a recommendation rests on, with its unit ("req/s", "s",
// "ratio" for shares 0..1, "queries/request").
type Value struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Recommendation is one piece of advice about one route.
type Recommendation struct {
	Kind     Kind     `json:"kind"`
	Job      string   `json:"job"`
	Route    string   `json:"http_route"`
	Severity Severity `json:"severity"`
	// Evidence holds the known numbers behind the advice, never NaN or infinite, so
	// the recommendation always encodes as JSON.
	Evidence []Value `json:"evidence"`
	// Advice is one or two plain sentences: what was seen and what to change.
	Advice string `json:"advice"`
}

// The units of Value.
const (
	unitRate    = "req/s"
	unitSeconds = "s"
	unitRatio   = "ratio"
	unitQueries = "queries/request"
)

// otherRoute is the middleware's route for requests no template matched: advice about
// it cannot name the code to change.
const otherRoute = "other"

// known says whether v is a usable number.
func known(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// above and below compare a known value with a limit; unknown is neither.
func above(v, limit float64) bool { return known(v) && v > limit }
func atLeast(v, limit float64) bool {
	return known(v) && v >= limit
}
func below(v, limit float64) bool { return known(v) && v < limit }

// Recommend returns the recommendations the evidence supports, high severity first,
// then by job, route and kind, at most t.MaxRecommendations of them (the lowest
// severities dropped first). A route gets at most one recommendation of each kind.
// Evidence of route "other", or below t.MinRequestRate, gets none.
func Recommend(evidence []Evidence, t Thresholds) []Recommendation {
	var out []Recommendation
	for _, e := range evidence {
		if e.Route == otherRoute || !atLeast(e.RequestRate, t.MinRequestRate) {
			continue
		}
		out = append(out, forRoute(e, t)...)
	}
	slices.SortStableFunc(out, func(a, b Recommendation) int {
		return cmp.Or(
			cmp.Compare(b.Severity.rank(), a.Severity.rank()),
			cmp.Compare(a.Job, b.Job),
			cmp.Compare(a.Route, b.Route),
			cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
		)
	})
	if t.MaxRecommendations > 0 && len(out) > t.MaxRecommendations {
		out = out[:t.MaxRecommendations]
	}
	return out
}

func kindRank(k Kind) int { return slices.Index(Kinds(), k) }

// evidenceList collects the known values of a recommendation.
type evidenceList []Value

func (l *evidenceList) add(name string, v float64, unit string) {
	if known(v) {
		*l = append(*l, Value{Name: name, Value: v, Unit: unit})
	}
}

// forRoute applies every kind to one route's evidence.
func forRoute(e Evidence, t Thresholds) []Recommendation {
	var out []Recommendation
	emit := func(k Kind, sev Severity, ev evidenceList, advice string) {
		out = append(out, Recommendation{Kind: k, Job: e.Job, Route: e.Route, Severity: sev, Evidence: ev, Advice: advice})
	}
	has := func(k Kind) bool {
		return slices.ContainsFunc(out, func(r Recommendation) bool { return r.Kind == k })
	}
	slow := above(e.LatencyP95, t.SlowRequestSeconds)
	dbBound := atLeast(e.DBTimeShare, t.DBTimeShare)
	manyQueries := atLeast(e.DBQueriesPerRequest, t.QueriesPerRequest)
	trusted := !known(e.PredictionR2) || e.PredictionR2 >= t.MinR2
	base := func() evidenceList {
		var ev evidenceList
		ev.add("request_rate", e.RequestRate, unitRate)
		ev.add("latency_p95", e.LatencyP95, unitSeconds)
		ev.add("slow_request_seconds", t.SlowRequestSeconds, unitSeconds)
		return ev
	}
	db := func(ev evidenceList) evidenceList {
		ev.add("db_time_share", e.DBTimeShare, unitRatio)
		ev.add("db_queries_per_request", e.DBQueriesPerRequest, unitQueries)
		return ev
	}

	// An N+1 pattern is a defect of the route's code whatever its speed: the latency
	// grows with the rows, so it is slow in production before it is in development.
	if above(e.NPlusOneRatio, t.NPlusOneRatio) {
		sev := Medium
		if slow || dbBound {
			sev = High
		}
		ev := db(base())
		ev.add("n_plus_one_ratio", e.NPlusOneRatio, unitRatio)
		emit(KindNPlusOne, sev, ev, fmt.Sprintf(
			"%s of the requests to %s run one statement once per row (N+1)%s. Load the rows in one query instead: WHERE id IN (...), a join, or the ORM's eager loading; the application's \"N+1 database queries\" warnings name the statement.",
			pct(e.NPlusOneRatio), e.Route, queriesClause(e)))
	}

	// Many queries without a loop the detector sees: the N+1 advice covers the route
	// when it fired.
	if manyQueries && !has(KindNPlusOne) {
		sev := Medium
		if slow || dbBound || e.DBQueriesPerRequest >= 2*t.QueriesPerRequest {
			sev = High
		}
		emit(KindQueriesPerRequest, sev, db(base()), fmt.Sprintf(
			"Requests to %s run %s database queries on average (limit %s)%s. Fetch what the handler needs in fewer queries: batch the lookups, join, paginate the listing, or cache what does not change per request.",
			e.Route, fnum(e.DBQueriesPerRequest), fnum(t.QueriesPerRequest), dbShareClause(e)))
	}

	// A high database share alone is a healthy CRUD route; with the route slow and
	// neither many queries nor a loop, it is the statements themselves that are slow.
	if dbBound && slow && !has(KindNPlusOne) && !has(KindQueriesPerRequest) {
		sev := Medium
		if e.LatencyP95 >= 2*t.SlowRequestSeconds {
			sev = High
		}
		ev := db(base())
		ev.add("slow_ratio", e.SlowRatio, unitRatio)
		emit(KindDBTimeShare, sev, ev, fmt.Sprintf(
			"%s spends %s of its time in the database and its p95 is %s (slow above %s)%s, so its statements themselves are slow. Find them in the Database dashboard's \"Top query summaries by time\" and the slow-query counter, EXPLAIN them, and add the missing index or select fewer rows and columns.",
			e.Route, pct(e.DBTimeShare), secs(e.LatencyP95), secs(t.SlowRequestSeconds), fewQueriesClause(e)))
	}

	// A cache that misses only matters here when the route leans on the database the
	// cache should spare, and is slow or runs many queries.
	if cache, ratio, ok := worstCache(e.CacheHitRatio, t.CacheHitRatio); ok && dbBound && (slow || manyQueries) {
		sev := Low
		if slow {
			sev = Medium
		}
		ev := db(base())
		ev.add("cache_hit_ratio{cache=\""+cache+"\"}", ratio, unitRatio)
		emit(KindCacheHitRatio, sev, ev, fmt.Sprintf(
			"Cache %s of %s hits only %s of its look-ups while %s spends %s of its time in the database. Check that the cache key holds no per-request value (a timestamp, a session id), that entries live long enough (TTL) and that the cache is large enough not to evict them; count errors as misses too.",
			cache, e.Job, pct(ratio), e.Route, pct(e.DBTimeShare)))
	}

	// A slow route on a busy host whose time is not in the database waits for CPU.
	if slow && atLeast(e.CPUUtilisation, t.CPUUtilisation) && !dbBound {
		sev := Medium
		if e.CPUUtilisation >= 0.95 {
			sev = High
		}
		ev := base()
		ev.add("cpu_utilisation", e.CPUUtilisation, unitRatio)
		ev.add("db_time_share", e.DBTimeShare, unitRatio)
		emit(KindCPUSaturation, sev, ev, fmt.Sprintf(
			"The host serving %s is %s busy (limit %s) and the route's p95 is %s%s. Take a CPU profile (pprof) under load to find its hot code (serialisation, templates, regular expressions, hashing), or give the service more CPU or instances.",
			e.Route, pct(e.CPUUtilisation), pct(t.CPUUtilisation), secs(e.LatencyP95), notDBClause(e)))
	}

	// Capacity: fast enough today, predicted slow at twice the load.
	if trusted && above(e.PredictedLatency2x, t.SlowRequestSeconds) && !slow {
		sev := Low
		if above(e.PredictedLatency1_5x, t.SlowRequestSeconds) {
			sev = Medium
		}
		ev := base()
		ev.add("predicted_latency_1_5x", e.PredictedLatency1_5x, unitSeconds)
		ev.add("predicted_latency_2x", e.PredictedLatency2x, unitSeconds)
		ev.add("prediction_r2", e.PredictionR2, "")
		feature, imp, _ := topFeature(e.Importance)
		ev.add("importance{feature=\""+feature+"\"}", imp, unitRatio)
		emit(KindCapacity, sev, ev, fmt.Sprintf(
			"At twice today's load%s the latency model predicts %s for %s, above the %s slow-request threshold (%s at 1.5 times). %s",
			rateClause(e.RequestRate, 2), secs(e.PredictedLatency2x), e.Route, secs(t.SlowRequestSeconds), secs(e.PredictedLatency1_5x), featureAdvice(feature, true)))
	}

	// One feature explains most of a slow route's latency; skip it when the kind about
	// that feature has already said so.
	if feature, imp, ok := topFeature(e.Importance); ok && trusted && slow && imp >= t.DominantImportance && !coveredBy(feature, has) {
		sev := Medium
		if imp >= 0.8 {
			sev = High
		}
		ev := base()
		ev.add("importance{feature=\""+feature+"\"}", imp, unitRatio)
		ev.add("prediction_r2", e.PredictionR2, "")
		emit(KindLatencyDriver, sev, ev, fmt.Sprintf(
			"%s is slow (p95 %s) and %s of its latency is explained by %s. %s",
			e.Route, secs(e.LatencyP95), pct(imp), featureName(feature), featureAdvice(feature, false)))
	}
	return out
}

// coveredBy says whether the kind that speaks of feature already fired for the route.
func coveredBy(feature string, has func(Kind) bool) bool {
	switch feature {
	case FeatureCPUUtilisation:
		return has(KindCPUSaturation)
	case FeatureDBQueriesPerRequest:
		return has(KindNPlusOne) || has(KindQueriesPerRequest)
	case FeatureCacheHitRatio:
		return has(KindCacheHitRatio)
	}
	return false
}

// featureName is a feature as a sentence names it.
func featureName(feature string) string {
	switch feature {
	case FeatureRequestRate:
		return "the request rate"
	case FeatureConcurrency:
		return "the number of requests in flight"
	case FeatureDBQueriesPerRequest:
		return "the database queries per request"
	case FeatureCacheHitRatio:
		return "the cache hit ratio"
	case FeatureCPUUtilisation:
		return "the host's CPU utilisation"
	case FeatureHourOfDay:
		return "the hour of the day"
	}
	return feature
}

// featureAdvice is what to look at when a feature drives the latency; capacity says
// what to do before the load grows.
func featureAdvice(feature string, capacity bool) string {
	switch feature {
	case FeatureRequestRate, FeatureConcurrency:
		if capacity {
			return "Latency grows with load there: look for contention (a small connection pool, a lock held across I/O, a single worker) and load-test the route before traffic grows, or plan more instances."
		}
		return "It slows down as load grows: look for contention (connection pool waits, a lock held across I/O, a single worker) rather than for slow code."
	case FeatureDBQueriesPerRequest:
		return "The requests that run more queries are the slow ones: find which parameters make the handler query more and batch those queries."
	case FeatureCacheHitRatio:
		return "Cache misses make it slow: check the cache's key, TTL and size so that its hit ratio holds under load."
	case FeatureCPUUtilisation:
		return "It slows down when the host is busy: profile its CPU use (pprof) or move CPU-heavy work out of the request."
	case FeatureHourOfDay:
		return "It is slow at certain hours: look for scheduled jobs, backups or batch imports at those hours competing with it."
	}
	return "Load-test the route and profile it before traffic grows."
}

// topFeature returns the feature with the highest known importance (ties broken by
// name, so the result is deterministic).
func topFeature(m map[string]float64) (string, float64, bool) {
	best, bestV, ok := "", math.Inf(-1), false
	for _, f := range sortedKeys(m) {
		if v := m[f]; known(v) && v > bestV {
			best, bestV, ok = f, v, true
		}
	}
	if !ok {
		return "", math.NaN(), false
	}
	return best, bestV, true
}

// worstCache returns the cache with the lowest known hit ratio below limit.
func worstCache(m map[string]float64, limit float64) (string, float64, bool) {
	best, bestV, ok := "", math.Inf(1), false
	for _, c := range sortedKeys(m) {
		if v := m[c]; below(v, limit) && v < bestV {
			best, bestV, ok = c, v, true
		}
	}
	return best, bestV, ok
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func queriesClause(e Evidence) string {
	if !known(e.DBQueriesPerRequest) {
		return ""
	}
	return fmt.Sprintf(", %s queries per request on average", fnum(e.DBQueriesPerRequest))
}

func dbShareClause(e Evidence) string {
	if !known(e.DBTimeShare) {
		return ""
	}
	return fmt.Sprintf(", %s of its time in the database", pct(e.DBTimeShare))
}

func fewQueriesClause(e Evidence) string {
	if !known(e.DBQueriesPerRequest) {
		return ""
	}
	return fmt.Sprintf(" with only %s queries per request", fnum(e.DBQueriesPerRequest))
}

func notDBClause(e Evidence) string {
	if !known(e.DBTimeShare) {
		return ""
	}
	return fmt.Sprintf(", of which only %s is spent in the database", pct(e.DBTimeShare))
}

func rateClause(rate, factor float64) string {
	if !known(rate) {
		return ""
	}
	return fmt.Sprintf(" (%s requests per second)", fnum(rate*factor))
}

// pct formats a share as a whole percentage, or with one decimal below 10 %.
func pct(v float64) string {
	if math.Abs(v) < 0.1 {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v*100), ".0") + " %"
	}
	return fmt.Sprintf("%.0f %%", v*100)
}

// secs formats seconds as ms below one second.
func secs(v float64) string {
	if !known(v) {
		return "unknown"
	}
	if math.Abs(v) < 1 {
		return fmt.Sprintf("%.0f ms", v*1000)
	}
	return fnum(v) + " s"
}

// fnum formats a number with up to three significant digits.
func fnum(v float64) string { return fmt.Sprintf("%.3g", v) }
