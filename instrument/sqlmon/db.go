package sqlmon

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/internal/bounded"
	"github.com/perfwatch/perfwatch/instrument/internal/buckets"
	"github.com/perfwatch/perfwatch/instrument/internal/servertiming"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of DBOptions; ARCHITECTURE.md's threshold table names the excessive one.
const (
	DefaultExcessiveQueries    = 50
	DefaultNPlusOneMinQueries  = 5
	DefaultNPlusOneMinDuration = 50 * time.Millisecond
	DefaultSlowQueryThreshold  = 100 * time.Millisecond
	DefaultMaxQuerySummaries   = 500
	DefaultQueryCacheSize      = 5000
)

// Values of db_system_name for common databases, as OpenTelemetry names them.
const (
	SystemPostgreSQL = "postgresql"
	SystemSQLite     = "sqlite"
	SystemMySQL      = "mysql"
	SystemMariaDB    = "mariadb"
	SystemSQLServer  = "microsoft.sql_server"
	SystemOtherSQL   = "other_sql"
)

// SummaryOther is the db_query_summary of statements beyond the bound on distinct
// summaries.
const SummaryOther = "other"

// DBOptions configure a DBMonitor. The zero value of each field means its default.
type DBOptions struct {
	// Logger receives one warning per request with an N+1 pattern and one per request
	// with excessive queries; nil means slog.Default(). Warnings name the route, the
	// query summary and fingerprint, counts and times, never a value from a query.
	Logger *slog.Logger
	// NPlusOneMinQueries and NPlusOneMinDuration define an N+1 pattern: the same
	// fingerprint run at least that many times in one request, taking at least that
	// long together (defaults 5 and 50 ms, as Sentry's detector).
	NPlusOneMinQueries  int
	NPlusOneMinDuration time.Duration
	// ExcessiveQueries is the number of queries in one request above which the request
	// is counted as excessive (default 50).
	ExcessiveQueries int
	// SlowQueryThreshold is the duration from which a query counts as slow (default
	// 100 ms); it is also an exact bucket boundary of the operation histogram.
	SlowQueryThreshold time.Duration
	// ServerTiming adds a Server-Timing header (db;dur=12.3;desc="7 queries") to every
	// response, for the browser's developer tools. It tells clients how much time the
	// database took, so it is off by default.
	ServerTiming bool
	// MaxQuerySummaries bounds the distinct db_query_summary values (default 500);
	// later ones are recorded as "other".
	MaxQuerySummaries int
	// MaxRoutes bounds the distinct http_route values (default instrument.DefaultMaxRoutes).
	MaxRoutes int
	// QueryCacheSize bounds the query strings whose fingerprints are remembered
	// (default 5000).
	QueryCacheSize int
	// ConstLabels are added to every metric of the monitor.
	ConstLabels prometheus.Labels
}

