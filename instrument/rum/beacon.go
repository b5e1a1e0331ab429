package rum

import (
	"context"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// Sane bounds of values, in the beacon's units (milliseconds).
const (
	maxDurationMS = 10 * 60 * 1000 // ten minutes
	maxCLS        = 100
	maxResCount   = 1e6
	maxResBytes   = 1 << 40
	maxResDurMS   = 24 * 3600 * 1000 // summed over a view's resources
	maxTypeBytes  = 128
	maxMsgBytes   = 1024
	maxFrames     = 10
	maxFnBytes    = 256
	maxURLBytes   = 512
	maxKeyBytes   = 64
	maxNameBytes  = 128
)

// decode parses a beacon body into b.
func decode(body []byte, b *beacon) *rejection {
	if err := parseBeacon(body, b); err != nil {
		return reject(http.StatusBadRequest, reasonMalformed, "not a beacon: %v", err)
	}
	switch {
	case b.vBad || !b.vSet:
		return reject(http.StatusBadRequest, reasonVersion, "schema version missing or not a number: want 1")
	case b.v != 1:
		return reject(http.StatusBadRequest, reasonVersion, "schema version %g: want 1", b.v)
	case b.unknown:
		return reject(http.StatusBadRequest, reasonMalformed, "not a beacon: unknown field")
	case b.tooMany:
		return reject(http.StatusBadRequest, reasonTooManyEvents, "more than %d events", MaxEvents)
	}
	return nil
}

// record decodes a beacon body and records its events.
func (h *Handler) record(ctx context.Context, body []byte, origin, ua string) *rejection {
	b, _ := h.beacons.Get().(*beacon)
	if b == nil {
		b = &beacon{events: make([]event, 0, MaxEvents)}
	}
	defer func() {
		clear(b.events) // no references to the body kept
		*b = beacon{events: b.events[:0]}
		h.beacons.Put(b)
	}()
	if rej := decode(body, b); rej != nil {
		return rej
	}
	h.m.beacons.Inc()
	ps := h.page(b.page)
	nav := navIndex(b.nav)
	errorsLeft := MaxErrorsPerBeacon
	for i := range b.events {
		e := &b.events[i]
		if e.bad {
			h.m.drop(iInvalid)
			continue
		}
		switch string(e.t) {
		case "vital":
			h.vital(ps, e)
		case "api":
			h.apiCall(e)
		case "nav":
			h.m.view(ps, nav).Inc() // one nav event per view, in its first beacon
			h.navigation(ps, e)
		case "resource":
			h.resource(ps, e)
		case "measure":
			h.measure(ps, e)
		case "error":
			errorsLeft = h.jsError(ctx, ps.label, origin, ua, e, errorsLeft)
		default:
			h.m.drop(iUnknownType)
		}
	}
	return nil
}

func (h *Handler) page(p []byte) *pageSeries {
	if i, ok := h.pageIdx[string(p)]; ok && len(p) <= MaxPageBytes {
		return h.pages[i]
	}
	return h.pages[len(h.pages)-1]
}

func navIndex(n []byte) int {
	for i, t := range navTypes[:len(navTypes)-1] {
		if string(n) == t {
			return i
		}
	}
	return len(navTypes) - 1
}

// inRange says v is a number within [0, max].
func inRange(v float64, max float64) bool { return v >= 0 && v <= max && !math.IsNaN(v) }

func (h *Handler) vital(ps *pageSeries, e *event) {
	var v, max, scale = -1, float64(maxDurationMS), 1e-3
	switch string(e.name) {
	case "LCP":
		v = vitalLCP
	case "INP":
		v = vitalINP
	case "CLS":
		v, max, scale = vitalCLS, maxCLS, 1
	case "FCP":
		v = vitalFCP
	case "TTFB":
		v = vitalTTFB
	default:
		h.m.drop(iUnknownVital)
		return
	}
	if !e.value.ok {
		h.m.drop(iInvalid)
		return
	}
	if !inRange(e.value.v, max) {
		h.m.drop(iOutOfRange)
		return
	}
	h.m.vital(ps, v).Observe(e.value.v * scale)
}

func (h *Handler) apiCall(e *event) {
	mi := len(methods) - 1
	for i, m := range methods[:len(methods)-1] {
		if equalFold(e.method, m) {
			mi = i
			break
		}
	}
	ri, ok := h.routeIdx[string(e.route)]
	if !ok {
		ri = len(h.routes) - 1
	}
	if !e.status.ok || !e.duration.ok || e.status.v != math.Trunc(e.status.v) {
		h.m.drop(iInvalid)
		return
	}
	code := int(e.status.v)
	sl := statusLabel(code)
	if sl == "" {
		h.m.drop(iInvalid)
		return
	}
	if !inRange(e.duration.v, maxDurationMS) {
		h.m.drop(iOutOfRange)
		return
	}
	if len(sl) == 3 && sl[1] == 'x' {
		code = 1000 + code/100 // one key per class of unnamed codes
	}
	k := apiKey{method: uint16(mi), route: uint16(ri), status: uint16(code)}
	o, ok := h.api.load(k)
	if !ok {
		o = h.m.api.WithLabelValues(methods[mi], h.routes[ri], sl)
		h.api.store(k, o)
	}
	o.Observe(e.duration.v / 1e3)
}

func (h *Handler) navigation(ps *pageSeries, e *event) {
	for i, p := range e.phases {
		if !p.ok {
			continue
		}
		if !inRange(p.v, maxDurationMS) {
			h.m.drop(iOutOfRange)
			continue
		}
		h.m.phase(ps, i).Observe(p.v / 1e3)
	}
}

func (h *Handler) resource(ps *pageSeries, e *event) {
	ini := len(initiators) - 1
	for i, n := range initiators[:len(initiators)-1] {
		if string(e.initiator) == n {
			ini = i
			break
		}
	}
	count, bytes, dur := e.count, e.bytes, e.duration
	if !count.ok {
		h.m.drop(iInvalid)
		return
	}
	if !inRange(count.v, maxResCount) || count.v != math.Trunc(count.v) ||
		(bytes.ok && !inRange(bytes.v, maxResBytes)) || (dur.ok && !inRange(dur.v, maxResDurMS)) {
		h.m.drop(iOutOfRange)
		return
	}
	h.m.resource(ps, ini, 0).Add(count.v)
	if bytes.ok {
		h.m.resource(ps, ini, 1).Add(bytes.v)
	}
	if dur.ok {
		h.m.resource(ps, ini, 2).Add(dur.v / 1e3)
	}
}

func (h *Handler) measure(ps *pageSeries, e *event) {
	if !e.duration.ok {
		h.m.drop(iInvalid)
		return
	}
	if !inRange(e.duration.v, maxDurationMS) {
		h.m.drop(iOutOfRange)
		return
	}
	idx, name := h.measureIndex(e.name)
	h.m.renderOf(ps, idx, name).Observe(e.duration.v / 1e3)
}

// measureIndex returns the label of a measure name: configured, among the first
// DefaultSeenMeasures others seen, or other.
func (h *Handler) measureIndex(nb []byte) (int, string) {
	h.measMu.RLock()
	i, ok := h.measIdx[string(nb)]
	full := len(h.measures) >= h.measMax
	h.measMu.RUnlock()
	if ok {
		return i, h.measureName(i)
	}
	n := string(nb)
	if full || !validName(n) {
		return h.measMax, labelOther
	}
	h.measMu.Lock()
	defer h.measMu.Unlock()
	if i, ok := h.measIdx[n]; ok {
		return i, n
	}
	if len(h.measures) >= h.measMax {
		return h.measMax, labelOther
	}
	i = len(h.measures)
	h.measures = append(h.measures, n)
	h.measIdx[n] = i
	return i, n
}

func (h *Handler) measureName(i int) string {
	h.measMu.RLock()
	defer h.measMu.RUnlock()
	return h.measures[i]
}

// validName says a measure name may become a label: printable UTF-8 of at most
// maxNameBytes, not "other".
func validName(n string) bool {
	if n == "" || len(n) > maxNameBytes || n == labelOther || !utf8.ValidString(n) {
		return false
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// jsError captures a JavaScript error as Count events of error tracking (at most
// MaxErrorCount, and left of the beacon's MaxErrorsPerBeacon), and returns what is left.
func (h *Handler) jsError(ctx context.Context, page, origin, ua string, e *event, left int) int {
	n := 1
	if e.count.ok {
		if e.count.v < 1 || e.count.v != math.Trunc(e.count.v) {
			h.m.drop(iInvalid)
			return left
		}
		n = int(min(e.count.v, MaxErrorCount))
	}
	n = min(n, left)
	if n == 0 {
		return 0
	}
	typ := truncate(strings.TrimSpace(string(e.typ)), maxTypeBytes)
	if typ == "" {
		typ = "Error"
	}
	fs := parseFrames(e.frames, maxFrames)
	frames := make([]errtrack.Frame, 0, len(fs))
	for _, f := range fs {
		u := string(f.url)
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		fn := truncate(string(f.fn), maxFnBytes)
		if fn == "" {
			fn = "?"
		}
		line := 0
		if f.line >= 1 && f.line <= math.MaxInt32 {
			line = int(f.line)
		}
		frames = append(frames, errtrack.Frame{Function: fn, File: truncate(u, maxURLBytes), Line: line, InApp: sameOrigin(u, origin)})
	}
	base := errtrack.Event{
		Source:  errtrack.SourceBrowser,
		Types:   []string{typ},
		Message: truncate(string(e.message), maxMsgBytes),
		Frames:  frames,
		Request: errtrack.RequestContext{Route: page, UserAgent: errtrack.UserAgentFamily(ua)},
	}
	key := truncate(string(e.key), maxKeyBytes)
	for range n {
		ev := base // each capture its own event: the tracker scrubs and keeps it
		if key != "" {
			ev.Extra = map[string]string{"key": key}
		}
		h.capt.Capture(ctx, &ev)
	}
	return left - n
}

// sameOrigin says a script URL is on the page's origin (scheme://host[:port], or
// //host when the scheme is unknown).
func sameOrigin(u, origin string) bool {
	if origin == "" {
		return false
	}
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return false
	}
	host, _, _ := strings.Cut(rest, "/")
	if strings.HasPrefix(origin, "//") {
		return strings.EqualFold(host, origin[2:])
	}
	os, oh, ok := strings.Cut(origin, "://")
	return ok && strings.EqualFold(scheme, os) && strings.EqualFold(host, oh)
}

// truncate cuts s to at most n bytes on a rune boundary, and makes it valid UTF-8.
func truncate(s string, n int) string {
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// equalFold says b is s in any case (ASCII).
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
