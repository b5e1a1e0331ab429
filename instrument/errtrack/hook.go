package errtrack

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/perfwatch/perfwatch/instrument"
)

// requestState is what the Tracker keeps of a request while it is served: its context
// and the events reported in it, counted when it ends, when route and status are known.
type requestState struct {
	method, userAgent, traceID string

	mu      sync.Mutex
	ended   bool
	route   string
	status  int
	pending []heldOccurrence
}

type heldOccurrence struct {
	occurrence
	pcs []uintptr
}

// Start is the Hook method that attaches the Tracker's state to a request.
func (t *Tracker) Start(s *instrument.Scope, r *http.Request) {
	rs := &requestState{method: s.Method(), userAgent: UserAgentFamily(r.UserAgent())}
	if t.cfg.traceID != nil {
		rs.traceID = t.cfg.traceID(r.Context())
	} else {
		rs.traceID = traceparentID(r.Header.Get("Traceparent"))
	}
	s.SetValue(t, rs)
}

// WriteHeader is the Hook method called before the response status is sent; the
// Tracker adds nothing.
func (t *Tracker) WriteHeader(*instrument.Scope, http.Header) {}

// End is the Hook method that counts the events reported during the request, with its
// final route and status.
func (t *Tracker) End(s *instrument.Scope) {
	rs, _ := s.Value(t).(*requestState)
	if rs == nil {
		return
	}
	rs.mu.Lock()
	rs.ended, rs.route, rs.status = true, s.Route(), s.Status()
	pending := rs.pending
	rs.pending = nil
	rs.mu.Unlock()
	for _, o := range pending {
		t.process(o.occurrence, o.pcs, requestContextOf(rs, s))
	}
}

// requestState returns the state of the request ctx belongs to, or nil.
func (t *Tracker) requestState(ctx context.Context) *requestState {
	s := instrument.ScopeFrom(ctx)
	if s == nil {
		return nil
	}
	rs, _ := s.Value(t).(*requestState)
	return rs
}

// hold keeps o until the request ends; false when it already has.
func (rs *requestState) hold(o occurrence, pcs []uintptr) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.ended {
		return false
	}
	// The stack copied: the reporter's array of program counters is on its stack and
	// must stay there on the path that does not hold.
	rs.pending = append(rs.pending, heldOccurrence{o, slices.Clone(pcs)})
	return true
}

// requestContextOf is the context events of rs carry; s is the scope at its end, or nil
// when the request has ended (or when there is no request: rs nil).
func requestContextOf(rs *requestState, s *instrument.Scope) RequestContext {
	if rs == nil {
		return RequestContext{}
	}
	rc := RequestContext{Method: rs.method, UserAgent: rs.userAgent, TraceID: rs.traceID}
	if s != nil {
		rc.Route, rc.Status = s.Route(), s.Status()
	} else {
		rs.mu.Lock()
		rc.Route, rc.Status = rs.route, rs.status
		rs.mu.Unlock()
	}
	return rc
}

// traceparentID returns the trace id of a W3C traceparent header
// (version-traceid-parentid-flags), or "" when it is not one.
func traceparentID(h string) string {
	parts := strings.Split(h, "-")
	if len(parts) < 4 || len(parts[0]) != 2 || len(parts[1]) != 32 || strings.Trim(parts[1], "0") == "" {
		return ""
	}
	for i := 0; i < 32; i++ {
		c := parts[1][i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return ""
		}
	}
	return parts[1]
}
