// Package otelexemplar connects instrument's exemplars to OpenTelemetry tracing: it
// reads the trace id of the span in a request's context.
package otelexemplar

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

// TraceID returns the trace id of the sampled span in ctx, or "" when there is none.
// Unsampled traces are skipped because their id leads nowhere in a tracing backend.
// Use it as instrument.WithExemplars(otelexemplar.TraceID).
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() || !sc.IsSampled() {
		return ""
	}
	return sc.TraceID().String()
}