func (o *DBOptions) setDefaults() error {
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"NPlusOneMinQueries", &o.NPlusOneMinQueries, DefaultNPlusOneMinQueries},
		{"ExcessiveQueries", &o.ExcessiveQueries, DefaultExcessiveQueries},
		{"MaxQuerySummaries", &o.MaxQuerySummaries, DefaultMaxQuerySummaries},
		{"MaxRoutes", &o.MaxRoutes, instrument.DefaultMaxRoutes},
		{"QueryCacheSize", &o.QueryCacheSize, DefaultQueryCacheSize},
	} {
		if *f.v < 0 {
			return fmt.Errorf("%s %d: must not be negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"NPlusOneMinDuration", &o.NPlusOneMinDuration, DefaultNPlusOneMinDuration},
		{"SlowQueryThreshold", &o.SlowQueryThreshold, DefaultSlowQueryThreshold},
	} {
		if *f.v < 0 {
			return fmt.Errorf("%s %v: must not be negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// A DBMonitor measures the queries of database/sql connections it wraps (OpenDB,
// Open, WrapConnector, WrapDriver) and, as a Hook of the HTTP middleware, analyses the
// queries of each request: how many, how long, N+1 patterns and excessive counts.
// It is safe for concurrent use.
type DBMonitor struct {
	opts  DBOptions
	reg   prometheus.Registerer
	epoch time.Time // monotonic reference of durations

	opDuration *prometheus.HistogramVec // db_client_operation_duration_seconds
	slow       *prometheus.CounterVec
	outside    *prometheus.CounterVec
	nPlusOne   *prometheus.CounterVec

	summaries bounded.Set[string]
	routes    bounded.Set[*routeDBMetrics]

	mu      sync.Mutex
	systems map[string]*dbSystem
}

// routeDBMetrics are the per-request metrics of one route, resolved once.
type routeDBMetrics struct {
	label             string // http_route as the middleware records it
	queries, duration prometheus.Observer
	excessive         prometheus.Counter
}

// DefaultDBDurationBuckets are OpenTelemetry's advised boundaries for
// db.client.operation.duration, in seconds.
func DefaultDBDurationBuckets() []float64 {
	return []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}
}

// queriesPerRequestBuckets are the boundaries of perfwatch_http_request_db_queries;
// the excessive threshold is added to them.
func queriesPerRequestBuckets() []float64 {
	return []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}
}

// NewDBMonitor returns a DBMonitor whose metrics are registered on reg. Pass it to New
// with WithHook so that it sees requests.
func NewDBMonitor(reg prometheus.Registerer, opts DBOptions) (*DBMonitor, error) {
	if reg == nil {
		return nil, fmt.Errorf("instrument: nil Registerer (pass prometheus.DefaultRegisterer to use the global one)")
	}
	if err := opts.setDefaults(); err != nil {
		return nil, fmt.Errorf("instrument: db options: %w", err)
	}
	cl := opts.ConstLabels
	d := &DBMonitor{
		opts:  opts,
		reg:   reg,
		epoch: time.Now(),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "db_client_operation_duration_seconds",
			Help:    "Duration of database client operations: from sending a statement until its result rows are closed.",
			Buckets: buckets.WithBoundary(DefaultDBDurationBuckets(), opts.SlowQueryThreshold.Seconds()), ConstLabels: cl,
		}, []string{"db_system_name", "db_operation_name", "db_query_summary"}),
		slow: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_db_slow_queries_total",
			Help: "Database operations that took at least the slow query threshold.", ConstLabels: cl,
		}, []string{"db_query_summary"}),
		outside: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_db_queries_outside_request_total",
			Help: "Database operations run outside any HTTP request the monitor takes part in (background work, or after the request ended).", ConstLabels: cl,
		}, []string{"db_query_summary"}),
		nPlusOne: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_db_n_plus_one_total",
			Help: "Requests in which one query fingerprint ran often enough and long enough to be an N+1 pattern, per route and query summary.", ConstLabels: cl,
		}, []string{"http_route", "db_query_summary"}),
		systems: map[string]*dbSystem{},
	}
	queries := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "perfwatch_http_request_db_queries",
		Help:    "Database operations per HTTP request.",
		Buckets: buckets.WithBoundary(queriesPerRequestBuckets(), float64(opts.ExcessiveQueries)), ConstLabels: cl,
	}, []string{"http_route"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "perfwatch_http_request_db_duration_seconds",
		Help:    "Time spent in database operations per HTTP request (operations run in parallel add up).",
		Buckets: instrument.DefaultDurationBuckets(), ConstLabels: cl,
	}, []string{"http_route"})
	excessive := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "perfwatch_db_excessive_queries_total",
		Help: "HTTP requests that ran more database operations than the excessive-queries threshold.", ConstLabels: cl,
	}, []string{"http_route"})
	d.summaries = bounded.Set[string]{Max: opts.MaxQuerySummaries, Other: SummaryOther, Make: func(s string) string { return s }}
	d.routes = bounded.Set[*routeDBMetrics]{Max: opts.MaxRoutes, Other: instrument.RouteOther, Make: func(route string) *routeDBMetrics {
		return &routeDBMetrics{
			label:     route,
			queries:   queries.WithLabelValues(route),
			duration:  duration.WithLabelValues(route),
			excessive: excessive.WithLabelValues(route),
		}
	}}
	for _, c := range []prometheus.Collector{d.opDuration, d.slow, d.outside, d.nPlusOne, queries, duration, excessive} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("instrument: register db metrics: %w", err)
		}
	}
	return d, nil
}

