package errtrack

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the bounds a Tracker keeps.
const (
	DefaultMaxGroups      = 1000 // groups held, least recently seen evicted
	DefaultMaxGroupLabels = 200  // distinct group label values per process
	DefaultMaxErrorTypes  = 100  // distinct error_type label values per process
	DefaultMaxRoutes      = 1000 // distinct http_route label values of ingested events
	DefaultSaveInterval   = 30 * time.Second
)

// An Option configures a Tracker.
type Option func(*config) error

type config struct {
	logger         *slog.Logger
	release        string
	maxGroups      int
	maxGroupLabels int
	maxTypes       int
	maxRoutes      int
	stateFile      string
	saveInterval   time.Duration
	inAppPrefixes  []string
	repanic        bool
	errorPage      func(w http.ResponseWriter, r *http.Request, eventID string)
	traceID        func(context.Context) string
	constLabels    prometheus.Labels
	now            func() time.Time
}

func defaultConfig() config {
	return config{
		release:        buildRelease(),
		maxGroups:      DefaultMaxGroups,
		maxGroupLabels: DefaultMaxGroupLabels,
		maxTypes:       DefaultMaxErrorTypes,
		maxRoutes:      DefaultMaxRoutes,
		saveInterval:   DefaultSaveInterval,
		errorPage:      DefaultErrorPage,
		now:            time.Now,
	}
}

func (c *config) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}

// WithLogger sets where the Tracker logs new groups, sampled repeats, regressions and
// state file problems (slog.Default() as it is when it writes, without it).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithRelease sets the application's version recorded with each event; by default it
// is the main module's version from the build information, or its VCS revision.
func WithRelease(release string) Option {
	return func(c *config) error { c.release = release; return nil }
}

// WithMaxGroups bounds the groups held (default 1000); the least recently seen is
// evicted to make room.
func WithMaxGroups(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max groups %d: must be at least 1", n)
		}
		c.maxGroups = n
		return nil
	}
}

// WithMaxGroupLabels bounds the distinct values of the group label (default 200): the
// groups a process sees first (those of the state file first, most frequent first)
// get their own series, later ones count under group="other".
func WithMaxGroupLabels(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("max group labels %d: must not be negative", n)
		}
		c.maxGroupLabels = n
		return nil
	}
}

// WithMaxErrorTypes bounds the distinct values of the error_type label (default 100).
func WithMaxErrorTypes(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max error types %d: must be at least 1", n)
		}
		c.maxTypes = n
		return nil
	}
}

// WithStateFile keeps the groups in path across restarts: New loads it, Save and Run
// write it atomically. A file that cannot be read as a state file is moved aside
// (path.corrupt-<time>) and the Tracker starts empty.
func WithStateFile(path string) Option {
	return func(c *config) error {
		if path == "" {
			return fmt.Errorf("state file path is empty")
		}
		c.stateFile = path
		return nil
	}
}

// WithSaveInterval sets how often Run writes the state file when groups changed
// (default 30 s).
func WithSaveInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("save interval %v: must be positive", d)
		}
		c.saveInterval = d
		return nil
	}
}

// WithInAppPrefixes names the import paths of the application's own packages; only
// their frames then enter the fingerprint. Without it every frame outside the standard
// library and instrument counts as the application's.
func WithInAppPrefixes(prefixes ...string) Option {
	return func(c *config) error { c.inAppPrefixes = append(c.inAppPrefixes, prefixes...); return nil }
}

// WithRepanic makes Recover panic again with the original value after recording the
// event, for an outer recovery handler (or net/http) to handle. The HTTP middleware
// still records the request as a 500.
func WithRepanic(on bool) Option {
	return func(c *config) error { c.repanic = on; return nil }
}

// WithErrorPage replaces the response Recover writes after a panic when nothing was
// written yet. It must not write the panic's text.
func WithErrorPage(page func(w http.ResponseWriter, r *http.Request, eventID string)) Option {
	return func(c *config) error {
		if page == nil {
			return fmt.Errorf("error page is nil")
		}
		c.errorPage = page
		return nil
	}
}

// WithTraceID sets how the trace id of a request's context is found (OpenTelemetry's
// span context, say); without it the W3C traceparent request header is read.
func WithTraceID(f func(context.Context) string) Option {
	return func(c *config) error { c.traceID = f; return nil }
}

// WithConstLabels adds constant labels to every metric of the Tracker.
func WithConstLabels(l prometheus.Labels) Option {
	return func(c *config) error { c.constLabels = l; return nil }
}
