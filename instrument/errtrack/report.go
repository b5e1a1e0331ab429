package errtrack

import (
	"context"
	"fmt"
	"hash/maphash"
	"reflect"
	"runtime"
	"strings"
	"sync"
)

// A ReportOption adjusts one Report.
type ReportOption func(*reportOptions)

type reportOptions struct {
	severity    Severity
	fingerprint []string
	skip        int
	extra       map[string]string
}

// WithSeverity gives the event an explicit severity instead of the default
// classification.
func WithSeverity(s Severity) ReportOption { return func(o *reportOptions) { o.severity = s } }

// WithFingerprint groups the event by parts instead of its type, stack and message:
// events with equal parts share a group.
func WithFingerprint(parts ...string) ReportOption {
	return func(o *reportOptions) { o.fingerprint = parts }
}

// WithSkip leaves out the innermost n frames of the caller's stack, for helpers that
// report on behalf of their caller.
func WithSkip(n int) ReportOption { return func(o *reportOptions) { o.skip = n } }

// WithExtra adds context to the event; values are scrubbed, sensitive keys dropped.
func WithExtra(key, value string) ReportOption {
	return func(o *reportOptions) {
		if o.extra == nil {
			o.extra = make(map[string]string)
		}
		o.extra[key] = value
	}
}

// Report records a handled error and returns its event id. Its severity is the one
// given by WithSeverity, or by default: medium, high when the request it was reported
// in ended with a 5xx status, low for cancellations and clients that went away
// (context.Canceled, broken pipes), which are tracked but not counted as errors.
// Reported while a request is served (ctx is the request's, the Tracker a Hook of its
// Middleware), the event is counted when the request ends, with its route and status.
func (t *Tracker) Report(ctx context.Context, err error, opts ...ReportOption) string {
	if err == nil {
		return ""
	}
	var o reportOptions
	for _, opt := range opts {
		opt(&o)
	}
	var pcs [maxFrames]uintptr
	n := runtime.Callers(2+o.skip, pcs[:])
	return t.report(ctx, occurrence{err: err, pcs: pcs[:n], opts: o})
}

// occurrence is an error as reported, before it is grouped.
type occurrence struct {
	err      error
	panicVal any // for a recovered panic whose value is not an error
	pcs      []uintptr
	opts     reportOptions
	id       string
	panicked bool
	logMsg   string
}

func (t *Tracker) report(ctx context.Context, o occurrence) string {
	o.id = newEventID()
	if rs := t.requestState(ctx); rs != nil && rs.hold(o) {
		return o.id
	}
	t.process(o, requestContextOf(t.requestState(ctx), nil))
	return o.id
}

// process groups and counts an occurrence with its request's context.
func (t *Tracker) process(o occurrence, req RequestContext) {
	canceled := o.err != nil && isCancellation(o.err)
	sev := o.opts.severity
	if sev == SeverityUnset {
		sev = classify(o.panicked, canceled, req.Status)
	}
	msg := o.message()
	var g *group
	key := cacheKey{pcs: hashPCs(o.pcs), typ: reflect.TypeOf(o.value()), msg: msg}
	cacheable := len(o.opts.fingerprint) == 0 && len(o.opts.extra) == 0
	if cacheable {
		g = t.cache.get(key)
	}
	ev := Event{ID: o.id, Time: t.cfg.now(), Source: SourceServer, Severity: sev, Panic: o.panicked,
		Canceled: canceled, Request: req, Release: t.cfg.release}
	if g == nil {
		ev.Message = msg
		ev.Types = o.types()
		ev.Frames = t.framesOf(o.pcs, o.panicked)
		ev.Fingerprint = o.opts.fingerprint
		if len(o.opts.extra) > 0 {
			ev.Extra = o.opts.extra
		}
		if o.logMsg != "" {
			if ev.Extra == nil {
				ev.Extra = make(map[string]string, 1)
			}
			ev.Extra["log_message"] = o.logMsg
		}
		g = t.groupOf(prepare(&ev))
		if cacheable {
			t.cache.put(key, g)
		}
	}
	t.record(g, &ev)
}

func (o *occurrence) value() any {
	if o.err != nil {
		return o.err
	}
	return o.panicVal
}

func (o *occurrence) message() string {
	if o.err != nil {
		return o.err.Error()
	}
	return fmt.Sprint(o.panicVal)
}

func (o *occurrence) types() []string {
	if o.err != nil {
		return typeChain(o.err)
	}
	return []string{"panic"}
}

// framesOf symbolises pcs, innermost first, marking the application's own frames. For
// a panic, the frames of the recovery and of the runtime's panic machinery go.
func (t *Tracker) framesOf(pcs []uintptr, panicked bool) []Frame {
	frames := runtime.CallersFrames(pcs)
	var out []Frame
	for len(out) < maxFrames {
		f, more := frames.Next()
		if f.Function != "" {
			if panicked && (f.Function == "runtime.gopanic" || f.Function == "runtime.sigpanic" ||
				strings.HasPrefix(f.Function, "runtime.panic")) {
				out = out[:0] // what came before is the recovery, not the fault
			} else {
				out = append(out, Frame{Function: f.Function, File: f.File, Line: f.Line, InApp: t.inApp(f.Function)})
			}
		}
		if !more {
			break
		}
	}
	return out
}

// cacheKey finds the group of an error reported again from the same place: the
// program counters of its stack, its type and its message.
type cacheKey struct {
	pcs uint64
	typ reflect.Type
	msg string
}

// pcCacheSize bounds the cache; when full it is emptied, so that keys made of
// ever-new messages cannot grow it.
const pcCacheSize = 4096

// pcCache maps cache keys to groups; it only saves the work of fingerprinting.
type pcCache struct {
	seed maphash.Seed
	mu   sync.RWMutex
	m    map[cacheKey]*group
}

func (c *pcCache) init() {
	c.seed = maphash.MakeSeed()
	c.m = make(map[cacheKey]*group)
}

func (c *pcCache) get(k cacheKey) *group {
	c.mu.RLock()
	g := c.m[k]
	c.mu.RUnlock()
	return g
}

func (c *pcCache) put(k cacheKey, g *group) {
	if len(k.msg) > maxMessage {
		return
	}
	c.mu.Lock()
	if len(c.m) >= pcCacheSize {
		clear(c.m)
	}
	c.m[k] = g
	c.mu.Unlock()
}

// hashPCs hashes program counters (FNV-1a over their values).
func hashPCs(pcs []uintptr) uint64 {
	h := uint64(14695981039346656037)
	for _, pc := range pcs {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	return h
}
