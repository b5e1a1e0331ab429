// Package rum is the ingest of perfwatch's browser monitoring (real-user monitoring):
// an http.Handler that takes the beacons of the snippet in rum/ (schema version 1,
// docs/rum.md) and turns them into bounded Prometheus histograms and counters — web
// vitals, API call timings, navigation timing, resources and render times, by page
// template — and turns their JavaScript errors into error-tracking events with
// source="browser".
//
// Nothing from a beacon becomes a label unchecked: pages, API routes and measure names
// are mapped to the configured sets (anything else is "other"), methods, statuses,
// navigation types, phases and initiators to fixed lists. The body is capped at 64 KiB
// as sent and after gzip, origins are checked against an allow-list (CORS), and each
// client has a token bucket in a table of bounded size. Refused beacons are answered
// with a 4xx and counted by reason in perfwatch_rum_beacons_rejected_total; events of
// accepted beacons left out are counted in perfwatch_rum_events_dropped_total.
package rum

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// A Capturer takes the ingest's JavaScript errors: an *errtrack.Tracker.
type Capturer = errtrack.Capturer

// Limits of a beacon.
const (
	// MaxBodyBytes bounds a beacon's body as sent and after gzip.
	MaxBodyBytes = 64 << 10
	// MaxEvents bounds the events of a beacon.
	MaxEvents = 100
	// MaxPageBytes bounds the page of a beacon; a longer one is "other".
	MaxPageBytes = 256
	// MaxErrorCount bounds the repeats of one error event that become events of error
	// tracking, and MaxErrorsPerBeacon those of a whole beacon.
	MaxErrorCount      = 100
	MaxErrorsPerBeacon = 100
)

// DefaultPrefix is where the handler is mounted by default: it serves
// <prefix>v1/beacon and, with WithScript, <prefix>perfwatch-rum.js.
const DefaultPrefix = "/rum/"

// Handler is the beacon ingest's http.Handler. Mount it at its prefix
// (mux.Handle(rum.DefaultPrefix, h)); it serves <prefix>v1/beacon and, when given
// WithScript, <prefix>perfwatch-rum.js.
type Handler struct {
	capt    Capturer
	prefix  string
	script  http.Handler
	logger  *slog.Logger
	now     func() time.Time
	origins map[string]bool
	anyOrig bool
	proxies []netip.Prefix
	limit   *limiter

	pageIdx  map[string]int // page template → index into pages
	pages    []*pageSeries  // configured pages, then other
	routeIdx map[string]int // API route → index into routes
	routes   []string       // configured routes, then other
	api      apiSeries

	measMu   sync.RWMutex
	measIdx  map[string]int // measure name → index into measures
	measures []string       // configured, then up to DefaultSeenMeasures seen; other is len(measures)
	measMax  int            // index of other

	m *metrics

	bufs    sync.Pool // *bytes.Buffer of bodies
	beacons sync.Pool // *beacon
	gzs     sync.Pool // *gzip.Reader
}

// An Option configures a Handler.
type Option func(*Handler)

// WithLogger sets the logger of refused beacons (at debug level); the default discards.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.logger = l } }

// WithPrefix sets the path prefix the handler is mounted at (default DefaultPrefix);
// it must start and end with a slash.
func WithPrefix(p string) Option { return func(h *Handler) { h.prefix = p } }

// WithScript serves the snippet (package rum/snippet's Handler) at
// <prefix>perfwatch-rum.js.
func WithScript(s http.Handler) Option { return func(h *Handler) { h.script = s } }

