package rulegen

import (
	"fmt"
	"slices"
	"strings"
)

// DatabaseConfig configures the database and cache rules (section "database") over
// instrument's DBMonitor and CacheMonitor metrics and client_golang's go_sql_* pool
// collector.
type DatabaseConfig struct {
	Selector   string   `yaml:"selector"`
	RateWindow Duration `yaml:"rate_window"`
	// QueriesQuantile is the quantile of queries per request recorded per route and
	// alerted on.
	QueriesQuantile     float64 `yaml:"queries_quantile"`
	MinRequestRate      float64 `yaml:"min_request_rate"`
	MinCacheRequestRate float64 `yaml:"min_cache_request_rate"`
	Alerts              struct {
		DBRouteQueriesPerRequestHigh ThresholdAlert `yaml:"DBRouteQueriesPerRequestHigh"`
		DBRouteNPlusOneQueries       ThresholdAlert `yaml:"DBRouteNPlusOneQueries"`
		DBConnectionPoolWaiting      ThresholdAlert `yaml:"DBConnectionPoolWaiting"`
		CacheHitRatioLow             ThresholdAlert `yaml:"CacheHitRatioLow"`
	} `yaml:"alerts"`
}

const (
	dbQueries    = "perfwatch_http_request_db_queries"
	dbNPlusOne   = "perfwatch_db_n_plus_one_requests_total"
	dbPatterns   = "perfwatch_db_n_plus_one_patterns_total"
	cacheLookups = "perfwatch_cache_requests_total"

	dashboardDatabase = "perfwatch-database"
)

type databaseSection struct{ c *DatabaseConfig }

func (s databaseSection) name() string { return "database" }

func (s databaseSection) validate(v *validator) {
	v.positive(s.c.RateWindow, "database", "rate_window")
	v.ratio(s.c.QueriesQuantile, "database", "queries_quantile")
	v.nonNegative(s.c.MinRequestRate, "database", "min_request_rate")
	v.nonNegative(s.c.MinCacheRequestRate, "database", "min_cache_request_rate")
	a := &s.c.Alerts
	v.thresholdAlert(a.DBRouteQueriesPerRequestHigh, true, v.positiveNumber, "database", "alerts", "DBRouteQueriesPerRequestHigh")
	v.thresholdAlert(a.DBRouteNPlusOneQueries, true, v.positiveNumber, "database", "alerts", "DBRouteNPlusOneQueries")
	v.thresholdAlert(a.DBConnectionPoolWaiting, true, v.positiveNumber, "database", "alerts", "DBConnectionPoolWaiting")
	v.thresholdAlert(a.CacheHitRatioLow, true, v.ratio, "database", "alerts", "CacheHitRatioLow")
}

// dbRecords are the recording-rule names of the database section.
type dbRecords struct {
	requests, bucket, quantile              string
	nPlusOne, nPlusOneRatio, patterns, slow string
	poolWaits, poolWaitSeconds, poolInUse   string
	cacheRequests, cacheHits, cacheHitRatio string
}

func (s databaseSection) records() dbRecords {
	w := windowName(s.c.RateWindow)
	return dbRecords{
		requests:        "job_http_route:" + dbQueries + "_count:" + w,
		bucket:          "job_http_route_le:" + dbQueries + "_bucket:" + w,
		quantile:        "job_http_route_quantile:" + dbQueries + ":histogram_quantile",
		nPlusOne:        "job_http_route:perfwatch_db_n_plus_one_requests:" + w,
		nPlusOneRatio:   "job_http_route:perfwatch_db_n_plus_one_requests:ratio_" + w,
		patterns:        "job_db_query_summary:perfwatch_db_n_plus_one_patterns:" + w,
		slow:            "job_db_query_summary:perfwatch_db_slow_queries:" + w,
		poolWaits:       "instance_db_name:go_sql_wait_count:" + w,
		poolWaitSeconds: "instance_db_name:go_sql_wait_duration_seconds:" + w,
		poolInUse:       "instance_db_name:go_sql_in_use_connections:ratio",
		cacheRequests:   "job_cache:perfwatch_cache_requests:" + w,
		cacheHits:       "job_cache:perfwatch_cache_hits:" + w,
		cacheHitRatio:   "job_cache:perfwatch_cache_hit_ratio:" + w,
	}
}

