package sqlmon

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/internal/bounded"
	"github.com/perfwatch/perfwatch/instrument/internal/buckets"
	"github.com/perfwatch/perfwatch/instrument/internal/register"
	"github.com/perfwatch/perfwatch/instrument/internal/servertiming"
	"github.com/prometheus/client_golang/prometheus"
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

// A DBMonitor measures the queries of database/sql connections it wraps (OpenDB,
// Open, WrapConnector, WrapDriver) and, as a Hook of the HTTP middleware, analyses the
// queries of each request: how many, how long, N+1 patterns and excessive counts.
// It is safe for concurrent use.
type DBMonitor struct {
	cfg   config
	reg   prometheus.Registerer
	epoch time.Time // monotonic reference of durations

	opDuration *prometheus.HistogramVec // db_client_operation_duration_seconds
	iteration  *prometheus.HistogramVec // nil unless WithRowsIterationTime
	slow       *prometheus.CounterVec
	outside    *prometheus.CounterVec
	patterns   *prometheus.CounterVec // perfwatch_db_n_plus_one_patterns_total

	summaries bounded.Set[string]
	routes    bounded.Set[*routeDBMetrics]
	warnings  warnLimiter
	contexts  contextWatch

	mu      sync.Mutex
	systems map[string]*dbSystem
}

