package instrument

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// series holds the pre-resolved histograms of one {http_request_method, http_route,
// http_response_status_code} combination, so that a request costs two small look-ups
// instead of client_golang's label hashing.
type series struct {
	rs     *routeSeries
	code   int
	method methodIndex
	user   userKind
	lvs    []string // method, route, code and, WithUserKind, user_kind
	// Classic-only histograms, striped across writers.
	duration, reqSize, respSize *stripedHistogram
	// With native histograms on, client_golang's histograms, which keep both kinds.
	nDuration, nReqSize, nRespSize prometheus.Observer
	nExemplar                      prometheus.ExemplarObserver
}

// routeSeries holds the series of one route, per method a short copy-on-write list of
// status codes: a route sees few distinct codes, and a linear scan of them is faster
// than hashing.
type routeSeries struct {
	route string // the http_route label value
	raw   string // the router's template that first led here, for the recent cache
	codes [numMethods]atomic.Pointer[[]*series]
}

// seriesSet finds the series of a request without locks on the hot path: the route
// table is copy-on-write behind an atomic pointer and changes only when a route, method
// or status code is seen for the first time. It is also the Collector of the classic
// histograms.
type seriesSet struct {
	maxRoutes int
	stripes   int
	exemplars bool
	userKind  bool // series carry the user_kind label

	durationBuckets, sizeBuckets            []float64
	durationDesc, reqSizeDesc, respSizeDesc *prometheus.Desc // nil when not collected by the set

	native *nativeVecs // non-nil with native histograms on

	routes atomic.Pointer[map[string]*routeSeries]
	mu     sync.Mutex // serialises writers of routes and of every codes list

	// recent maps a route, method and code straight to the series, in a slot chosen
	// from a few bytes of the route: cheaper than the route table's hashing of every
	// byte. Routers hand out the same template string for every request of a route, and
	// comparing a string with itself is one pointer comparison.
	recent [recentSize]atomic.Pointer[series]
}

const recentSize = 256

type nativeVecs struct {
	duration, reqSize, respSize *prometheus.HistogramVec
}

func (c *seriesSet) init() {
	empty := map[string]*routeSeries{}
	c.routes.Store(&empty)
}

// get returns the series for route, method, code and user kind, creating it on first
// use. A route beyond the bound of distinct routes is recorded as RouteOther. route
// must not be empty.
func (c *seriesSet) get(route string, m methodIndex, code int, u userKind) *series {
	n := len(route)
	h := uint(n) ^ uint(route[n-1])<<3 ^ uint(route[n/2])<<7 ^ uint(m)<<11 ^ uint(code)*31 ^ uint(u)<<13
	slot := &c.recent[h%recentSize]
	if s := slot.Load(); s != nil && s.rs.raw == route && s.method == m && s.code == code && s.user == u {
		return s
	}
	s := c.lookup(route, m, code, u)
	slot.Store(s)
	return s
}

// lookup finds or creates a series through the route table.
func (c *seriesSet) lookup(route string, m methodIndex, code int, u userKind) *series {
	rs := c.route(route)
	if list := rs.codes[m].Load(); list != nil {
		for _, s := range *list {
			if s.code == code && s.user == u {
				return s
			}
		}
	}
	return c.addSeries(rs, m, code, u)
}

// route returns the routeSeries of a router's template, adding it within the bound.
// Beyond the bound, unknown templates go to RouteOther without taking the lock, so a
// router that leaks raw paths costs no more than a map look-up per request.
func (c *seriesSet) route(route string) *routeSeries {
	routes := *c.routes.Load()
	if rs := routes[route]; rs != nil {
		return rs
	}
	if len(routes) >= c.maxRoutes {
		if rs := routes[RouteOther]; rs != nil {
			return rs
		}
	}
	return c.addRoute(route)
}

