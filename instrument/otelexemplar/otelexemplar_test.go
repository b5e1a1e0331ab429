package otelexemplar

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestTraceID(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	span := func(flags trace.TraceFlags) context.Context {
		return trace.ContextWithSpanContext(context.Background(),
			trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags}))
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"no span", context.Background(), ""},
		{"sampled", span(trace.FlagsSampled), "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"not sampled", span(0), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TraceID(tc.ctx); got != tc.want {
				t.Errorf("TraceID = %q, want %q", got, tc.want)
			}
		})
	}
}
