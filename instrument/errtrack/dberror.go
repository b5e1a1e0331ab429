package errtrack

import (
	"context"
	"database/sql"
	"errors"
)

// ReportDBError records a failed database statement: the driver's error with the
// statement's query summary and operation, never its text or arguments. sql.ErrNoRows
// and cancellations are not errors of the service and are left out. It has the shape
// of sqlmon's WithErrorReporter.
func (t *Tracker) ReportDBError(ctx context.Context, err error, system, operation, summary string) {
	if err == nil || errors.Is(err, sql.ErrNoRows) || errors.Is(err, context.Canceled) {
		return
	}
	t.Report(ctx, err, WithSkip(1), WithExtra("db.system.name", system),
		WithExtra("db.operation.name", operation), WithExtra("db.query.summary", summary))
}
