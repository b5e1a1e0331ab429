package sqlmon

import (
	"log/slog"
	"sync/atomic"
)

// A monitor that has seen contextWarnAfter requests, and contextWarnAfter operations
// run outside any request while at least one request was in flight, but no operation
// with a request's context, says so once: the application does not pass the request's
// context to database/sql, and the per-request half of the monitor sees nothing.
const contextWarnAfter = 100

// contextWatch notices an application that never passes a request's context to
// database/sql. Until it has decided (an operation carried a request's context, or the
// warning was written) it costs a request an atomic load and two atomic additions and
// an operation outside a request two loads and an addition; after that, one load each.
type contextWatch struct {
	after int64
	log   func() *slog.Logger

	decided  atomic.Bool  // an operation carried a request's context, or the warning was written
	inFlight atomic.Int64 // requests started and not ended, while undecided
	requests atomic.Int64 // requests started, while undecided
	outside  atomic.Int64 // operations outside a request while one was in flight, while undecided
}

// started counts a request that starts; it reports whether ended must be called for it.
func (w *contextWatch) started() bool {
	if w.decided.Load() {
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
	if !w.decided.Load() {
		w.decided.Store(true)
	}
}

// outsideRequest counts an operation run without a request's context.
func (w *contextWatch) outsideRequest() {
	if w.decided.Load() || w.inFlight.Load() <= 0 {
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
	if !w.decided.CompareAndSwap(false, true) {
		return
	}
	w.log().Warn("sqlmon: no database operation has run with a request's context, so per-request query counts, N+1 and excessive-query detection see nothing",
		"requests", w.requests.Load(),
		"db_operations_outside_request", w.outside.Load(),
		"why", "database/sql hands the driver the context it is given, and db.Query, QueryRow, Exec and Begin give it "+
			"context.Background(): pass r.Context() to QueryContext, QueryRowContext, ExecContext and BeginTx in the code that "+
			"serves requests (statements of a transaction begun with BeginTx(r.Context(), …) then count in the request too)")
}
