package errtrack

import (
	"context"
	"fmt"
	"hash/maphash"
	"reflect"
	"runtime"
	"slices"
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
	if len(opts) > 0 {
		// Options write through a pointer, which would move o to the heap on every call;
		// only calls with options pay for that.
		po := new(reportOptions)
		for _, opt := range opts {
			opt(po)
		}
		o = *po
	}
	var pcs [maxFrames]uintptr
	n := runtime.Callers(2+o.skip, pcs[:])
	return t.report(ctx, occurrence{err: err, opts: o}, pcs[:n])
}

// occurrence is an error as reported, before it is grouped. Its stack travels beside
// it as a parameter of its own: escape analysis does not tell a struct's fields apart,
// and the stack must stay on the reporter's stack on the hot path while the error
// itself is kept.
type occurrence struct {
	err      error
	panicVal any // for a recovered panic whose value is not an error
	opts     reportOptions
	id       string
	panicked bool
	logMsg   string
}

func (t *Tracker) report(ctx context.Context, o occurrence, pcs []uintptr) string {
	o.id = newEventID()
	if rs := t.requestState(ctx); rs != nil && rs.hold(o, pcs) {
		return o.id
	}
	t.process(o, pcs, requestContextOf(t.requestState(ctx), nil))
	return o.id
}

// process groups and counts an occurrence with its request's context.
func (t *Tracker) process(o occurrence, pcs []uintptr, req RequestContext) {
	canceled := o.err != nil && isCancellation(o.err)
	sev := o.opts.severity
	if sev == SeverityUnset {
		sev = classify(o.panicked, canceled, req.Status)
	}
	msg := o.message()
	var g *group
	key := cacheKey{pcs: hashPCs(pcs), typ: reflect.TypeOf(o.value()), msg: msg}
	cacheable := len(o.opts.fingerprint) == 0 && len(o.opts.extra) == 0
	if cacheable {
		g = t.cache.get(key)
	}
	ev := Event{ID: o.id, Time: t.cfg.now(), Source: SourceServer, Severity: sev, Panic: o.panicked,
		Canceled: canceled, Request: req, Release: t.cfg.release}
	if g == nil {
		g = t.newGroup(o, pcs, ev, msg, cacheable, key)
	}
	t.record(g, &ev)
}

// newGroup finds or makes the group of an occurrence the cache does not know: it
// symbolises, scrubs and fingerprints. ev is a copy, so that the hot path's event stays
// on the stack.
func (t *Tracker) newGroup(o occurrence, pcs []uintptr, ev Event, msg string, cacheable bool, key cacheKey) *group {
	{
		ev.Message = msg
		ev.Types = o.types()
		ev.Frames = t.framesOf(pcs, o.panicked)
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
		g := t.groupOf(prepare(&ev))
		if cacheable {
			t.cache.put(key, g)
		}
		return g
	}
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
	frames := runtime.CallersFrames(slices.Clone(pcs))  // a copy: the caller's array stays on its stack
	out := make([]Frame, 0, min(len(pcs)+4, maxFrames)) // inlined calls add a few frames
	for len(out) < maxFrames {
		f, more := frames.Next()
		if f.Function != "" {
			if panicked && (f.Function == "runtime.gopanic" || f.Function == "runtime.sigpanic" ||
				strings.HasPrefix(f.Function, "runtime.panic")) {
				out = out[:0] // what came before is the recovery, not the fault
			} else {
				out = append(out, Frame{Function: f.Function, File: f.File, Line: f.Line, InApp: t.inApp(f.Function, f.File)})
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
