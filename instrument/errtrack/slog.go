package errtrack

import (
	"context"
	"log/slog"
	"runtime"
)

// Handler returns a slog.Handler that passes every record to next and turns records at
// error level or above that carry an error (an attribute whose value is an error, such
// as slog.Any("err", err)) into events, as Report would: an application that already
// logs its errors gets tracking without new calls. Records are passed on unchanged.
func (t *Tracker) Handler(next slog.Handler) slog.Handler {
	return &slogHandler{t: t, next: next}
}

type slogHandler struct {
	t     *Tracker
	next  slog.Handler
	err   error // an error among the attributes added with WithAttrs
	group bool  // WithGroup was called: later attributes are not the record's own
}

func (h *slogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || h.next.Enabled(ctx, l)
}

func (h *slogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		err := h.err
		r.Attrs(func(a slog.Attr) bool {
			if e, ok := a.Value.Resolve().Any().(error); ok && a.Value.Kind() == slog.KindAny {
				err = e
				return false
			}
			return true
		})
		if err != nil {
			var pcs [maxFrames]uintptr
			n := runtime.Callers(4, pcs[:]) // above Handle and slog's Logger.log
			h.t.report(ctx, occurrence{err: err, logMsg: r.Message}, pcs[:n])
		}
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	for _, a := range attrs {
		if e, ok := a.Value.Resolve().Any().(error); ok && a.Value.Kind() == slog.KindAny {
			c.err = e
		}
	}
	return &c
}

func (h *slogHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.group = true
	return &c
}
