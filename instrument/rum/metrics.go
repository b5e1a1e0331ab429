package rum

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// labelOther is the label value of every page, route, measure or initiator outside
// the configured or known sets.
const labelOther = "other"

// Reasons of perfwatch_rum_beacons_rejected_total.
const (
	reasonNotFound      = "not_found"       // a path under the prefix that is not the beacon's
	reasonMethod        = "method"          // not POST (or OPTIONS)
	reasonOrigin        = "origin"          // an Origin not allowed
	reasonRateLimited   = "rate_limited"    // the client's bucket is empty
	reasonContentType   = "content_type"    // neither text/plain nor application/json
	reasonEncoding      = "encoding"        // a Content-Encoding other than identity or gzip
	reasonTooLarge      = "too_large"       // over 64 KiB as sent or after gzip
	reasonMalformed     = "malformed"       // not a beacon object, or a corrupt gzip stream
	reasonVersion       = "version"         // v is not 1
	reasonTooManyEvents = "too_many_events" // more than 100 events
)

// RejectReasons lists the values of the reason label of
// perfwatch_rum_beacons_rejected_total.
func RejectReasons() []string {
	return []string{reasonNotFound, reasonMethod, reasonOrigin, reasonRateLimited, reasonContentType,
		reasonEncoding, reasonTooLarge, reasonMalformed, reasonVersion, reasonTooManyEvents}
}

// Reasons of perfwatch_rum_events_dropped_total.
const (
	dropUnknownVital = "unknown_vital" // a vital other than LCP, INP, CLS, FCP, TTFB
	dropOutOfRange   = "out_of_range"  // a value negative or beyond its sane bound
	dropUnknownType  = "unknown_type"  // an event type this version does not know
	dropInvalid      = "invalid"       // a field of the wrong type, missing, or out of its set
)

// DropReasons lists the values of the reason label of perfwatch_rum_events_dropped_total.
func DropReasons() []string {
	return []string{dropUnknownVital, dropOutOfRange, dropUnknownType, dropInvalid}
}

// Vitals, in the order of the per-page histograms.
const (
	vitalLCP = iota
	vitalINP
	vitalCLS
	vitalFCP
	vitalTTFB
	numVitals
)

// NavigationTypes lists the values of perfwatch_browser_page_views_total's
// navigation_type label.
func NavigationTypes() []string { return append([]string(nil), navTypes[:]...) }

var navTypes = [...]string{"navigate", "reload", "back_forward", "prerender", "restore", "spa", labelOther}

// Phases lists the values of perfwatch_browser_navigation_duration_seconds's phase label.
func Phases() []string { return append([]string(nil), phases[:]...) }

var phases = [...]string{"dns", "connect", "tls", "ttfb", "dom_interactive", "load"}

// Initiators lists the values of the initiator label of the resource counters: the
// Resource Timing initiator types, and "other".
func Initiators() []string { return append([]string(nil), initiators[:]...) }

var initiators = [...]string{"audio", "beacon", "css", "fetch", "font", "iframe", "img", "input", "link",
	"navigation", "object", "script", "track", "video", "xmlhttprequest", labelOther}

// Methods lists the values of the http_request_method label of
// perfwatch_browser_api_request_duration_seconds.
func Methods() []string { return append([]string(nil), methods[:]...) }

var methods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER"}

// StatusCodes lists the values of the http_response_status_code label of
// perfwatch_browser_api_request_duration_seconds: "0" (a network error or abort), the
// codes net/http names, and 1xx … 5xx for the other codes of each class.
func StatusCodes() []string {
	out := []string{"0"}
	for c := 100; c < 600; c++ {
		if http.StatusText(c) != "" {
			out = append(out, strconv.Itoa(c))
		}
	}
	return append(out, "1xx", "2xx", "3xx", "4xx", "5xx")
}

// statusLabel returns the label of a status code, or "" when it is not 0 or 100–599.
func statusLabel(code int) string {
	switch {
	case code == 0:
		return "0"
	case code < 100 || code > 599:
		return ""
	case http.StatusText(code) != "":
		return strconv.Itoa(code)
	}
	return strconv.Itoa(code/100) + "xx"
}

