package sqlmon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the options. The excessive-queries threshold (50 per request) is the one
// perfwatch's rules and docs/alerting.md use too.
// The N+1 thresholds depend on the database system: see DefaultNPlusOne.
const (
	DefaultExcessiveQueries   = 50
	DefaultSlowQueryThreshold = 100 * time.Millisecond
	DefaultMaxQuerySummaries  = 500
	// DefaultQueryCacheBytes bounds the query text the fingerprint cache retains.
	DefaultQueryCacheBytes = 4 << 20
	// DefaultWarningInterval is how often at most one route and pattern is warned about.
	DefaultWarningInterval = time.Minute
)

// NPlusOneThresholds define an N+1 pattern: one query fingerprint run at least
// MinQueries times in one request, taking at least MinDuration together.
type NPlusOneThresholds struct {
	MinQueries  int
	MinDuration time.Duration
}

// The N+1 defaults, chosen from what a typical N+1 loop costs (20 point reads by
// primary key, one after the other; docs/database.md has the figures): 0.09–0.17 ms on
// SQLite in process and 0.5–1.4 ms on PostgreSQL over loopback, the fastest a networked
// database answers. The networked floor is half the fastest such loop, so that the
// typical loop is flagged wherever the database runs and short patterns only when their
// statements cost a network round trip; an embedded database has no floor, as five of
// its point reads (the count) cost less than any floor that would still let the
// typical loop through on a faster machine.
const (
	DefaultNPlusOneMinQueries                         = 5
	DefaultEmbeddedNPlusOneMinDuration  time.Duration = 0
	DefaultNetworkedNPlusOneMinDuration time.Duration = 250 * time.Microsecond
)

// DefaultNPlusOne returns the N+1 thresholds used for a database system unless
// WithNPlusOne or WithSystemNPlusOne says otherwise: no time floor for an embedded
// database (SystemSQLite), DefaultNetworkedNPlusOneMinDuration for every other system.
func DefaultNPlusOne(system string) NPlusOneThresholds {
	if system == SystemSQLite {
		return NPlusOneThresholds{MinQueries: DefaultNPlusOneMinQueries, MinDuration: DefaultEmbeddedNPlusOneMinDuration}
	}
	return NPlusOneThresholds{MinQueries: DefaultNPlusOneMinQueries, MinDuration: DefaultNetworkedNPlusOneMinDuration}
}

// An Option configures a DBMonitor. An option not given leaves its default; a value
// given is used as it is, zero included (WithNPlusOne(5, 0) has no time floor,
// WithQueryCacheBytes(0) no cache). Negative values are errors.
type Option func(*config) error

type config struct {
	logger        *slog.Logger                  // nil: slog.Default() as it is when a warning is written
	nPlusOne      *NPlusOneThresholds           // for every system, when set
	nPlusOneFor   map[string]NPlusOneThresholds // per system, over nPlusOne
	excessive     int
	slow          time.Duration
	serverTiming  bool
	maxSummaries  int
	maxRoutes     int
	cacheBytes    int
	warnInterval  time.Duration
	rowsIteration bool
	constLabels   prometheus.Labels
	reportError   ErrorReporter
}

func defaultConfig() config {
	return config{
		excessive:    DefaultExcessiveQueries,
		slow:         DefaultSlowQueryThreshold,
		maxSummaries: DefaultMaxQuerySummaries,
		maxRoutes:    instrument.DefaultMaxRoutes,
		cacheBytes:   DefaultQueryCacheBytes,
		warnInterval: DefaultWarningInterval,
	}
}

// log returns the logger of the warnings: WithLogger's, or the default of the moment.
func (c *config) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}

// nPlusOneOf returns the thresholds in force for system.
func (c *config) nPlusOneOf(system string) NPlusOneThresholds {
	if t, ok := c.nPlusOneFor[system]; ok {
		return t
	}
	if c.nPlusOne != nil {
		return *c.nPlusOne
	}
	return DefaultNPlusOne(system)
}

// WithLogger sets where warnings go. Without it they go to slog.Default() as it is when
// each is written, so an application may call slog.SetDefault after NewDBMonitor. They
// name the route, the query summaries and fingerprints, counts and times, never a value
// from a query.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("nil logger (pass slog.New(slog.DiscardHandler) to drop the warnings)")
		}
		c.logger = l
		return nil
	}
}

func checkNPlusOne(minQueries int, minDuration time.Duration) (NPlusOneThresholds, error) {
	if minQueries < 2 {
		return NPlusOneThresholds{}, fmt.Errorf("N+1 minimum of %d queries: a pattern repeats a query, so at least 2", minQueries)
	}
	if minDuration < 0 {
		return NPlusOneThresholds{}, fmt.Errorf("N+1 minimum duration %v: must not be negative (0 means no floor)", minDuration)
	}
	return NPlusOneThresholds{MinQueries: minQueries, MinDuration: minDuration}, nil
}

