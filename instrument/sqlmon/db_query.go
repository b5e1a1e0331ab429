package sqlmon

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"time"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/sqlfingerprint"
	"github.com/prometheus/client_golang/prometheus"
)

// dbSystem is what connections to databases of one db_system_name share: the query
// cache, the N+1 thresholds and the operations without a statement (BEGIN, COMMIT,
// ROLLBACK).
type dbSystem struct {
	mon                     *DBMonitor
	name                    string
	dialect                 sqlfingerprint.Dialect
	nPlusOne                NPlusOneThresholds
	queries                 *queryCache[*queryInfo]
	begin, commit, rollback *queryInfo
}

// queryKind tells queries from transaction control, which requests count apart.
type queryKind uint8

const (
	kindQuery     queryKind = iota
	kindBegin               // BeginTx, BEGIN, START TRANSACTION
	kindTxControl           // COMMIT, ROLLBACK, SAVEPOINT, RELEASE
)

// kindOf classifies a statement by its operation.
func kindOf(operation string) queryKind {
	switch operation {
	case "BEGIN", "START":
		return kindBegin
	case "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE":
		return kindTxControl
	}
	return kindQuery
}

// queryInfo is what one query string costs to record, all resolved when the string is
// first seen.
type queryInfo struct {
	sys       *dbSystem
	shape     sqlfingerprint.Shape
	summary   string // db_query_summary, after the bound
	kind      queryKind
	duration  prometheus.Observer
	iteration prometheus.Observer // nil unless WithRowsIterationTime
	slow      prometheus.Counter
	outside   prometheus.Counter
	patterns  prometheus.Counter // nil for transaction control, which is no N+1
}

// infoOverhead approximates what a cached entry retains besides its strings: the map
// slot, the queryInfo and the string headers.
const infoOverhead = 160

func newDBSystem(d *DBMonitor, name string) *dbSystem {
	s := &dbSystem{mon: d, name: name, dialect: sqlfingerprint.ForSystem(name), nPlusOne: d.cfg.nPlusOneOf(name)}
	s.queries = newQueryCache(d.cfg.cacheBytes, func(q string) (*queryInfo, int) {
		info := s.newInfo(sqlfingerprint.Fingerprint(s.dialect, q))
		return info, len(info.shape.Fingerprint) + len(info.shape.Table) + infoOverhead
	})
	s.begin = s.newInfo(sqlfingerprint.Shape{Fingerprint: "BEGIN", Operation: "BEGIN"})
	s.commit = s.newInfo(sqlfingerprint.Shape{Fingerprint: "COMMIT", Operation: "COMMIT"})
	s.rollback = s.newInfo(sqlfingerprint.Shape{Fingerprint: "ROLLBACK", Operation: "ROLLBACK"})
	return s
}

func (s *dbSystem) newInfo(shape sqlfingerprint.Shape) *queryInfo {
	m := s.mon
	_, summary := m.summaries.Get(shape.Summary())
	q := &queryInfo{
		sys:      s,
		shape:    shape,
		summary:  summary,
		kind:     kindOf(shape.Operation),
		duration: m.opDuration.WithLabelValues(s.name, shape.Operation, summary),
		slow:     m.slow.WithLabelValues(summary),
		outside:  m.outside.WithLabelValues(summary),
	}
	if m.iteration != nil {
		q.iteration = m.iteration.WithLabelValues(s.name, shape.Operation, summary)
	}
	if q.kind == kindQuery {
		q.patterns = m.patterns.WithLabelValues(summary) // at 0 from the summary's first statement
	}
	return q
}

// failed reports a statement's error to the WithErrorReporter function, if any.
func (s *dbSystem) failed(ctx context.Context, q *queryInfo, err error) {
	report := s.mon.cfg.reportError
	if report == nil || err == nil || errors.Is(err, driver.ErrSkip) || errors.Is(err, sql.ErrNoRows) ||
		errors.Is(err, context.Canceled) || errors.Is(err, driver.ErrBadConn) {
		return
	}
	report(ctx, err, s.name, q.shape.Operation, q.summary)
}

// requestOf returns the statistics of the request ctx belongs to, or nil outside one.
func (s *dbSystem) requestOf(ctx context.Context) *dbRequest {
	if sc := instrument.ScopeFrom(ctx); sc != nil {
		r, _ := sc.Value(s.mon).(*dbRequest)
		return r
	}
	return nil
}

// now reads the monotonic clock only, as an offset from the monitor's creation: a
// query costs two clock reads instead of time.Now's three.
func (s *dbSystem) now() time.Duration { return time.Since(s.mon.epoch) }

// record counts one operation that started at start (from now) and has just been
// answered by the driver; it returns the time of the answer.
func (s *dbSystem) record(q *queryInfo, r *dbRequest, start time.Duration) time.Duration {
	end := s.now()
	d := end - start
	q.duration.Observe(d.Seconds())
	if d >= s.mon.cfg.slow {
		q.slow.Inc()
	}
	if r == nil {
		q.outside.Inc()
		s.mon.contexts.outsideRequest()
		return end
	}
	s.mon.contexts.inRequest()
	if !r.add(q, d) {
		q.outside.Inc()
	}
	return end
}
