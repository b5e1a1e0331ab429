package instrument

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// dbSystem is what connections to databases of one db_system_name share: the query
// cache and the operations without a statement (BEGIN, COMMIT, ROLLBACK).
type dbSystem struct {
	mon                     *DBMonitor
	name                    string
	queries                 *queryCache[*queryInfo]
	begin, commit, rollback *queryInfo
}

// queryInfo is what one query string costs to record, all resolved when the string is
// first seen.
type queryInfo struct {
	shape    queryShape
	summary  string // db_query_summary, after the bound
	duration prometheus.Observer
	slow     prometheus.Counter
	outside  prometheus.Counter
	nPlusOne bool // takes part in N+1 detection; transaction control does not
}

func newDBSystem(d *DBMonitor, name string) *dbSystem {
	s := &dbSystem{mon: d, name: name}
	s.queries = newQueryCache(d.opts.QueryCacheSize, func(q string) *queryInfo {
		return s.newInfo(fingerprint(q), true)
	})
	s.begin = s.newInfo(queryShape{fingerprint: "BEGIN", operation: "BEGIN"}, false)
	s.commit = s.newInfo(queryShape{fingerprint: "COMMIT", operation: "COMMIT"}, false)
	s.rollback = s.newInfo(queryShape{fingerprint: "ROLLBACK", operation: "ROLLBACK"}, false)
	return s
}

func (s *dbSystem) newInfo(shape queryShape, nPlusOne bool) *queryInfo {
	_, summary := s.mon.summaries.get(shape.summary())
	return &queryInfo{
		shape:    shape,
		summary:  summary,
		duration: s.mon.opDuration.WithLabelValues(s.name, shape.operation, summary),
		slow:     s.mon.slow.WithLabelValues(summary),
		outside:  s.mon.outside.WithLabelValues(summary),
		nPlusOne: nPlusOne && shape.operation != "BEGIN" && shape.operation != "COMMIT" &&
			shape.operation != "ROLLBACK" && shape.operation != "SAVEPOINT" && shape.operation != "RELEASE",
	}
}

// requestOf returns the statistics of the request ctx belongs to, or nil outside one.
func (s *dbSystem) requestOf(ctx context.Context) *dbRequest {
	if sc := ScopeFrom(ctx); sc != nil {
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
