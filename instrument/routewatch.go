package instrument

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// A Middleware that sees this many requests, over at least this long, and learns a
// route for none of them says so once: every request then lands in
// http_route="other", and every per-route rule and panel sees one route.
const (
	routeWarnAfter  = 100
	routeWarnMinAge = time.Minute
)

// routeWatch notices a Middleware that never learns a route.
type routeWatch struct {
	after  int64
	minAge time.Duration

	seen     atomic.Bool // some request had a route
	warned   atomic.Bool
	unnamed  atomic.Int64
	firstAge atomic.Int64 // nanoseconds since the epoch of the first unrouted request, plus one
}

func (w *routeWatch) routed() {
	if !w.seen.Load() {
		w.seen.Store(true)
	}
}

// unrouted counts a request without a route, and logs once when none has had one.
func (w *routeWatch) unrouted(log func() *slog.Logger, epoch time.Time) {
	if w.seen.Load() || w.warned.Load() {
		return
	}
	now := int64(time.Since(epoch))
	w.firstAge.CompareAndSwap(0, now+1)
	n := w.unnamed.Add(1)
	if n < w.after || time.Duration(now-w.firstAge.Load()+1) < w.minAge {
		return
	}
	if w.seen.Load() || !w.warned.CompareAndSwap(false, true) {
		return
	}
	log().Warn(`instrument: no request has had a route template, so every request is recorded as http_route="other"`,
		"requests", n,
		"why", "the Middleware learns the route from an http.ServeMux it wraps directly, from instrument.Route around a ServeMux "+
			"behind middleware that copies the request (r.WithContext, http.StripPrefix), from gorillamux.Handler for gorilla/mux, "+
			"from WithRouteFunc, or from SetRoute")
}