func (s databaseSection) recording(*Config) []Recording {
	c := s.c
	r := s.records()
	w := "[" + c.RateWindow.String() + "]"
	rate := func(by, metric string, matchers ...string) string {
		return fmt.Sprintf("sum by (%s) (rate(%s%s))", by, sel(metric, append([]string{c.Selector}, matchers...)...), w)
	}
	const route, pool = "job, http_route", "job, instance, db_name"
	return []Recording{
		// Requests the database monitor saw: the traffic guard of the per-route alerts.
		{Record: r.requests, Expr: rate(route, dbQueries+"_count")},
		{Record: r.bucket, Expr: rate(route+", le", dbQueries+"_bucket")},
		{Record: r.quantile,
			Expr:   fmt.Sprintf("histogram_quantile(%s, %s)", num(c.QueriesQuantile), r.bucket),
			Labels: map[string]string{"quantile": num(c.QueriesQuantile)}},
		// Requests with at least one N+1 pattern: sqlmon counts each request once, however
		// many patterns it has, so their share of the route's requests is at most 1.
		{Record: r.nPlusOne, Expr: rate(route, dbNPlusOne)},
		{Record: r.nPlusOneRatio, Expr: r.nPlusOne + "\n/\n" + r.requests},
		// Which statements loop: patterns per second by summary, across routes.
		{Record: r.patterns, Expr: rate("job, db_query_summary", dbPatterns)},
		{Record: r.slow, Expr: rate("job, db_query_summary", "perfwatch_db_slow_queries_total")},
		{Record: r.poolWaits, Expr: rate(pool, "go_sql_wait_count_total")},
		{Record: r.poolWaitSeconds, Expr: rate(pool, "go_sql_wait_duration_seconds_total")},
		// max_open 0 means unlimited: no ratio then, rather than +Inf.
		{Record: r.poolInUse, Expr: fmt.Sprintf("sum by (%s) (%s)\n/\nsum by (%s) (%s > 0)",
			pool, sel("go_sql_in_use_connections", c.Selector), pool, sel("go_sql_max_open_connections", c.Selector))},
		// Every look-up counts: hit, miss and error. A cache that fails is not hitting.
		{Record: r.cacheRequests, Expr: rate("job, cache", cacheLookups)},
		{Record: r.cacheHits, Expr: fmt.Sprintf("%s\nor\n0 * %s", rate("job, cache", cacheLookups, `result="hit"`), r.cacheRequests)},
		{Record: r.cacheHitRatio, Expr: r.cacheHits + "\n/\n" + r.cacheRequests},
	}
}

// quantileName is "p95" for 0.95.
func quantileName(q float64) string { return "p" + strings.TrimSuffix(pct(q), "%") }

