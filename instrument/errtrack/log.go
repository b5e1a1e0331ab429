package errtrack

import (
	"log/slog"
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
	attrs := []any{"group", g.ID, "error_type", g.Type, "severity", ev.Severity.String(), "event_id", ev.ID}
	if ev.Request.Route != "" {
		attrs = append(attrs, "http_route", ev.Request.Route, "status", ev.Request.Status)
	}
	switch {
	case n == 1:
		msg := "new error group"
		if g.Sample != nil && g.Sample.ID != ev.ID {
			msg = "error group seen again after eviction"
		}
		l.Error(msg, append(attrs, "message", ev.Message, "stack", stackText(ev.Frames))...)
	case regressed:
		l.Error("resolved error group occurred again", append(attrs, "count", n, "message", g.Message)...)
	case isPowerOf10(n):
		l.Warn("error repeated", append(attrs, "count", n, "message", g.Message)...)
	}
}

func isPowerOf10(n uint64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// stackText renders frames one per line, as a log attribute.
func stackText(frames []Frame) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.Function)
		if f.File != "" {
			b.WriteString(" (")
			b.WriteString(f.File)
			b.WriteByte(':')
			b.WriteString(itoa(f.Line))
			b.WriteByte(')')
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func itoa(n int) string { return slog.IntValue(n).String() }
