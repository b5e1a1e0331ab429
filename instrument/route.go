package instrument

import (
	"net/http"
	"strings"
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
// A Middleware that wraps the mux directly needs no Route.
func Route(mux http.Handler) http.Handler { return routeRecorder{mux} }

type routeRecorder struct{ next http.Handler }

func (rr routeRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Deferred, so that a request whose handler panics keeps its route too.
	defer func() {
		if r.Pattern != "" {
			SetRoute(w, r, r.Pattern)
		}
	}()
	rr.next.ServeHTTP(w, r)
}

// SetRoute tells the Middleware serving the request which route template it matched,
// from anywhere between the Middleware and the handler: a router adapter (see package
// gorillamux) or a handler that routes on its own. It reaches the Middleware through
// the request's Scope when there is one, and otherwise through the ResponseWriter the
// Middleware passed on, unwrapping writers that have an Unwrap method as
// http.ResponseController does. It reports whether a Middleware was found. The
// template must come from a finite set: it becomes the http_route label.
func SetRoute(w http.ResponseWriter, r *http.Request, template string) bool {
	if s := ScopeFrom(r.Context()); s != nil {
		s.SetRoute(template)
		return true
	}
	if rw := writerOf(w); rw != nil {
		rw.route = template
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