func (s databaseSection) alerts(cfg *Config) []*Alert {
	c := s.c
	r := s.records()
	win := c.RateWindow.String()
	windows := []Duration{c.RateWindow}
	routeMin := func(expr string) string { return minRate(expr, "job, http_route", r.requests, c.MinRequestRate) }
	q := num(c.QueriesQuantile)
	return []*Alert{
		{
			Name:      "DBRouteQueriesPerRequestHigh",
			Enabled:   c.Alerts.DBRouteQueriesPerRequestHigh.Enabled,
			Summary:   "Route {{ $labels.http_route }} of {{ $labels.job }} runs many database queries per request.",
			Dashboard: dashboardDatabase,
			Labels:    []string{"job", "http_route", "quantile"},
			Levels: thresholdLevels(cfg, c.Alerts.DBRouteQueriesPerRequestHigh, windows, func(t float64) (string, string) {
				return routeMin(fmt.Sprintf(`%s{quantile="%s"} > %s`, r.quantile, q, num(t))),
					fmt.Sprintf("The %s of database queries per request to {{ $labels.http_route }} on {{ $labels.job }} was {{ $value | humanize }} over the last %s (threshold %s).", quantileName(c.QueriesQuantile), win, num(t))
			}),
			Fixture: s.queriesFixture(c.Alerts.DBRouteQueriesPerRequestHigh),
		},
		{
			Name:      "DBRouteNPlusOneQueries",
			Enabled:   c.Alerts.DBRouteNPlusOneQueries.Enabled,
			Summary:   "Route {{ $labels.http_route }} of {{ $labels.job }} runs N+1 query patterns.",
			Dashboard: dashboardDatabase,
			Labels:    []string{"job", "http_route"},
			Levels: thresholdLevels(cfg, c.Alerts.DBRouteNPlusOneQueries, windows, func(t float64) (string, string) {
				return routeMin(r.nPlusOneRatio + " > " + num(t)),
					fmt.Sprintf(`{{ $value | humanizePercentage }} of the requests to {{ $labels.http_route }} on {{ $labels.job }} ran an N+1 pattern (one statement repeated per row) over the last %s (threshold %s). The application's warnings name the statements.`, win, pct(t))
			}),
			Fixture: s.nPlusOneFixture(),
		},
		{
			Name:      "DBConnectionPoolWaiting",
			Enabled:   c.Alerts.DBConnectionPoolWaiting.Enabled,
			Summary:   "Connection pool {{ $labels.db_name }} of {{ $labels.instance }} is exhausted: queries wait for a connection.",
			Dashboard: dashboardDatabase,
			Labels:    []string{"job", "instance", "db_name"},
			Levels: thresholdLevels(cfg, c.Alerts.DBConnectionPoolWaiting, windows, func(t float64) (string, string) {
				return r.poolWaitSeconds + " > " + num(t),
					fmt.Sprintf("Queries on {{ $labels.instance }} waited {{ $value | humanize }}s per second for a connection of pool {{ $labels.db_name }} over the last %s (threshold %ss per second).", win, num(t))
			}),
			Fixture: &Fixture{
				Series: []FixtureSeries{
					counter(`go_sql_wait_duration_seconds_total{job="demo", instance="demo:9111", db_name="vault"}`, func(v float64) float64 { return v * 60 }),
				},
				Labels: map[string]string{"job": "demo", "instance": "demo:9111", "db_name": "vault"},
				Rate:   true,
			},
		},
		{
			Name:      "CacheHitRatioLow",
			Enabled:   c.Alerts.CacheHitRatioLow.Enabled,
			Summary:   "Cache {{ $labels.cache }} of {{ $labels.job }} misses most look-ups.",
			Dashboard: dashboardDatabase,
			Labels:    []string{"job", "cache"},
			Levels: thresholdLevels(cfg, c.Alerts.CacheHitRatioLow, windows, func(t float64) (string, string) {
				return minRate(r.cacheHitRatio+" < "+num(t), "job, cache", r.cacheRequests, c.MinCacheRequestRate),
					fmt.Sprintf("Only {{ $value | humanizePercentage }} of the look-ups in cache {{ $labels.cache }} of {{ $labels.job }} were hits over the last %s (threshold %s; errors count as misses).", win, pct(t))
			}),
			Fixture: s.cacheFixture(),
		},
	}
}

// fixtureDB labels the fixtures' application series.
const fixtureDB = `job="demo", instance="demo:9111"`

// rareDBRequests is a per-minute request count below min_request_rate.
func (s databaseSection) rareDBRequests() float64 { return s.c.MinRequestRate * 60 / 2 }

// dbRequestsSeries counts a route's requests seen by the database monitor.
func dbRequestsSeries(route string, perMinute func(float64) float64) FixtureSeries {
	return counter(fmt.Sprintf(`%s_count{%s, http_route="%s"}`, dbQueries, fixtureDB, route), perMinute)
}