// WithNPlusOne sets the N+1 thresholds of every database system: a fingerprint run at
// least minQueries times (at least 2) in one request, taking at least minDuration
// together (0: no time floor), is an N+1 pattern. Without it each system has
// DefaultNPlusOne's thresholds.
func WithNPlusOne(minQueries int, minDuration time.Duration) Option {
	return func(c *config) error {
		t, err := checkNPlusOne(minQueries, minDuration)
		if err != nil {
			return err
		}
		c.nPlusOne = &t
		return nil
	}
}

// WithSystemNPlusOne sets the N+1 thresholds of one database system (a db_system_name
// such as SystemPostgreSQL), over WithNPlusOne and the defaults.
func WithSystemNPlusOne(system string, minQueries int, minDuration time.Duration) Option {
	return func(c *config) error {
		t, err := checkNPlusOne(minQueries, minDuration)
		if err != nil {
			return fmt.Errorf("%s: %w", system, err)
		}
		if system == "" {
			system = SystemOtherSQL
		}
		c.nPlusOneFor = maps.Clone(c.nPlusOneFor)
		if c.nPlusOneFor == nil {
			c.nPlusOneFor = map[string]NPlusOneThresholds{}
		}
		c.nPlusOneFor[system] = t
		return nil
	}
}

// WithExcessiveQueries sets the number of queries in one request above which the
// request counts as excessive (default 50; 0 makes every request with a query
// excessive). Transaction control statements do not count.
func WithExcessiveQueries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("excessive queries %d: must not be negative", n)
		}
		c.excessive = n
		return nil
	}
}

// WithSlowQueryThreshold sets the duration from which an operation counts as slow
// (default 100 ms; 0 makes every operation slow). It is also an exact bucket boundary of
// the operation histogram.
func WithSlowQueryThreshold(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("slow query threshold %v: must not be negative", d)
		}
		c.slow = d
		return nil
	}
}

// WithServerTiming adds a Server-Timing header (db;dur=12.3;desc="7 queries") to every
// response, for the browser's developer tools. It tells clients how much time the
// database took, so it is off by default.
func WithServerTiming(on bool) Option {
	return func(c *config) error { c.serverTiming = on; return nil }
}

// WithMaxQuerySummaries bounds the distinct db_query_summary values (default 500);
// later ones are recorded as "other", all of them when n is 0.
func WithMaxQuerySummaries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("max query summaries %d: must not be negative", n)
		}
		c.maxSummaries = n
		return nil
	}
}

// WithMaxRoutes bounds the distinct http_route values (default
// instrument.DefaultMaxRoutes); later ones are recorded as "other".
func WithMaxRoutes(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("max routes %d: must not be negative", n)
		}
		c.maxRoutes = n
		return nil
	}
}

// WithQueryCacheBytes bounds the query text (and the fingerprints derived from it) that
// the fingerprint cache retains, in bytes (default DefaultQueryCacheBytes; 0: no cache,
// every statement is fingerprinted each time it runs).
func WithQueryCacheBytes(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("query cache bytes %d: must not be negative", n)
		}
		c.cacheBytes = n
		return nil
	}
}

// WithWarningInterval sets how often at most a warning names one route and N+1 pattern
// (or one route's excessive queries), default one minute; the next warning says how
// many were suppressed meanwhile. 0 writes a warning for every offending request.
func WithWarningInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("warning interval %v: must not be negative", d)
		}
		c.warnInterval = d
		return nil
	}
}

// WithRowsIterationTime also times how long result rows stay open, from the driver's
// answer until they are closed, in perfwatch_db_client_rows_iteration_duration_seconds
// (off by default: it costs a clock read and an observation per query).
func WithRowsIterationTime(on bool) Option {
	return func(c *config) error { c.rowsIteration = on; return nil }
}

// WithConstLabels adds labels to every metric of the monitor.
func WithConstLabels(l prometheus.Labels) Option {
	return func(c *config) error { c.constLabels = maps.Clone(l); return nil }
}

// An ErrorReporter is told of every statement the database failed: the driver's error
// with the statement's database system, operation and query summary, never its text or
// arguments. errtrack.Tracker's ReportDBError is one.
type ErrorReporter func(ctx context.Context, err error, system, operation, summary string)

// WithErrorReporter reports failed statements to r. Errors that are no failure of the
// database are left out: sql.ErrNoRows, cancellations (context.Canceled), and
// driver.ErrBadConn, on which database/sql retries with another connection.
func WithErrorReporter(r ErrorReporter) Option {
	return func(c *config) error {
		if r == nil {
			return fmt.Errorf("error reporter is nil")
		}
		c.reportError = r
		return nil
	}
}
