package sqlmon

import (
	"context"
	"time"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/sqlfingerprint"
	"github.com/prometheus/client_golang/prometheus"
)

// dbSystem is what connections to databases of one db_system_name share: the query
// cache and the operations without a statement (BEGIN, COMMIT, ROLLBACK).
type dbSystem struct {
	mon                     *DBMonitor
	name                    string
	dialect                 sqlfingerprint.Dialect
	queries                 *queryCache[*queryInfo]
	begin, commit, rollback *queryInfo
}

// queryInfo is what one query string costs to record, all resolved when the string is
// first seen.
type queryInfo struct {
	shape    sqlfingerprint.Shape
	summary  string // db_query_summary, after the bound
	duration prometheus.Observer
	slow     prometheus.Counter
	outside  prometheus.Counter
	nPlusOne bool // takes part in N+1 detection; transaction control does not
}

func newDBSystem(d *DBMonitor, name string) *dbSystem {
	s := &dbSystem{mon: d, name: name, dialect: sqlfingerprint.ForSystem(name)}
	s.queries = newQueryCache(d.opts.QueryCacheSize, func(q string) *queryInfo {
		return s.newInfo(sqlfingerprint.Fingerprint(s.dialect, q), true)
	})
	s.begin = s.newInfo(sqlfingerprint.Shape{Fingerprint: "BEGIN", Operation: "BEGIN"}, false)
	s.commit = s.newInfo(sqlfingerprint.Shape{Fingerprint: "COMMIT", Operation: "COMMIT"}, false)
	s.rollback = s.newInfo(sqlfingerprint.Shape{Fingerprint: "ROLLBACK", Operation: "ROLLBACK"}, false)
	return s
}

func (s *dbSystem) newInfo(shape sqlfingerprint.Shape, nPlusOne bool) *queryInfo {
	_, summary := s.mon.summaries.Get(shape.Summary())
	return &queryInfo{
		shape:    shape,
		summary:  summary,
		duration: s.mon.opDuration.WithLabelValues(s.name, shape.Operation, summary),
		slow:     s.mon.slow.WithLabelValues(summary),
		outside:  s.mon.outside.WithLabelValues(summary),
		nPlusOne: nPlusOne && shape.Operation != "BEGIN" && shape.Operation != "COMMIT" &&
			shape.Operation != "ROLLBACK" && shape.Operation != "SAVEPOINT" && shape.Operation != "RELEASE",
	}
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

// record counts one finished operation that started at start (from now).
func (s *dbSystem) record(q *queryInfo, r *dbRequest, start time.Duration) {
	d := s.now() - start
	q.duration.Observe(d.Seconds())
	if d >= s.mon.opts.SlowQueryThreshold {
		q.slow.Inc()
	}
	if r == nil || !r.add(q, d) {
		q.outside.Inc()
	}
}