// system returns the state shared by all connections to databases of one system.
func (d *DBMonitor) system(name string) *dbSystem {
	if name == "" {
		name = SystemOtherSQL
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.systems[name]; s != nil {
		return s
	}
	s := newDBSystem(d, name)
	d.systems[name] = s
	return s
}

// Start implements Hook: it gives the request a place for its query statistics.
func (d *DBMonitor) Start(s *instrument.Scope, _ *http.Request) { s.SetValue(d, &dbRequest{}) }

// WriteHeader implements Hook: it adds the Server-Timing header when asked to.
func (d *DBMonitor) WriteHeader(s *instrument.Scope, h http.Header) {
	if !d.opts.ServerTiming {
		return
	}
	r, _ := s.Value(d).(*dbRequest)
	if r == nil {
		return
	}
	r.mu.Lock()
	n, total := r.queries, r.total
	r.mu.Unlock()
	b := append(make([]byte, 0, 48), "db;dur="...)
	b = strconv.AppendFloat(b, float64(total.Microseconds())/1000, 'f', 1, 64)
	b = append(b, `;desc="`...)
	b = append(servertiming.AppendCount(b, int64(n), "query", "queries"), '"')
	h.Add("Server-Timing", string(b))
}

// End implements Hook: it records the request's query statistics and looks for N+1
// patterns and excessive query counts.
func (d *DBMonitor) End(s *instrument.Scope) {
	r, _ := s.Value(d).(*dbRequest)
	if r == nil {
		return
	}
	r.mu.Lock()
	r.done = true // later queries (from goroutines that outlive the request) count as outside
	n, total, shapes := r.queries, r.total, r.shapes
	r.mu.Unlock()

	rm, _ := d.routes.Get(s.Route())
	route := rm.label
	rm.queries.Observe(float64(n))
	rm.duration.Observe(total.Seconds())
	if n > d.opts.ExcessiveQueries {
		rm.excessive.Inc()
		d.opts.Logger.Warn("excessive database queries in one request",
			"http_route", route, "db_queries", n, "db_duration_seconds", total.Seconds(), "threshold", d.opts.ExcessiveQueries)
	}

	var worst *shapeStats
	patterns := 0
	for i := range shapes {
		st := &shapes[i]
		if !st.q.nPlusOne || st.n < d.opts.NPlusOneMinQueries || st.total < d.opts.NPlusOneMinDuration {
			continue
		}
		patterns++
		d.nPlusOne.WithLabelValues(route, st.q.summary).Inc()
		if worst == nil || st.total > worst.total {
			worst = st
		}
	}
	if worst != nil {
		d.opts.Logger.Warn("N+1 database queries in one request",
			"http_route", route,
			"db_query_summary", worst.q.summary,
			"db_query_fingerprint", truncate(worst.q.shape.Fingerprint, 200),
			"count", worst.n,
			"duration_seconds", worst.total.Seconds(),
			"patterns", patterns)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// dbRequest is the query statistics of one request. Handlers may run queries from
// several goroutines, so it has a lock of its own.
type dbRequest struct {
	mu      sync.Mutex
	done    bool
	queries int
	total   time.Duration
	shapes  []shapeStats
	index   map[string]int // into shapes by fingerprint, once there are many
}

type shapeStats struct {
	q     *queryInfo
	n     int
	total time.Duration
}

// linearShapes is how many distinct fingerprints a request keeps in a plain list before
// it indexes them; most requests run a handful.
const linearShapes = 16

// add counts one operation; it reports false when the request has ended.
func (r *dbRequest) add(q *queryInfo, d time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return false
	}
	r.queries++
	r.total += d
	i := r.find(q)
	if i < 0 {
		i = len(r.shapes)
		r.shapes = append(r.shapes, shapeStats{q: q})
		if r.index != nil {
			r.index[q.shape.Fingerprint] = i
		} else if len(r.shapes) > linearShapes {
			r.index = make(map[string]int, 2*len(r.shapes))
			for k, st := range r.shapes {
				r.index[st.q.shape.Fingerprint] = k
			}
		}
	}
	r.shapes[i].n++
	r.shapes[i].total += d
	return true
}

func (r *dbRequest) find(q *queryInfo) int {
	if r.index != nil {
		if i, ok := r.index[q.shape.Fingerprint]; ok {
			return i
		}
		return -1
	}
	for i := range r.shapes {
		// Distinct query strings can share a fingerprint (literals inlined), so pointers
		// decide only when equal.
		if p := r.shapes[i].q; p == q || p.shape.Fingerprint == q.shape.Fingerprint {
			return i
		}
	}
	return -1
}
