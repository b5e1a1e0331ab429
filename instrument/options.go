package instrument

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"

	"github.com/perfwatch/perfwatch/instrument/internal/buckets"
)

// DefaultDurationBuckets are OpenTelemetry's advised boundaries for
// http.server.request.duration, in seconds.
func DefaultDurationBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
}

// DefaultSizeBuckets are the boundaries of the body size histograms, in bytes:
// 64 B to 16 MiB in steps of four.
func DefaultSizeBuckets() []float64 {
	return []float64{64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216}
}

// DefaultSlowRequestThreshold is the latency above which perfwatch calls a request slow.
const DefaultSlowRequestThreshold = 1.0

// DefaultMaxRoutes bounds the distinct http_route values one Middleware records.
const DefaultMaxRoutes = 1000

// An Option configures a Middleware.
type Option func(*config) error

type config struct {
	durationBuckets []float64
	sizeBuckets     []float64
	slowThreshold   float64
	sizes           bool
	native          bool
	nativeFactor    float64
	routeFunc       func(*http.Request) string
	exemplarFunc    func(context.Context) string
	hooks           []Hook
	scope           bool
	maxRoutes       int
	constLabels     map[string]string
	skip            func(*http.Request) bool
	userKind        bool
	userFunc        func(*http.Request) bool
	logger          *slog.Logger
}

func defaultConfig() config {
	return config{
		durationBuckets: DefaultDurationBuckets(),
		sizeBuckets:     DefaultSizeBuckets(),
		slowThreshold:   DefaultSlowRequestThreshold,
		sizes:           true,
		nativeFactor:    1.1,
		maxRoutes:       DefaultMaxRoutes,
	}
}

// WithSkip leaves the requests for which skip returns true unmeasured: the handler
// runs as if there were no Middleware. Use it for endpoints whose requests are not
// request-response exchanges, such as server-sent event streams. skip sees the
// request before any router, so it decides by method, path or header.
func WithSkip(skip func(*http.Request) bool) Option {
	return func(c *config) error {
		if skip == nil {
			return fmt.Errorf("skip function is nil")
		}
		c.skip = skip
		return nil
	}
}

// WithUserKind adds the label user_kind, "authenticated" or "anonymous", to the
// request histograms. authenticated, if not nil, decides from the request after the
// handler returned; a handler (or an authentication middleware) can instead say so with
// Scope.SetAuthenticated, which wins. The label doubles the series of routes that see
// both kinds of user, so it is off by default. It turns the Scope on.
func WithUserKind(authenticated func(*http.Request) bool) Option {
	return func(c *config) error {
		c.userKind, c.userFunc, c.scope = true, authenticated, true
		return nil
	}
}

// WithLogger sets where the Middleware reports misconfiguration, such as a router
// that never names a route. Without it the Middleware writes to slog.Default() as it
// is when it writes, so an application may call slog.SetDefault after New.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithDurationBuckets replaces the classic buckets of the duration histogram. The slow
// request threshold is added as a boundary whatever the list holds.
func WithDurationBuckets(b []float64) Option {
	return func(c *config) error {
		if err := buckets.Check(b); err != nil {
			return fmt.Errorf("duration buckets: %w", err)
		}
		c.durationBuckets = slices.Clone(b)
		return nil
	}
}

// WithSizeBuckets replaces the buckets of the request and response body size histograms.
func WithSizeBuckets(b []float64) Option {
	return func(c *config) error {
		if err := buckets.Check(b); err != nil {
			return fmt.Errorf("size buckets: %w", err)
		}
		c.sizeBuckets = slices.Clone(b)
		return nil
	}
}

// WithSlowRequestThreshold sets the latency, in seconds, that counts as slow (default
// 1.0). It becomes an exact bucket boundary, so the share of slow requests is read from
// one bucket without interpolation.
func WithSlowRequestThreshold(seconds float64) Option {
	return func(c *config) error {
		if !(seconds > 0) || math.IsInf(seconds, 0) {
			return fmt.Errorf("slow request threshold %v: must be a positive number of seconds", seconds)
		}
		c.slowThreshold = seconds
		return nil
	}
}

// WithBodySizes switches the request and response body size histograms on or off
// (on by default).
func WithBodySizes(on bool) Option {
	return func(c *config) error { c.sizes = on; return nil }
}

// WithNativeHistograms additionally exposes every histogram as a Prometheus native
// histogram with the given bucket growth factor (1.1 when factor is 0). Classic buckets
// stay, so queries and dashboards written for them keep working.
func WithNativeHistograms(factor float64) Option {
	return func(c *config) error {
		if factor == 0 {
			factor = 1.1
		}
		if !(factor > 1) {
			return fmt.Errorf("native histogram bucket factor %v: must be greater than 1", factor)
		}
		c.native, c.nativeFactor = true, factor
		return nil
	}
}

// WithRouteFunc supplies the route template of a request for routers other than
// http.ServeMux (see Route) and gorilla/mux (see package gorillamux). It is called
// after the handler returns, with the request the Middleware received; returning ""
// means no route matched. Its results must come from the router's finite route table.
func WithRouteFunc(f func(*http.Request) string) Option {
	return func(c *config) error { c.routeFunc = f; return nil }
}

// WithMaxRoutes bounds the distinct http_route values (default 1000); routes seen after
// the bound is reached are recorded as "other", so a router that leaks raw paths into
// its templates cannot explode the number of series.
func WithMaxRoutes(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max routes %d: must be at least 1", n)
		}
		c.maxRoutes = n
		return nil
	}
}

// WithExemplars attaches an exemplar {trace_id="..."} to the duration observation of
// every request for which f returns a non-empty trace id, so that Grafana can jump
// from a latency bucket to the trace. See package instrument/otelexemplar for an
// OpenTelemetry adapter.
func WithExemplars(f func(context.Context) string) Option {
	return func(c *config) error { c.exemplarFunc = f; return nil }
}

// WithHook lets h take part in every request (database, cache and error
// instrumentation are hooks). Hooks need the per-request Scope, so adding one turns it on.
func WithHook(h Hook) Option {
	return func(c *config) error {
		if h == nil {
			return fmt.Errorf("hook is nil")
		}
		c.hooks = append(c.hooks, h)
		c.scope = true
		return nil
	}
}

// WithScope stores a Scope in every request's context even when no hook is configured,
// so that handlers can call SetRoute or read the request's start time. Without a hook
// or this option the middleware leaves the request untouched, which saves an allocation.
func WithScope() Option {
	return func(c *config) error { c.scope = true; return nil }
}

// WithConstLabels adds constant labels to every metric of the middleware, for example
// to tell two servers of one process apart.
func WithConstLabels(l map[string]string) Option {
	return func(c *config) error {
		c.constLabels = make(map[string]string, len(l))
		for k, v := range l {
			c.constLabels[k] = v
		}
		return nil
	}
}
