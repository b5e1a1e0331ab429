// Package cachemon counts the hits and misses and times the operations of any cache,
// in process or remote, per cache name, and per HTTP request as a Hook of the
// middleware.
package cachemon

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/internal/bounded"
	"github.com/perfwatch/perfwatch/instrument/internal/register"
	"github.com/perfwatch/perfwatch/instrument/internal/servertiming"
	"github.com/prometheus/client_golang/prometheus"
)

// A CacheMonitor counts hits and misses and times the operations of any cache, in
// process or remote, per cache name; as a Hook of the HTTP middleware it also keeps
// each request's hits and misses. It is safe for concurrent use.
type CacheMonitor struct {
	opts   config
	caches bounded.Set[*Cache]
}

// A Cache records the operations of one named cache. Get it from CacheMonitor.Cache
// once and keep it: it holds its metrics resolved.
type Cache struct {
	mon                    *CacheMonitor
	name                   string
	hits, misses, errors   prometheus.Counter
	getDur, setDur, delDur prometheus.Observer
}

// Cache operation names: the values of the operation label.
const (
	CacheGet    = "get"
	CacheSet    = "set"
	CacheDelete = "delete"
)

// NewCacheMonitor returns a CacheMonitor whose metrics are registered on reg.
func NewCacheMonitor(reg prometheus.Registerer, options ...Option) (*CacheMonitor, error) {
	if reg == nil {
		return nil, fmt.Errorf("cachemon: nil Registerer (pass prometheus.DefaultRegisterer to use the global one)")
	}
	opts := config{maxCaches: DefaultMaxCaches, durationBuckets: DefaultDurationBuckets()}
	for _, o := range options {
		if err := o(&opts); err != nil {
			return nil, fmt.Errorf("cachemon: %w", err)
		}
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "perfwatch_cache_requests_total",
		Help: "Cache look-ups by result: hit, miss, or error (the cache failed to answer).", ConstLabels: opts.constLabels,
	}, []string{"cache", "result"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "perfwatch_cache_operation_duration_seconds",
		Help:    "Duration of cache operations (get, set, delete).",
		Buckets: opts.durationBuckets, ConstLabels: opts.constLabels,
	}, []string{"cache", "operation"})
	if err := register.All(reg, requests, duration); err != nil {
		return nil, fmt.Errorf("cachemon: %w", err)
	}
	m := &CacheMonitor{opts: opts}
	m.caches = bounded.Set[*Cache]{Max: opts.maxCaches, Other: "other", Make: func(name string) *Cache {
		return &Cache{
			mon: m, name: name,
			hits:   requests.WithLabelValues(name, "hit"),
			misses: requests.WithLabelValues(name, "miss"),
			errors: requests.WithLabelValues(name, "error"),
			getDur: duration.WithLabelValues(name, CacheGet),
			setDur: duration.WithLabelValues(name, CacheSet),
			delDur: duration.WithLabelValues(name, CacheDelete),
		}
	}}
	return m, nil
}

// Cache returns the recorder of the cache called name. Names must come from the
// program, not from input; beyond the WithMaxCaches bound of distinct names they are recorded as "other".
func (m *CacheMonitor) Cache(name string) *Cache {
	c, _ := m.caches.Get(name)
	return c
}

// Name returns the cache label value, which is "other" beyond the bound on names.
func (c *Cache) Name() string { return c.name }

// Hit counts a look-up that found its key, in the metrics and in ctx's request.
func (c *Cache) Hit(ctx context.Context) {
	c.hits.Inc()
	if r := c.mon.requestOf(ctx); r != nil {
		r.hits.Add(1)
	}
}

// Miss counts a look-up that did not find its key.
func (c *Cache) Miss(ctx context.Context) {
	c.misses.Inc()
	if r := c.mon.requestOf(ctx); r != nil {
		r.misses.Add(1)
	}
}

// Get times the look-up get and counts a hit or a miss from what it reports, or an
// error. It returns what get returned.
func (c *Cache) Get(ctx context.Context, get func() (found bool, err error)) (bool, error) {
	start := time.Now()
	found, err := get()
	c.getDur.Observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		c.errors.Inc()
	case found:
		c.Hit(ctx)
	default:
		c.Miss(ctx)
	}
	return found, err
}

// Set times the store operation set and returns its error.
func (c *Cache) Set(_ context.Context, set func() error) error {
	start := time.Now()
	err := set()
	c.setDur.Observe(time.Since(start).Seconds())
	return err
}

// Delete times the removal del and returns its error.
func (c *Cache) Delete(_ context.Context, del func() error) error {
	start := time.Now()
	err := del()
	c.delDur.Observe(time.Since(start).Seconds())
	return err
}

// cacheRequest is the cache statistics of one request; look-ups may come from several
// of its goroutines.
type cacheRequest struct{ hits, misses atomic.Int64 }

func (m *CacheMonitor) requestOf(ctx context.Context) *cacheRequest {
	if s := instrument.ScopeFrom(ctx); s != nil {
		r, _ := s.Value(m).(*cacheRequest)
		return r
	}
	return nil
}

// RequestStats returns the cache hits and misses of the request that ctx belongs to,
// over all caches of the monitor; both are 0 outside a request.
func (m *CacheMonitor) RequestStats(ctx context.Context) (hits, misses int64) {
	if r := m.requestOf(ctx); r != nil {
		return r.hits.Load(), r.misses.Load()
	}
	return 0, 0
}

// Start implements Hook.
func (m *CacheMonitor) Start(s *instrument.Scope, _ *http.Request) { s.SetValue(m, &cacheRequest{}) }

// WriteHeader implements Hook: it adds the Server-Timing header when asked to.
func (m *CacheMonitor) WriteHeader(s *instrument.Scope, h http.Header) {
	if !m.opts.serverTiming {
		return
	}
	r, _ := s.Value(m).(*cacheRequest)
	if r == nil {
		return
	}
	b := append(make([]byte, 0, 40), `cache;desc="`...)
	b = servertiming.AppendCount(b, r.hits.Load(), "hit", "hits")
	b = append(b, ", "...)
	b = servertiming.AppendCount(b, r.misses.Load(), "miss", "misses")
	h.Add("Server-Timing", string(append(b, '"')))
}

// End implements Hook; the request's counts need no more work.
func (m *CacheMonitor) End(*instrument.Scope) {}
