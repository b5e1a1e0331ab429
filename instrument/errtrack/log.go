package errtrack

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
)

// logEvent logs the first event of a group at error level with its stack, a
// regression at error level, and repeats at warning level on the 10th, 100th, 1000th …
// occurrence, so that a hot error cannot flood the logs. n is the group's count.
func (t *Tracker) logEvent(g *group, ev *Event, n uint64, regressed bool) {
	if n != 1 && !regressed && !isPowerOf10(n) {
		return // before building anything: this is the hot path
	}
	l := t.cfg.log()
	ctx := context.Background()
	// LogAttrs, not key-value pairs: no value is boxed, which halves the cost of the
	// first event of a group.
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs, slog.String("group", g.ID), slog.String("error_type", g.Type),
		slog.String("severity", ev.Severity.String()), slog.String("event_id", ev.ID))
	if ev.Request.Route != "" {
		attrs = append(attrs, slog.String("http_route", ev.Request.Route), slog.Int("status", ev.Request.Status))
	}
	switch {
	case n == 1:
		msg := "new error group"
		if g.Sample != nil && g.Sample.ID != ev.ID {
			msg = "error group seen again after eviction"
		}
		// The sample, not ev: on the hot path's miss the message and stack were scrubbed
		// and symbolised into the group's sample only.
		first := ev
		if g.Sample != nil {
			first = g.Sample
		}
		l.LogAttrs(ctx, slog.LevelError, msg, append(attrs, slog.String("message", first.Message), slog.String("stack", stackText(first.Frames)))...)
	case regressed:
		l.LogAttrs(ctx, slog.LevelError, "resolved error group occurred again", append(attrs, slog.Uint64("count", n), slog.String("message", g.Message))...)
	default:
		l.LogAttrs(ctx, slog.LevelWarn, "error repeated", append(attrs, slog.Uint64("count", n), slog.String("message", g.Message))...)
	}
}

func isPowerOf10(n uint64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// logFrames bounds the frames a log line shows; the API keeps the whole stack.
const logFrames = 12

// stackText renders the innermost frames one per line, "function file:line".
func stackText(frames []Frame) string {
	var b strings.Builder
	for i, f := range frames {
		if i == logFrames {
			b.WriteString("…")
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.Function)
		if f.File != "" {
			b.WriteByte(' ')
			b.WriteString(f.File)
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(f.Line))
		}
	}
	return b.String()
}
