package rum

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// beacon is schema version 1. Its top level is decoded strictly (an unknown field is
// malformed: a new field means a new version); its events leniently (a newer snippet
// may add fields to an event, and an event of the wrong shape is dropped alone).
type beacon struct {
	V      int     `json:"v"`
	Page   string  `json:"page"`
	Nav    string  `json:"nav"`
	Events []event `json:"events"`
}

// event is the union of the event types' fields.
type event struct {
	bad bool // not an object of the right field types

	T string `json:"t"`
	// vital, measure
	Name  string `json:"name"`
	Value optNum `json:"value"`
	// error
	Type    string  `json:"type"`
	Message string  `json:"message"`
	Frames  []frame `json:"frames"`
	Key     string  `json:"key"`
	Count   optNum  `json:"count"`
	// api
	Method   string `json:"method"`
	Route    string `json:"route"`
	Status   optNum `json:"status"`
	Duration optNum `json:"duration"`
	// nav
	DNS            optNum `json:"dns"`
	Connect        optNum `json:"connect"`
	TLS            optNum `json:"tls"`
	TTFB           optNum `json:"ttfb"`
	DOMInteractive optNum `json:"dom_interactive"`
	Load           optNum `json:"load"`
	// resource
	Initiator string `json:"initiator"`
	Bytes     optNum `json:"bytes"`
}