// routeDBMetrics are the per-request metrics of one route, resolved once.
type routeDBMetrics struct {
	label                           string // http_route as the middleware records it
	queries, transactions, duration prometheus.Observer
	excessive, nPlusOne             prometheus.Counter
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

// NewDBMonitor returns a DBMonitor whose metrics are registered on reg. Pass it to
// instrument.New with instrument.WithHook so that it sees requests.
func NewDBMonitor(reg prometheus.Registerer, opts ...Option) (*DBMonitor, error) {
	if reg == nil {
		return nil, errors.New("sqlmon: nil Registerer (pass prometheus.DefaultRegisterer to use the global one)")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("sqlmon: %w", err)
		}
	}
	cl := cfg.constLabels
	opLabels := []string{"db_system_name", "db_operation_name", "db_query_summary"}
	d := &DBMonitor{
		cfg:   cfg,
		reg:   reg,
		epoch: time.Now(),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "db_client_operation_duration_seconds",
			Help:    "Duration of database client operations: from sending a statement until the driver answers (result rows ready, or the statement done).",
			Buckets: buckets.WithBoundary(DefaultDBDurationBuckets(), cfg.slow.Seconds()), ConstLabels: cl,
		}, opLabels),
		slow: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_db_slow_queries_total",
			Help: "Database operations that took at least the slow query threshold.", ConstLabels: cl,
		}, []string{"db_query_summary"}),
		outside: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_db_queries_outside_request_total",
			Help: "Database operations run outside any HTTP request the monitor takes part in (background work, or after the request ended).", ConstLabels: cl,
		}, []string{"db_query_summary"}),
		patterns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_db_n_plus_one_patterns_total",
			Help: "N+1 patterns by query summary: requests in which statements of the summary ran often enough and long enough to be one, counted once per request and summary.", ConstLabels: cl,
		}, []string{"db_query_summary"}),
		warnings: warnLimiter{interval: cfg.warnInterval},
		systems:  map[string]*dbSystem{},
	}
	d.contexts.after, d.contexts.log = contextWarnAfter, d.cfg.log
	if cfg.rowsIteration {
		d.iteration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "perfwatch_db_client_rows_iteration_duration_seconds",
			Help:    "Time result rows stayed open: from the driver's answer until the rows were closed (reading them, and the application's work between rows).",
			Buckets: DefaultDBDurationBuckets(), ConstLabels: cl,
		}, opLabels)
	}
	queries := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "perfwatch_http_request_db_queries",
		Help:    "Database queries per HTTP request, transaction control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) not included.",
		Buckets: buckets.WithBoundary(queriesPerRequestBuckets(), float64(cfg.excessive)), ConstLabels: cl,
	}, []string{"http_route"})
	transactions := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "perfwatch_http_request_db_transactions",
		Help:    "Database transactions begun per HTTP request (BeginTx, BEGIN, START TRANSACTION).",
		Buckets: []float64{0, 1, 2, 5, 10, 20, 50}, ConstLabels: cl,
	}, []string{"http_route"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "perfwatch_http_request_db_duration_seconds",
		Help:    "Time spent in database operations per HTTP request, each until the driver answered (operations run in parallel add up).",
		Buckets: instrument.DefaultDurationBuckets(), ConstLabels: cl,
	}, []string{"http_route"})
	excessive := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "perfwatch_db_excessive_queries_total",
		Help: "HTTP requests that ran more database queries than the excessive-queries threshold.", ConstLabels: cl,
	}, []string{"http_route"})
	nPlusOne := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "perfwatch_db_n_plus_one_requests_total",
		Help: "HTTP requests with at least one N+1 pattern: one query fingerprint run often enough and long enough in the request.", ConstLabels: cl,
	}, []string{"http_route"})
	d.summaries = bounded.Set[string]{Max: cfg.maxSummaries, Other: SummaryOther, Make: func(s string) string { return s }}
	d.routes = bounded.Set[*routeDBMetrics]{Max: cfg.maxRoutes, Other: instrument.RouteOther, Make: func(route string) *routeDBMetrics {
		// Every series of the route exists from its first request on, at 0.
		return &routeDBMetrics{
			label:        route,
			queries:      queries.WithLabelValues(route),
			transactions: transactions.WithLabelValues(route),
			duration:     duration.WithLabelValues(route),
			excessive:    excessive.WithLabelValues(route),
			nPlusOne:     nPlusOne.WithLabelValues(route),
		}
	}}
	cs := []prometheus.Collector{d.opDuration, d.slow, d.outside, d.patterns, queries, transactions, duration, excessive, nPlusOne}
	if d.iteration != nil {
		cs = append(cs, d.iteration)
	}
	if err := register.All(reg, cs...); err != nil {
		return nil, fmt.Errorf("sqlmon: %w", err)
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

// now reads the monotonic clock only, as an offset from the monitor's creation.
func (d *DBMonitor) now() time.Duration { return time.Since(d.epoch) }

// Start implements Hook: it gives the request a place for its query statistics.
func (d *DBMonitor) Start(s *instrument.Scope, _ *http.Request) {
	s.SetValue(d, &dbRequest{watched: d.contexts.started()})
}

// WriteHeader implements Hook: it adds the Server-Timing header when asked to.
func (d *DBMonitor) WriteHeader(s *instrument.Scope, h http.Header) {
	if !d.cfg.serverTiming {
		return
	}
	r, _ := s.Value(d).(*dbRequest)
	if r == nil {
		return
	}
	r.mu.Lock()
	n, txs, total := r.queries, r.transactions, r.total
	r.mu.Unlock()
	b := append(make([]byte, 0, 64), "db;dur="...)
	b = strconv.AppendFloat(b, float64(total.Microseconds())/1000, 'f', 1, 64)
	b = append(b, `;desc="`...)
	b = servertiming.AppendCount(b, int64(n), "query", "queries")
	if txs > 0 {
		b = servertiming.AppendCount(append(b, ", "...), int64(txs), "transaction", "transactions")
	}
	h.Add("Server-Timing", string(append(b, '"')))
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
	n, txs, total, shapes := r.queries, r.transactions, r.total, r.shapes
	r.mu.Unlock()
	if r.watched {
		d.contexts.ended()
	}

	rm, _ := d.routes.Get(s.Route())
	route := rm.label
	rm.queries.Observe(float64(n))
	rm.transactions.Observe(float64(txs))
	rm.duration.Observe(total.Seconds())
	if n > d.cfg.excessive {
		rm.excessive.Inc()
		if ok, suppressed := d.warnings.allowOne(warnKey{route: route, excessive: true}, d.now()); ok {
			d.cfg.log().Warn("excessive database queries in one request",
				"http_route", route, "db_queries", n, "db_transactions", txs, "db_duration_seconds", total.Seconds(),
				"threshold", d.cfg.excessive, "suppressed", suppressed)
		}
	}

	var found []*shapeStats // allocated only for requests with a pattern
	for i := range shapes {
		if st := &shapes[i]; st.isNPlusOne() {
			found = append(found, st)
		}
	}
	if len(found) == 0 {
		return
	}
	rm.nPlusOne.Inc()
	for i, st := range found { // once per request and summary
		if !slices.ContainsFunc(found[:i], func(o *shapeStats) bool { return o.q.summary == st.q.summary }) {
			st.q.patterns.Inc()
		}
	}
	d.warnNPlusOne(route, found)
}

// maxNamedPatterns bounds the N+1 patterns one warning names.
const maxNamedPatterns = 10

// maxLoggedFingerprint is how many bytes of a fingerprint a warning shows.
const maxLoggedFingerprint = 200

// warnNPlusOne writes the N+1 warning of one request naming each of its patterns (the
// costliest maxNamedPatterns), unless every one was named for the route within the
// warning interval.
func (d *DBMonitor) warnNPlusOne(route string, found []*shapeStats) {
	slices.SortStableFunc(found, func(a, b *shapeStats) int { return cmp.Compare(b.total, a.total) })
	named := found[:min(len(found), maxNamedPatterns)]
	keys := make([]warnKey, len(named))
	for i, st := range named {
		keys[i] = warnKey{route: route, pattern: truncate(st.q.shape.Fingerprint, maxLoggedFingerprint)}
	}
	suppressed, ok := d.warnings.allow(keys, d.now())
	if !ok {
		return
	}
	args := make([]any, 0, 4+len(named))
	args = append(args, "http_route", route, "patterns", len(found))
	for i, st := range named {
		args = append(args, slog.Group("pattern_"+strconv.Itoa(i+1),
			"db_query_summary", st.q.summary,
			"db_query_fingerprint", keys[i].pattern,
			"count", st.n,
			"duration_seconds", st.total.Seconds(),
			"suppressed", suppressed[i]))
	}
	d.cfg.log().Warn("N+1 database queries in one request", args...)
}

// truncate cuts s to at most n bytes on a character boundary, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// dbRequest is the query statistics of one request. Handlers may run queries from
// several goroutines, so it has a lock of its own.
type dbRequest struct {
	watched bool // counted in flight by the monitor's contextWatch

	mu           sync.Mutex
	done         bool
	queries      int // transaction control not included
	transactions int
	total        time.Duration
	shapes       []shapeStats
	index        map[shapeKey]int // into shapes, once there are many
}

type shapeKey struct {
	sys         *dbSystem
	fingerprint string
}

type shapeStats struct {
	q     *queryInfo
	n     int
	total time.Duration
}

// isNPlusOne reports whether the statistics make an N+1 pattern by the thresholds of
// the statement's database system.
func (st *shapeStats) isNPlusOne() bool {
	t := st.q.sys.nPlusOne
	return st.n >= t.MinQueries && st.total >= t.MinDuration
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
	r.total += d
	switch q.kind {
	case kindBegin:
		r.transactions++
		return true
	case kindTxControl:
		return true
	}
	r.queries++
	i := r.find(q)
	if i < 0 {
		i = len(r.shapes)
		r.shapes = append(r.shapes, shapeStats{q: q})
		if r.index != nil {
			r.index[shapeKey{q.sys, q.shape.Fingerprint}] = i
		} else if len(r.shapes) > linearShapes {
			r.index = make(map[shapeKey]int, 2*len(r.shapes))
			for k, st := range r.shapes {
				r.index[shapeKey{st.q.sys, st.q.shape.Fingerprint}] = k
			}
		}
	}
	r.shapes[i].n++
	r.shapes[i].total += d
	return true
}

func (r *dbRequest) find(q *queryInfo) int {
	if r.index != nil {
		if i, ok := r.index[shapeKey{q.sys, q.shape.Fingerprint}]; ok {
			return i
		}
		return -1
	}
	for i := range r.shapes {
		// Distinct query strings can share a fingerprint (literals inlined), so pointers
		// decide only when equal.
		if p := r.shapes[i].q; p == q || (p.sys == q.sys && p.shape.Fingerprint == q.shape.Fingerprint) {
			return i
		}
	}
	return -1
}
