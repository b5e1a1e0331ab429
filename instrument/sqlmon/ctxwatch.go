package sqlmon

import (
	"log/slog"
	"sync/atomic"
)

// A monitor that has seen contextWarnAfter requests, and contextWarnAfter operations
// run outside any request while at least one request was in flight, but no operation
// with a request's context, says so once: the application does not pass the request's
// context to database/sql, and the per-request half of the monitor sees nothing. An
// application may pass it on a rarely used path only, so when an operation with a
// request's context comes after the warning, a second line says so.
const contextWarnAfter = 100

// States of a contextWatch.
const (
	contextWatching int32 = iota // no operation with a request's context yet, no warning
	contextWarned                // the warning was written; waiting for a first operation with one
	contextSeen                  // an operation carried a request's context: nothing more to say
)

// contextWatch notices an application that never passes a request's context to
// database/sql. While watching it costs a request an atomic load and two atomic
// additions and an operation outside a request two loads and an addition; after that,
// one load each.
type contextWatch struct {
	after int64
	log   func() *slog.Logger

	state    atomic.Int32 // contextWatching, contextWarned or contextSeen
	inFlight atomic.Int64 // requests started and not ended, while watching
	requests atomic.Int64 // requests started, while watching
	outside  atomic.Int64 // operations outside a request while one was in flight, while watching
}

// started counts a request that starts; it reports whether ended must be called for it.
func (w *contextWatch) started() bool {
	if w.state.Load() != contextWatching {
		return false
	}
	w.inFlight.Add(1)
	w.requests.Add(1)
	w.check()
	return true
}

// ended counts a request that started counted as started.
func (w *contextWatch) ended() { w.inFlight.Add(-1) }

// inRequest notes an operation run with a request's context.
func (w *contextWatch) inRequest() {
	if w.state.Load() == contextSeen {
		return
	}
	if w.state.Swap(contextSeen) == contextWarned {
		w.log().Info("sqlmon: a database operation has now run with a request's context; the earlier warning holds only for the code paths that still run without it",
			"requests", w.requests.Load())
	}
}

// outsideRequest counts an operation run without a request's context.
func (w *contextWatch) outsideRequest() {
	if w.state.Load() != contextWatching || w.inFlight.Load() <= 0 {
		return
	}
	w.outside.Add(1)
	w.check()
}

// check writes the warning once both counts have reached the bound.
func (w *contextWatch) check() {
	if w.requests.Load() < w.after || w.outside.Load() < w.after {
		return
	}
	if !w.state.CompareAndSwap(contextWatching, contextWarned) {
		return
	}
	w.log().Warn("sqlmon: no database operation of the first requests has run with a request's context, so per-request query counts, N+1 and excessive-query detection see nothing of them",
		"requests", w.requests.Load(),
		"db_operations_outside_request", w.outside.Load(),
		"why", "database/sql hands the driver the context it is given, and db.Query, QueryRow, Exec and Begin give it "+
			"context.Background(): pass r.Context() to QueryContext, QueryRowContext, ExecContext and BeginTx in the code that "+
			"serves requests (statements of a transaction begun with BeginTx(r.Context(), …) then count in the request too)")
}
