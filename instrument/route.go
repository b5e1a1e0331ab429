package instrument

import (
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// RouteOther is the http_route of a request that matched no route.
const RouteOther = "other"

// Route wraps a router that names the route it serves in Request.Pattern, as
// http.ServeMux does, so that the Middleware learns the pattern even when handlers in
// between pass a copy of the request on (r.WithContext in an authentication
// middleware, http.StripPrefix): ServeMux sets the pattern on the request it was given,
// which the Middleware outside never sees. Put it directly around the mux:
//
//	m.Handler(auth(instrument.Route(mux)))
//
// Nested muxes each get a Route of their own; the innermost that serves a request
// names it, and a mux that matches nothing names it "other", so an outer mux's prefix
// pattern ("/api/") never stands for the inner mux's routes or its 404s. A Middleware
// that wraps a single mux directly needs no Route. Behind http.StripPrefix, use
// RouteUnder to keep the prefix in the label.
func Route(mux http.Handler) http.Handler { return &routeRecorder{next: mux} }

// RouteUnder is Route for a mux served under a path prefix that http.StripPrefix
// removes before the mux sees the path: its patterns are recorded with prefix in
// front ("/reader" and "GET /v1/feeds/{id}" make http_route="/reader/v1/feeds/{id}"),
// so that labels are paths from the server's root like those of every other route.
// A request the mux does not match is "other", as with Route.
func RouteUnder(prefix string, mux http.Handler) http.Handler {
	return &routeRecorder{next: mux, prefix: strings.TrimSuffix(prefix, "/")}
}

type routeRecorder struct {
	next   http.Handler
	prefix string

	// joined maps a pattern to prefix+path, so that a request costs no concatenation:
	// copy-on-write, as a mux's patterns are few and fixed.
	joined atomic.Pointer[map[string]string]
	mu     sync.Mutex
}

// maxJoined bounds the patterns whose prefixed label a RouteUnder remembers.
const maxJoined = 1024

func (rr *routeRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Deferred, so that a request whose handler panics keeps its route too. The
	// innermost recorder runs its deferred call first, so it names the request.
	defer func() { nameRoute(w, r, rr.label(r.Pattern), false) }()
	rr.next.ServeHTTP(w, r)
}

// label returns what a request with ServeMux's pattern p is recorded as.
func (rr *routeRecorder) label(p string) string {
	switch {
	case p == "":
		return RouteOther
	case rr.prefix == "":
		return p
	}
	if m := rr.joined.Load(); m != nil {
		if l, ok := (*m)[p]; ok {
			return l
		}
	}
	l := rr.prefix + patternPath(p)
	rr.mu.Lock()
	defer rr.mu.Unlock()
	var old map[string]string
	if m := rr.joined.Load(); m != nil {
		old = *m
	}
	if len(old) < maxJoined {
		next := make(map[string]string, len(old)+1)
		maps.Copy(next, old)
		next[p] = l
		rr.joined.Store(&next)
	}
	return l
}

// SetRoute tells the Middleware serving the request which route template it matched,
// from anywhere between the Middleware and the handler: a router adapter (see package
// gorillamux) or a handler that routes on its own. It reaches the Middleware through
// the request's Scope when there is one, and otherwise through the ResponseWriter the
// Middleware passed on, unwrapping writers that have an Unwrap method as
// http.ResponseController does. It reports whether a Middleware was found. The
// template must come from a finite set: it becomes the http_route label.
func SetRoute(w http.ResponseWriter, r *http.Request, template string) bool {
	return nameRoute(w, r, template, true)
}

// nameRoute gives the request its route through the Scope or the writer; unless
// override is set, only when nothing named it before.
func nameRoute(w http.ResponseWriter, r *http.Request, template string, override bool) bool {
	if s := ScopeFrom(r.Context()); s != nil {
		if override || s.route == "" {
			s.route = template
		}
		return true
	}
	if rw := writerOf(w); rw != nil {
		if override || rw.route == "" {
			rw.route = template
		}
		return true
	}
	return false
}

// maxUnwrap bounds the chain of wrapped writers SetRoute follows, against cycles.
const maxUnwrap = 32

// writerOf finds the Middleware's responseWriter behind w, or nil.
func writerOf(w http.ResponseWriter) *responseWriter {
	for range maxUnwrap {
		switch x := w.(type) {
		case interface{ instrumentWriter() *responseWriter }:
			return x.instrumentWriter()
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// routeOf returns the route template that served r, or "" when none is known.
// It is called after the handler returns, because http.ServeMux sets r.Pattern only
// while it serves the request.
func (m *Middleware) routeOf(r *http.Request, rw *responseWriter, s *Scope) string {
	switch {
	case s != nil && s.route != "":
		return s.route
	case rw.route != "":
		return rw.route
	case m.cfg.routeFunc != nil:
		return m.cfg.routeFunc(r)
	}
	// The pattern as ServeMux holds it: the same string on every request of a route,
	// which the series cache keys on; the method and host are dropped from the label
	// once, when the route is first seen (see labelOf).
	return r.Pattern
}

// patternPath strips the method and host from an http.ServeMux pattern
// ("GET example.com/items/{id}" → "/items/{id}"): OpenTelemetry's http.route is the
// path template alone, and method and host have labels or attributes of their own.
func patternPath(p string) string {
	if i := strings.IndexByte(p, '/'); i > 0 {
		return p[i:]
	}
	return p
}

// labelOf turns what a router says into the http_route label value.
func labelOf(route string) string { return NormalizeRoute(patternPath(route)) }

// NormalizeRoute drops the patterns of path variables ("/items/{id:[0-9]+}" →
// "/items/{id}"), as gorilla/mux and chi write them: the label names the route, and
// regular expressions in label values only make queries and legends harder to read.
func NormalizeRoute(t string) string {
	if !strings.Contains(t, ":") || !strings.Contains(t, "{") {
		return t
	}
	var b strings.Builder
	depth, skipping := 0, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				skipping = false
			}
		case c == ':' && depth == 1 && !skipping:
			skipping = true
			continue
		}
		if !skipping || (c == '}' && depth == 0) {
			b.WriteByte(c)
		}
	}
	return b.String()
}
