package instrument

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// RouteOther is the http_route of a request that matched no route.
const RouteOther = "other"

// routeOf returns the route template that served r, or "" when none is known.
// It is called after the handler returns, because http.ServeMux sets r.Pattern only
// while it serves the request.
func (m *Middleware) routeOf(r *http.Request, s *Scope) string {
	if s != nil && s.route != "" {
		return s.route
	}
	if m.cfg.routeFunc != nil {
		return m.cfg.routeFunc(r)
	}
	if r.Pattern != "" {
		// The pattern as ServeMux holds it: the same string on every request of a route,
		// which the series cache keys on; the method and host are dropped from the label
		// once, when the route is first seen (see labelOf).
		return r.Pattern
	}
	if rt := mux.CurrentRoute(r); rt != nil {
		if t, err := rt.GetPathTemplate(); err == nil {
			return t
		}
	}
	return ""
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
func labelOf(route string) string { return normalizeRoute(patternPath(route)) }

// normalizeRoute drops the patterns of path variables ("/items/{id:[0-9]+}" →
// "/items/{id}"), as gorilla/mux and chi write them: the label names the route, and
// regular expressions in label values only make queries and legends harder to read.
func normalizeRoute(t string) string {
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