// Bucket boundaries. The vitals' include Google's good / poor thresholds exactly.
var (
	lcpBuckets  = []float64{0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8, 10, 20, 60}
	inpBuckets  = []float64{0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, 5}
	clsBuckets  = []float64{0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2}
	fcpBuckets  = []float64{0.5, 1, 1.5, 1.8, 2.4, 3, 4, 6, 10, 20}
	ttfbBuckets = []float64{0.1, 0.2, 0.4, 0.6, 0.8, 1.2, 1.8, 2.5, 5, 10}
	// OpenTelemetry's HTTP duration boundaries.
	apiBuckets    = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	navBuckets    = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 60}
	renderBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.016, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
)

type metrics struct {
	vitals                     [numVitals]*prometheus.HistogramVec
	views                      *prometheus.CounterVec
	api                        *prometheus.HistogramVec
	nav                        *prometheus.HistogramVec
	resCount, resBytes, resDur *prometheus.CounterVec
	render                     *prometheus.HistogramVec
	beacons                    prometheus.Counter
	dropped                    [4]prometheus.Counter // by DropReasons' order
	droppedVec                 *prometheus.CounterVec
	rejected                   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	hist := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	m := &metrics{
		vitals: [numVitals]*prometheus.HistogramVec{
			vitalLCP:  hist("perfwatch_web_vitals_lcp_seconds", "Largest Contentful Paint of browser page views, by page template.", lcpBuckets, "page"),
			vitalINP:  hist("perfwatch_web_vitals_inp_seconds", "Interaction to Next Paint of browser page views, by page template.", inpBuckets, "page"),
			vitalCLS:  hist("perfwatch_web_vitals_cls", "Cumulative Layout Shift of browser page views (unitless), by page template.", clsBuckets, "page"),
			vitalFCP:  hist("perfwatch_web_vitals_fcp_seconds", "First Contentful Paint of browser page views, by page template.", fcpBuckets, "page"),
			vitalTTFB: hist("perfwatch_web_vitals_ttfb_seconds", "Time to First Byte of browser page views, by page template.", ttfbBuckets, "page"),
		},
		views:    counter("perfwatch_browser_page_views_total", "Browser page views that sent a beacon, by page template and navigation type.", "page", "navigation_type"),
		api:      hist("perfwatch_browser_api_request_duration_seconds", "Duration of the browser's API calls (fetch, XMLHttpRequest) as the browser saw them, by method, route template and status (0: network error or abort).", apiBuckets, "http_request_method", "http_route", "http_response_status_code"),
		nav:      hist("perfwatch_browser_navigation_duration_seconds", "Navigation timing phases of browser page loads, by page template and phase.", navBuckets, "page", "phase"),
		resCount: counter("perfwatch_browser_resources_total", "Resources browser page views loaded, by page template and initiator type.", "page", "initiator"),
		resBytes: counter("perfwatch_browser_resource_transfer_bytes_total", "Bytes transferred for the resources of browser page views, by page template and initiator type.", "page", "initiator"),
		resDur:   counter("perfwatch_browser_resource_duration_seconds_total", "Summed load duration of the resources of browser page views, by page template and initiator type.", "page", "initiator"),
		render:   hist("perfwatch_browser_render_duration_seconds", "Render times the page measured with performance.measure, by page template and measure name.", renderBuckets, "page", "name"),
		beacons: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "perfwatch_rum_beacons_total", Help: "Browser beacons accepted.",
		}),
		droppedVec: counter("perfwatch_rum_events_dropped_total", "Events of accepted browser beacons that were left out, by reason.", "reason"),
		rejected:   counter("perfwatch_rum_beacons_rejected_total", "Browser beacons refused, by reason.", "reason"),
	}
	for i, r := range DropReasons() {
		m.dropped[i] = m.droppedVec.WithLabelValues(r)
	}
	for _, r := range RejectReasons() {
		m.rejected.WithLabelValues(r)
	}
	cs := []prometheus.Collector{m.views, m.api, m.nav, m.resCount, m.resBytes, m.resDur, m.render, m.beacons, m.droppedVec, m.rejected}
	for _, v := range m.vitals {
		cs = append(cs, v)
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("rum: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) drop(reason int) { m.dropped[reason].Inc() }

// Indexes into metrics.dropped.
const (
	iUnknownVital = iota
	iOutOfRange
	iUnknownType
	iInvalid
)

// slot caches one child of a vector: looked up once, then read without hashing.
type slot[T any] struct{ p atomic.Pointer[T] }

// pageSeries holds the children of one page label, made on first use (so that a page
// without resources has no resource series).
type pageSeries struct {
	label  string
	vitals [numVitals]slot[prometheus.Observer]
	views  [len(navTypes)]slot[prometheus.Counter]
	nav    [len(phases)]slot[prometheus.Observer]
	res    [len(initiators)][3]slot[prometheus.Counter]
	render []slot[prometheus.Observer] // by measure index
}

func (m *metrics) vital(ps *pageSeries, v int) prometheus.Observer {
	if o := ps.vitals[v].p.Load(); o != nil {
		return *o
	}
	o := m.vitals[v].WithLabelValues(ps.label)
	ps.vitals[v].p.Store(&o)
	return o
}

func (m *metrics) view(ps *pageSeries, n int) prometheus.Counter {
	if c := ps.views[n].p.Load(); c != nil {
		return *c
	}
	c := m.views.WithLabelValues(ps.label, navTypes[n])
	ps.views[n].p.Store(&c)
	return c
}

func (m *metrics) phase(ps *pageSeries, p int) prometheus.Observer {
	if o := ps.nav[p].p.Load(); o != nil {
		return *o
	}
	o := m.nav.WithLabelValues(ps.label, phases[p])
	ps.nav[p].p.Store(&o)
	return o
}

func (m *metrics) resource(ps *pageSeries, ini, kind int) prometheus.Counter {
	if c := ps.res[ini][kind].p.Load(); c != nil {
		return *c
	}
	vec := [3]*prometheus.CounterVec{m.resCount, m.resBytes, m.resDur}[kind]
	c := vec.WithLabelValues(ps.label, initiators[ini])
	ps.res[ini][kind].p.Store(&c)
	return c
}

func (m *metrics) renderOf(ps *pageSeries, idx int, name string) prometheus.Observer {
	if o := ps.render[idx].p.Load(); o != nil {
		return *o
	}
	o := m.render.WithLabelValues(ps.label, name)
	ps.render[idx].p.Store(&o)
	return o
}

// apiKey identifies a child of the API histogram: method, route and status indexes.
type apiKey struct{ method, route, status uint16 }

// apiSeries caches the API histogram's children; bounded by the label sets.
type apiSeries struct {
	mu sync.RWMutex
	m  map[apiKey]prometheus.Observer
}

func (a *apiSeries) load(k apiKey) (prometheus.Observer, bool) {
	a.mu.RLock()
	o, ok := a.m[k]
	a.mu.RUnlock()
	return o, ok
}

func (a *apiSeries) store(k apiKey, o prometheus.Observer) {
	a.mu.Lock()
	a.m[k] = o
	a.mu.Unlock()
}

// MaxSeries is the most series the ingest for cfg can expose, whatever the beacons:
// with P pages, R API routes and M measures,
//
//	5·(P+1) vitals + 7·(P+1) page views + 6·(P+1) navigation phases
//	+ 3·16·(P+1) resource counters + (P+1)·(M+51) render histograms
//	+ 10 methods·(R+1)·len(StatusCodes()) API histograms
//	+ 1 + 4 + 10 ingest counters.
//
// A histogram counts as one series here (its buckets, sum and count are its samples).
func MaxSeries(cfg Config) int {
	p := len(cfg.Pages) + 1
	return numVitals*p + len(navTypes)*p + len(phases)*p + 3*len(initiators)*p +
		p*(len(cfg.Measures)+DefaultSeenMeasures+1) +
		len(methods)*(len(cfg.APIRoutes)+1)*len(StatusCodes()) +
		1 + len(DropReasons()) + len(RejectReasons())
}