type frame struct {
	Fn   string `json:"fn"`
	URL  string `json:"url"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// eventFields is event without its UnmarshalJSON, for the inner decoding.
type eventFields event

// UnmarshalJSON decodes one event, marking it bad instead of failing the beacon.
func (e *event) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*eventFields)(e)); err != nil || len(b) == 0 || b[0] != '{' {
		*e = event{bad: true}
	}
	return nil
}

// optNum is a JSON number that may be absent (or null).
type optNum struct {
	v  float64
	ok bool
}

// UnmarshalJSON reads a number or null.
func (n *optNum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = optNum{}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errors.New("not a number")
	}
	*n = optNum{v: f, ok: true}
	return nil
}

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

// decode parses a beacon body.
func decode(body []byte) (*beacon, *rejection) {
	var b beacon
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&b)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("data after the beacon object")
		}
	}
	if err != nil {
		// A beacon of another version fails as malformed: say version when it is one.
		var probe struct {
			V json.RawMessage `json:"v"`
		}
		if json.Unmarshal(body, &probe) == nil && len(probe.V) > 0 && string(probe.V) != "1" {
			return nil, reject(http.StatusBadRequest, reasonVersion, "schema version %.10s: want 1", probe.V)
		}
		return nil, reject(http.StatusBadRequest, reasonMalformed, "not a beacon: %.200v", err)
	}
	if b.V != 1 {
		return nil, reject(http.StatusBadRequest, reasonVersion, "schema version %d: want 1", b.V)
	}
	if len(b.Events) > MaxEvents {
		return nil, reject(http.StatusBadRequest, reasonTooManyEvents, "%d events: at most %d", len(b.Events), MaxEvents)
	}
	return &b, nil
}

// record decodes a beacon body and records its events.
func (h *Handler) record(ctx context.Context, body []byte, origin, ua string) *rejection {
	b, rej := decode(body)
	if rej != nil {
		return rej
	}
	h.m.beacons.Inc()
	ps := h.page(b.Page)
	h.m.view(ps, navIndex(b.Nav)).Inc()
	errorsLeft := MaxErrorsPerBeacon
	for i := range b.Events {
		e := &b.Events[i]
		if e.bad {
			h.m.drop(iInvalid)
			continue
		}
		switch e.T {
		case "vital":
			h.vital(ps, e)
		case "api":
			h.apiCall(e)
		case "nav":
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

func (h *Handler) page(p string) *pageSeries {
	if i, ok := h.pageIdx[p]; ok && len(p) <= MaxPageBytes {
		return h.pages[i]
	}
	return h.pages[len(h.pages)-1]
}

func navIndex(n string) int {
	for i, t := range navTypes[:len(navTypes)-1] {
		if n == t {
			return i
		}
	}
	return len(navTypes) - 1
}

// inRange says v is a number within [0, max].
func inRange(v float64, max float64) bool { return v >= 0 && v <= max && !math.IsNaN(v) }

func (h *Handler) vital(ps *pageSeries, e *event) {
	var v, max, scale = -1, float64(maxDurationMS), 1e-3
	switch e.Name {
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
	if !e.Value.ok {
		h.m.drop(iInvalid)
		return
	}
	if !inRange(e.Value.v, max) {
		h.m.drop(iOutOfRange)
		return
	}
	h.m.vital(ps, v).Observe(e.Value.v * scale)
}

func (h *Handler) apiCall(e *event) {
	mi := len(methods) - 1
	for i, m := range methods[:len(methods)-1] {
		if strings.EqualFold(e.Method, m) {
			mi = i
			break
		}
	}
	ri, ok := h.routeIdx[e.Route]
	if !ok {
		ri = len(h.routes) - 1
	}
	if !e.Status.ok || !e.Duration.ok || e.Status.v != math.Trunc(e.Status.v) {
		h.m.drop(iInvalid)
		return
	}
	code := int(e.Status.v)
	sl := statusLabel(code)
	if sl == "" {
		h.m.drop(iInvalid)
		return
	}
	if !inRange(e.Duration.v, maxDurationMS) {
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
	o.Observe(e.Duration.v / 1e3)
}

func (h *Handler) navigation(ps *pageSeries, e *event) {
	for i, p := range [len(phases)]optNum{e.DNS, e.Connect, e.TLS, e.TTFB, e.DOMInteractive, e.Load} {
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
		if e.Initiator == n {
			ini = i
			break
		}
	}
	count, bytes, dur := e.Count, e.Bytes, e.Duration
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
	if !e.Duration.ok {
		h.m.drop(iInvalid)
		return
	}
	if !inRange(e.Duration.v, maxDurationMS) {
		h.m.drop(iOutOfRange)
		return
	}
	idx, name := h.measureIndex(e.Name)
	h.m.renderOf(ps, idx, name).Observe(e.Duration.v / 1e3)
}

// measureIndex returns the label of a measure name: configured, among the first
// DefaultSeenMeasures others seen, or other.
func (h *Handler) measureIndex(n string) (int, string) {
	h.measMu.RLock()
	i, ok := h.measIdx[n]
	full := len(h.measures) >= h.measMax
	h.measMu.RUnlock()
	if ok {
		return i, n
	}
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
	n = strings.Clone(n) // not the beacon's buffer
	h.measures = append(h.measures, n)
	h.measIdx[n] = i
	return i, n
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
	if e.Count.ok {
		if e.Count.v < 1 || e.Count.v != math.Trunc(e.Count.v) {
			h.m.drop(iInvalid)
			return left
		}
		n = int(min(e.Count.v, MaxErrorCount))
	}
	n = min(n, left)
	if n == 0 {
		return 0
	}
	typ := truncate(strings.TrimSpace(e.Type), maxTypeBytes)
	if typ == "" {
		typ = "Error"
	}
	frames := make([]errtrack.Frame, 0, min(len(e.Frames), maxFrames))
	for _, f := range e.Frames[:min(len(e.Frames), maxFrames)] {
		u := f.URL
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		fn := truncate(f.Fn, maxFnBytes)
		if fn == "" {
			fn = "?"
		}
		line := f.Line
		if line < 0 {
			line = 0
		}
		frames = append(frames, errtrack.Frame{Function: fn, File: truncate(u, maxURLBytes), Line: line, InApp: sameOrigin(u, origin)})
	}
	base := errtrack.Event{
		Source:  errtrack.SourceBrowser,
		Types:   []string{typ},
		Message: truncate(e.Message, maxMsgBytes),
		Frames:  frames,
		Request: errtrack.RequestContext{Route: page, UserAgent: errtrack.UserAgentFamily(ua)},
	}
	key := truncate(e.Key, maxKeyBytes)
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
