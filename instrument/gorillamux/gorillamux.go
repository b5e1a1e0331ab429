// Package gorillamux connects instrument's Middleware to a gorilla/mux router: every
// request the router serves is measured, matched ones under their route template, and
// its not-found and method-not-allowed responses as http_route="other", with the
// application's own handlers for them kept.
package gorillamux

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/perfwatch/perfwatch/instrument"
)

// Handler returns router measured by m. The Middleware wraps the whole router, so
// that the responses gorilla/mux writes without running route middleware (404 from
// NotFoundHandler, 405 from MethodNotAllowedHandler, the application's own or
// gorilla's defaults) are measured too; a route middleware added to router with Use
// tells the Middleware each matched request's path template, subrouters included.
// Serve the returned handler in place of the router:
//
//	http.ListenAndServe(":8080", gorillamux.Handler(m, router))
func Handler(m *instrument.Middleware, router *mux.Router) http.Handler {
	NameRoutes(router)
	return m.Handler(router)
}

// NameRoutes adds to router the route middleware that tells the Middleware serving a
// request its route template, for applications that put handlers of their own between
// the Middleware and the router: m.Handler(auth(http.StripPrefix("/app", router))).
// Handler calls it; call it once per router.
func NameRoutes(router *mux.Router) { router.Use(nameRoute) }

// nameRoute is the router middleware that reports the matched route's template.
func nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t := RouteOf(r); t != "" {
			instrument.SetRoute(w, r, t)
		}
		next.ServeHTTP(w, r)
	})
}

// RouteOf returns the path template of the gorilla/mux route that matched r, or ""
// when none did; it suits instrument.WithRouteFunc for a Middleware added with
// router.Use.
func RouteOf(r *http.Request) string {
	if rt := mux.CurrentRoute(r); rt != nil {
		if t, err := rt.GetPathTemplate(); err == nil {
			return t
		}
	}
	return ""
}
