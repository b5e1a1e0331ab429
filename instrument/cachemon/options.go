package cachemon

import (
	"fmt"
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/internal/buckets"
)

// DefaultMaxCaches bounds the distinct cache names of a CacheMonitor.
const DefaultMaxCaches = 100

// DefaultDurationBuckets are the boundaries of the operation histogram, in seconds:
// 100 µs to 1 s, for in-process and remote caches alike.
func DefaultDurationBuckets() []float64 {
	return []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}
}

// An Option configures a CacheMonitor.
type Option func(*config) error

type config struct {
	serverTiming    bool
	maxCaches       int
	durationBuckets []float64
	constLabels     prometheus.Labels
}

// WithServerTiming switches a Server-Timing header (cache;desc="3 hits, 1 miss") on every
// response on or off. Off by default: it tells clients how the server's caches behave.
func WithServerTiming(on bool) Option {
	return func(c *config) error { c.serverTiming = on; return nil }
}

// WithMaxCaches bounds the distinct cache names (default 100); later names are
// recorded as "other".
func WithMaxCaches(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max caches %d: must be at least 1", n)
		}
		c.maxCaches = n
		return nil
	}
}

// WithDurationBuckets replaces the boundaries of the operation histogram, in seconds.
func WithDurationBuckets(b []float64) Option {
	return func(c *config) error {
		if err := buckets.Check(b); err != nil {
			return fmt.Errorf("duration buckets: %w", err)
		}
		c.durationBuckets = slices.Clone(b)
		return nil
	}
}

// WithConstLabels adds constant labels to every metric of the monitor.
func WithConstLabels(l prometheus.Labels) Option {
	return func(c *config) error { c.constLabels = maps.Clone(l); return nil }
}