// queriesFixture makes the queries-per-request quantile of one route v; a second route
// runs 200 queries per request but stays under min_request_rate.
func (s databaseSection) queriesFixture(a ThresholdAlert) *Fixture {
	bounds := []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} // instrument's buckets
	top := 0.0
	for _, l := range a.Levels {
		if l.Threshold != nil {
			top = max(top, *l.Threshold)
		}
	}
	if 2*top > bounds[len(bounds)-1] {
		bounds = append(bounds, 2*top)
	}
	q := s.c.QueriesQuantile
	bucket := func(route, le string) string {
		return fmt.Sprintf(`%s_bucket{%s, http_route="%s", le="%s"}`, dbQueries, fixtureDB, route, le)
	}
	var series []FixtureSeries
	for i, b := range bounds {
		series = append(series, counter(bucket("/api/items", num(b)), func(v float64) float64 {
			return quantileBuckets(bounds, q, v, fixtureRequests)[i]
		}))
	}
	series = append(series,
		counter(bucket("/api/items", "+Inf"), func(float64) float64 { return fixtureRequests }),
		dbRequestsSeries("/api/items", func(float64) float64 { return fixtureRequests }),
		counter(bucket("/api/rare", "100"), func(float64) float64 { return 0 }),
		counter(bucket("/api/rare", "200"), func(float64) float64 { return s.rareDBRequests() }),
		counter(bucket("/api/rare", "+Inf"), func(float64) float64 { return s.rareDBRequests() }),
		dbRequestsSeries("/api/rare", func(float64) float64 { return s.rareDBRequests() }),
	)
	return &Fixture{
		Series: series,
		Labels: map[string]string{"job": "demo", "http_route": "/api/items", "quantile": num(q)},
		Clear:  top / 10,
	}
}

// quantileBuckets returns the cumulative counts at bounds of n observations whose
// q-quantile, as histogram_quantile interpolates it, is v (bounds[0] < v <= the last
// bound). With v at share x of its bucket (lo, hi]: for x <= q, k observations at the
// lowest bound and the rest in (lo, hi], so that q·n falls at x; for x > q, m = q·n/x in
// (lo, hi] and the rest above hi.
func quantileBuckets(bounds []float64, q, v, n float64) []float64 {
	i, _ := slices.BinarySearch(bounds, v) // bounds[i] is the first bound >= v
	lo, hi := bounds[i-1], bounds[i]
	x := (v - lo) / (hi - lo)
	cum := make([]float64, len(bounds))
	for j := range bounds {
		switch {
		case x <= q && j < i:
			cum[j] = n * (q - x) / (1 - x)
		case x <= q || j > i:
			cum[j] = n
		case j == i:
			cum[j] = n * q / x
		}
	}
	return cum
}

// nPlusOneFixture has share v of a route's requests run an N+1 pattern; a second route
// has one in every request but stays under min_request_rate.
func (s databaseSection) nPlusOneFixture() *Fixture {
	nPlusOne := func(route string) string {
		return fmt.Sprintf(`%s{%s, http_route="%s"}`, dbNPlusOne, fixtureDB, route)
	}
	return &Fixture{
		Series: []FixtureSeries{
			counter(nPlusOne("/api/vaults/{id}"), func(v float64) float64 { return v * fixtureRequests }),
			dbRequestsSeries("/api/vaults/{id}", func(float64) float64 { return fixtureRequests }),
			counter(nPlusOne("/api/rare"), func(float64) float64 { return s.rareDBRequests() }),
			dbRequestsSeries("/api/rare", func(float64) float64 { return s.rareDBRequests() }),
		},
		Labels: map[string]string{"job": "demo", "http_route": "/api/vaults/{id}"},
	}
}

// cacheFixture makes share v of one cache's look-ups hits, the rest half misses and
// half errors; a second cache never hits but stays under min_cache_request_rate.
func (s databaseSection) cacheFixture() *Fixture {
	lookups := func(cache, result string) string {
		return fmt.Sprintf(`%s{%s, cache="%s", result="%s"}`, cacheLookups, fixtureDB, cache, result)
	}
	rare := s.c.MinCacheRequestRate * 60 / 2
	return &Fixture{
		Series: []FixtureSeries{
			counter(lookups("users", "hit"), func(v float64) float64 { return v * fixtureRequests }),
			counter(lookups("users", "miss"), func(v float64) float64 { return (1 - v) * fixtureRequests / 2 }),
			counter(lookups("users", "error"), func(v float64) float64 { return (1 - v) * fixtureRequests / 2 }),
			counter(lookups("sessions", "hit"), func(float64) float64 { return 0 }),
			counter(lookups("sessions", "miss"), func(float64) float64 { return rare }),
		},
		Labels: map[string]string{"job": "demo", "cache": "users"},
		Below:  true,
		Clear:  0.95,
	}
}
