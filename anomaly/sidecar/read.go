package sidecar

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/promread"
)

// errSkipped marks the reads of a turn left out after Prometheus proved unreachable:
// each would wait out its own retries, so one turn would take minutes while it is down.
var errSkipped = errors.New("skipped: the server was unreachable earlier in this turn")

// read runs one range query with the configured timeout, counting failures under
// name. After a failure that promread would retry (the server unreachable or
// answering 5xx), the rest of the turn's reads are skipped.
func (e *Engine) read(ctx context.Context, name, expr string, start, end time.Time) ([]promread.Series, error) {
	if e.unavailable != nil {
		return nil, fmt.Errorf("%s: %w", name, errSkipped)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(e.cfg.Schedule.QueryTimeout))
	defer cancel()
	res, err := e.reader.Read(ctx, expr, start, end, e.step)
	if err != nil {
		e.m.queryErrors.WithLabelValues(name).Inc()
		if promread.Retryable(err) {
			e.unavailable = err
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return res, nil
}