// New returns the ingest for cfg, passing JavaScript errors to c (an
// *errtrack.Tracker) and registering its metrics on reg.
func New(reg prometheus.Registerer, c Capturer, cfg Config, opts ...Option) (*Handler, error) {
	if c == nil {
		return nil, errors.New("rum: nil Capturer")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("rum config: %w", err)
	}
	proxies, _ := parseProxies(cfg.TrustedProxies)
	h := &Handler{
		capt:     c,
		prefix:   DefaultPrefix,
		logger:   slog.New(slog.DiscardHandler),
		now:      time.Now,
		origins:  map[string]bool{},
		proxies:  proxies,
		limit:    newLimiter(cfg.RateLimit.withDefaults()),
		pageIdx:  make(map[string]int, len(cfg.Pages)),
		routeIdx: make(map[string]int, len(cfg.APIRoutes)),
		measIdx:  make(map[string]int, len(cfg.Measures)+DefaultSeenMeasures),
	}
	for _, o := range cfg.AllowedOrigins {
		if o == "*" {
			h.anyOrig = true
		}
		h.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	for _, o := range opts {
		o(h)
	}
	if !strings.HasPrefix(h.prefix, "/") || !strings.HasSuffix(h.prefix, "/") {
		return nil, fmt.Errorf("rum: prefix %q: want a path starting and ending with /", h.prefix)
	}
	h.measures = append(make([]string, 0, len(cfg.Measures)+DefaultSeenMeasures), cfg.Measures...)
	for i, n := range cfg.Measures {
		h.measIdx[n] = i
	}
	h.measMax = len(cfg.Measures) + DefaultSeenMeasures
	for i, p := range cfg.Pages {
		h.pageIdx[p] = i
	}
	for _, p := range append(append([]string(nil), cfg.Pages...), labelOther) {
		h.pages = append(h.pages, &pageSeries{label: p, render: make([]slot[prometheus.Observer], h.measMax+1)})
	}
	for i, r := range cfg.APIRoutes {
		h.routeIdx[r] = i
	}
	h.routes = append(append([]string(nil), cfg.APIRoutes...), labelOther)
	h.api.m = map[apiKey]prometheus.Observer{}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	h.m = m
	return h, nil
}

// rejection is a beacon the ingest refuses: its status, reason label and detail.
type rejection struct {
	status int
	reason string
	detail string
}

func reject(status int, reason, format string, args ...any) *rejection {
	return &rejection{status: status, reason: reason, detail: fmt.Sprintf(format, args...)}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if ok && rest == "perfwatch-rum.js" && h.script != nil {
		h.script.ServeHTTP(w, r)
		return
	}
	var rej *rejection
	if !ok || rest != "v1/beacon" {
		rej = reject(http.StatusNotFound, reasonNotFound, "not found: beacons go to %sv1/beacon", h.prefix)
	} else {
		rej = h.serve(w, r)
	}
	if rej != nil {
		h.m.rejected.WithLabelValues(rej.reason).Inc()
		h.logger.Debug("rum ingest refused a beacon", "reason", rej.reason, "detail", rej.detail, "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(rej.status)
		_, _ = io.WriteString(w, rej.detail+"\n")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serve checks one request to the beacon's path and records its beacon.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) *rejection {
	origin := r.Header.Get("Origin")
	if origin != "" {
		if !h.originAllowed(origin, r.Host) {
			return reject(http.StatusForbidden, reasonOrigin, "origin not allowed")
		}
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Add("Vary", "Origin")
	}
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		hd := w.Header()
		hd.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Content-Type, Content-Encoding")
		hd.Set("Access-Control-Max-Age", "86400")
		return nil
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		return reject(http.StatusMethodNotAllowed, reasonMethod, "method %.16q not allowed: POST", r.Method)
	}
	if !h.limit.allow(clientKey(clientAddr(r, h.proxies)), h.now()) {
		w.Header().Set("Retry-After", "1")
		return reject(http.StatusTooManyRequests, reasonRateLimited, "rate limited")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "text/plain" && mt != "application/json") {
			return reject(http.StatusUnsupportedMediaType, reasonContentType, "content type %.40q: want text/plain or application/json", ct)
		}
	}
	gz := false
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		gz = true
	default:
		return reject(http.StatusUnsupportedMediaType, reasonEncoding, "content encoding %.20q: want identity or gzip", enc)
	}
	if r.ContentLength > MaxBodyBytes {
		return reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "body over %d bytes", MaxBodyBytes)
	}
	buf := h.getBuf()
	defer h.bufs.Put(buf)
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	if rej := h.readBody(buf, body, gz); rej != nil {
		return rej
	}
	return h.record(r.Context(), buf.Bytes(), pageOrigin(origin, r.Host), r.Header.Get("User-Agent"))
}

func (h *Handler) getBuf() *bytes.Buffer {
	if b, ok := h.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return bytes.NewBuffer(make([]byte, 0, 4096))
}

// readBody reads body into buf within MaxBodyBytes as sent and, for gzip, after
// decompression: a bomb is cut off at the limit.
func (h *Handler) readBody(buf *bytes.Buffer, body io.Reader, gz bool) *rejection {
	if !gz {
		n, err := buf.ReadFrom(io.LimitReader(body, MaxBodyBytes+1))
		if err != nil {
			return reject(http.StatusBadRequest, reasonMalformed, "read body: %v", err)
		}
		if n > MaxBodyBytes {
			return reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "body over %d bytes", MaxBodyBytes)
		}
		return nil
	}
	raw := h.getBuf()
	defer h.bufs.Put(raw)
	n, err := raw.ReadFrom(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		return reject(http.StatusBadRequest, reasonMalformed, "read body: %v", err)
	}
	if n > MaxBodyBytes {
		return reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "body over %d bytes", MaxBodyBytes)
	}
	zr, _ := h.gzs.Get().(*gzip.Reader)
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(raw.Bytes()))
	} else {
		err = zr.Reset(bytes.NewReader(raw.Bytes()))
	}
	if err != nil {
		return reject(http.StatusBadRequest, reasonMalformed, "gzip body: %v", err)
	}
	defer h.gzs.Put(zr)
	zr.Multistream(false)
	n, err = buf.ReadFrom(io.LimitReader(zr, MaxBodyBytes+1))
	if n > MaxBodyBytes {
		return reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "body over %d bytes after gzip", MaxBodyBytes)
	}
	if err != nil {
		return reject(http.StatusBadRequest, reasonMalformed, "gzip body: %v", err)
	}
	return nil
}

// originAllowed says a browser origin may send beacons: it is allowed, or it is the
// ingest's own host (a same-origin beacon).
func (h *Handler) originAllowed(origin, host string) bool {
	if h.anyOrig {
		return true
	}
	o := strings.ToLower(origin)
	if h.origins[o] {
		return true
	}
	_, oh, ok := strings.Cut(o, "://")
	return ok && host != "" && oh == strings.ToLower(host)
}

// pageOrigin is the origin the page's own scripts are served from: the Origin header,
// or without one the request's host (any scheme).
func pageOrigin(origin, host string) string {
	if origin != "" && origin != "null" {
		return strings.ToLower(origin)
	}
	if host == "" {
		return ""
	}
	return "//" + strings.ToLower(host)
}
