package instrument

import "time"

// SetRouteWarning changes when m warns that it never learned a route, for tests.
func SetRouteWarning(m *Middleware, after int64, minAge time.Duration) {
	m.routes.after, m.routes.minAge = after, minAge
}