func (c *seriesSet) addRoute(route string) *routeSeries {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.routes.Load()
	if rs := old[route]; rs != nil {
		return rs
	}
	label := labelOf(route)
	if len(old) >= c.maxRoutes && route != RouteOther {
		if rs := old[RouteOther]; rs != nil {
			return rs
		}
		route, label = RouteOther, RouteOther
	}
	// Templates that differ only in their patterns ({id:[0-9]+}, {id:\d+}) share a label,
	// and so must share the series.
	var rs *routeSeries
	for _, v := range old {
		if v.route == label {
			rs = v
			break
		}
	}
	if rs == nil {
		rs = &routeSeries{route: label, raw: route}
	}
	next := make(map[string]*routeSeries, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[route] = rs
	c.routes.Store(&next)
	return rs
}

func (c *seriesSet) addSeries(rs *routeSeries, m methodIndex, code int, u userKind) *series {
	c.mu.Lock()
	defer c.mu.Unlock()
	var old []*series
	if p := rs.codes[m].Load(); p != nil {
		old = *p
		for _, s := range old {
			if s.code == code && s.user == u {
				return s
			}
		}
	}
	s := &series{rs: rs, code: code, method: m, user: u, lvs: []string{m.String(), rs.route, strconv.Itoa(code)}}
	if c.userKind {
		s.lvs = append(s.lvs, u.String())
	}
	if v := c.native; v != nil {
		s.nDuration = v.duration.WithLabelValues(s.lvs...)
		s.nExemplar, _ = s.nDuration.(prometheus.ExemplarObserver)
		if v.reqSize != nil {
			s.nReqSize = v.reqSize.WithLabelValues(s.lvs...)
			s.nRespSize = v.respSize.WithLabelValues(s.lvs...)
		}
	} else {
		s.duration = newStripedHistogram(c.durationBuckets, c.stripes, c.exemplars)
		if c.reqSizeDesc != nil {
			s.reqSize = newStripedHistogram(c.sizeBuckets, c.stripes, false)
			s.respSize = newStripedHistogram(c.sizeBuckets, c.stripes, false)
		}
	}
	next := append(old[:len(old):len(old)], s)
	rs.codes[m].Store(&next)
	return s
}

// observe records one finished request in s.
func (s *series) observe(stripe uint32, seconds float64, traceID string, reqSize, respSize int64) {
	if s.duration != nil {
		if traceID != "" {
			s.duration.observeWithExemplar(stripe, seconds, traceID)
		} else {
			s.duration.observe(stripe, seconds)
		}
		if s.reqSize != nil {
			if reqSize >= 0 {
				s.reqSize.observe(stripe, float64(reqSize))
			}
			s.respSize.observe(stripe, float64(respSize))
		}
		return
	}
	if traceID != "" && s.nExemplar != nil {
		s.nExemplar.ObserveWithExemplar(seconds, prometheus.Labels{"trace_id": traceID})
	} else {
		s.nDuration.Observe(seconds)
	}
	if s.nReqSize != nil {
		if reqSize >= 0 {
			s.nReqSize.Observe(float64(reqSize))
		}
		s.nRespSize.Observe(float64(respSize))
	}
}

// Describe implements prometheus.Collector for the striped histograms.
func (c *seriesSet) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.durationDesc
	if c.reqSizeDesc != nil {
		ch <- c.reqSizeDesc
		ch <- c.respSizeDesc
	}
}

// Collect implements prometheus.Collector for the striped histograms.
func (c *seriesSet) Collect(ch chan<- prometheus.Metric) {
	seen := map[*routeSeries]bool{}
	for _, rs := range *c.routes.Load() {
		if seen[rs] {
			continue // several templates can lead to one route
		}
		seen[rs] = true
		for m := range rs.codes {
			list := rs.codes[m].Load()
			if list == nil {
				continue
			}
			for _, s := range *list {
				ch <- s.duration.metric(c.durationDesc, s.lvs...)
				if s.reqSize != nil {
					ch <- s.reqSize.metric(c.reqSizeDesc, s.lvs...)
					ch <- s.respSize.metric(c.respSizeDesc, s.lvs...)
				}
			}
		}
	}
}
