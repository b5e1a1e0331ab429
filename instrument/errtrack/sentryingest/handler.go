// Package sentryingest is a Sentry-compatible ingest: an http.Handler that takes the
// envelopes (POST /api/<project>/envelope/) and store requests (POST
// /api/<project>/store/) of the official Sentry SDKs, authenticates them with the
// project's DSN keys, and passes their error events to an errtrack Tracker, so that
// applications in any language land in the same groups, metrics and alerts as Go code.
//
// Only error events are kept, and of them only what grouping and the request context
// need: the exception chain, the message, the frames (function, file, line, in_app),
// level, fingerprint, release, trace id, method, status, route template and the user
// agent's family. Frame variables, request data, cookies, headers and user data are
// never decoded. Transactions, sessions, client reports, attachments, check-ins,
// profiles and unknown item types are accepted and dropped; info and debug events are
// no errors and are dropped too. Every item is counted in
// perfwatch_errors_ingest_items_total{type, result}, every rejected request in
// perfwatch_errors_ingest_rejected_total{reason}.
package sentryingest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// A Capturer takes the ingest's events: an *errtrack.Tracker.
type Capturer = errtrack.Capturer

// Handler is the ingest's http.Handler. Mount it at the root of a listener (its paths
// are /api/<project>/envelope/ and /api/<project>/store/), or behind http.StripPrefix.
type Handler struct {
	capt     Capturer
	projects map[string]*Project
	maxBody  int64
	maxRaw   int64
	limits   Limits
	m        *metrics
	logger   *slog.Logger
	now      func() time.Time
}

// Bounds of an SDK's timestamp: one further off is replaced by the time of receipt, as
// Sentry does, so a client's wrong clock cannot reorder the groups.
const (
	maxClockAhead = time.Minute
	maxEventAge   = 24 * time.Hour
)

// An Option configures a Handler.
type Option func(*Handler)

// WithLogger sets the logger of rejected requests (at debug level) and of dropped
// items; the default discards.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.logger = l } }

// New returns the ingest for cfg's projects, passing events to c and registering its
// metrics on reg.
func New(reg prometheus.Registerer, c Capturer, cfg Config, opts ...Option) (*Handler, error) {
	if c == nil {
		return nil, errors.New("sentryingest: nil Capturer")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sentryingest config: %w", err)
	}
	h := &Handler{
		capt:     c,
		projects: make(map[string]*Project, len(cfg.Projects)),
		maxBody:  cfg.MaxCompressedBytes,
		maxRaw:   cfg.MaxDecompressedBytes,
		limits:   cfg.Limits.withDefaults(),
		logger:   slog.New(slog.DiscardHandler),
		now:      time.Now,
	}
	if h.maxBody == 0 {
		h.maxBody = DefaultMaxCompressedBytes
	}
	if h.maxRaw == 0 {
		h.maxRaw = DefaultMaxDecompressedBytes
	}
	for i := range cfg.Projects {
		p := cfg.Projects[i]
		p.Keys = append([]string(nil), p.Keys...)
		p.AllowedOrigins = append([]string(nil), p.AllowedOrigins...)
		h.projects[p.ID] = &p
	}
	for _, o := range opts {
		o(h)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	h.m = m
	return h, nil
}

// rejection is a request the ingest refuses: its status, reason label and detail.
type rejection struct {
	status int
	reason string
	detail string
}

func (r *rejection) Error() string { return r.detail }

func reject(status int, reason, format string, args ...any) *rejection {
	return &rejection{status: status, reason: reason, detail: fmt.Sprintf(format, args...)}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, err := h.serve(w, r)
	if err != nil {
		h.m.rejected.WithLabelValues(err.reason).Inc()
		h.logger.Debug("sentry ingest rejected a request", "reason", err.reason, "detail", err.detail,
			"path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header().Set("X-Sentry-Error", err.detail)
		writeJSON(w, err.status, map[string]string{"detail": err.detail})
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if id == "" {
		writeJSON(w, http.StatusOK, struct{}{})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// serve handles one request and returns the event id to answer with.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (string, *rejection) {
	projectID, endpoint, ok := splitPath(r.URL.Path)
	if !ok {
		return "", reject(http.StatusNotFound, reasonNotFound, "not found: want /api/<project>/envelope/ or /api/<project>/store/")
	}
	p := h.projects[projectID]
	if p == nil {
		if len(projectID) > 20 {
			projectID = projectID[:20] + "…"
		}
		return "", reject(http.StatusNotFound, reasonUnknownProject, "unknown project %q", projectID)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !originAllowed(p, origin) {
			return "", reject(http.StatusForbidden, reasonOrigin, "origin %q not allowed for project %s", origin, p.ID)
		}
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Add("Vary", "Origin")
		hd.Set("Access-Control-Expose-Headers", "X-Sentry-Error, X-Sentry-Rate-Limits, Retry-After")
	}
	switch r.Method {
	case http.MethodOptions:
		hd := w.Header()
		hd.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Content-Type, Content-Encoding, X-Sentry-Auth, Authorization, Baggage, Sentry-Trace")
		hd.Set("Access-Control-Max-Age", "86400")
		return "", nil
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		return "", reject(http.StatusMethodNotAllowed, reasonMethod, "method %s not allowed: POST", r.Method)
	}

	// A key in the header or query is checked before the body is read; the envelope
	// header's dsn only when there is neither.
	key, hasKey := requestKey(r)
	if hasKey && !keyMatches(p, key) {
		return "", reject(http.StatusForbidden, reasonAuth, "invalid key for project %s", p.ID)
	}
	if endpoint == "store" && !hasKey {
		return "", reject(http.StatusUnauthorized, reasonAuth, "missing authentication: X-Sentry-Auth header or sentry_key parameter")
	}
	body, rej := h.readBody(r)
	if rej != nil {
		return "", rej
	}
	ua := r.Header.Get("User-Agent")
	if endpoint == "store" {
		if len(body) > h.limits.MaxEventBytes {
			return "", reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "event of %d bytes over the limit of %d", len(body), h.limits.MaxEventBytes)
		}
		return h.storeEvent(r.Context(), body, ua)
	}
	env, err := ParseEnvelope(body, h.limits)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return "", reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "%v", err)
		}
		return "", reject(http.StatusBadRequest, reasonMalformed, "%v", err)
	}
	if !hasKey {
		if env.Header.DSN == "" {
			return "", reject(http.StatusUnauthorized, reasonAuth, "missing authentication: X-Sentry-Auth header, sentry_key parameter or the envelope's dsn")
		}
		if !dsnMatches(p, env.Header.DSN) {
			return "", reject(http.StatusForbidden, reasonAuth, "invalid dsn for project %s", p.ID)
		}
	}
	return h.envelope(r.Context(), env, ua)
}

// storeEvent handles the store endpoint's body: one event.
func (h *Handler) storeEvent(ctx context.Context, body []byte, ua string) (string, *rejection) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return "", reject(http.StatusBadRequest, reasonMalformed, "event: %v", err)
	}
	if probe.Type == "transaction" {
		h.m.items.WithLabelValues("transaction", resultDropped).Inc()
		return "", nil
	}
	return h.event(ctx, body, ua)
}

// envelope converts an envelope's events first (so that a malformed one rejects the
// whole envelope before anything is captured), then captures them and counts the rest.
func (h *Handler) envelope(ctx context.Context, env *Envelope, ua string) (string, *rejection) {
	type converted struct {
		ev  *errtrack.Event
		err error
	}
	var events []converted
	for i, it := range env.Items {
		if it.Type != "event" {
			continue
		}
		ev, err := convertEvent(it.Payload, ua)
		if err != nil && !errors.Is(err, errNotError) {
			return "", reject(http.StatusBadRequest, reasonMalformed, "item %d (event): %v", i, err)
		}
		events = append(events, converted{ev, err})
	}
	id := normaliseID(env.Header.EventID)
	for _, it := range env.Items {
		if it.Type != "event" {
			h.m.items.WithLabelValues(typeLabel(it.Type), resultDropped).Inc()
		}
	}
	for _, c := range events {
		if c.err != nil {
			h.m.items.WithLabelValues("event", resultDropped).Inc()
			continue
		}
		h.clampTime(c.ev)
		got := h.capt.Capture(ctx, c.ev)
		h.m.items.WithLabelValues("event", resultAccepted).Inc()
		if id == "" || id == c.ev.ID {
			id = got
		}
	}
	return id, nil
}

// event converts and captures one event payload.
func (h *Handler) event(ctx context.Context, payload []byte, ua string) (string, *rejection) {
	ev, err := convertEvent(payload, ua)
	if errors.Is(err, errNotError) {
		h.m.items.WithLabelValues("event", resultDropped).Inc()
		return "", nil
	}
	if err != nil {
		return "", reject(http.StatusBadRequest, reasonMalformed, "%v", err)
	}
	h.clampTime(ev)
	id := h.capt.Capture(ctx, ev)
	h.m.items.WithLabelValues("event", resultAccepted).Inc()
	return id, nil
}

// clampTime replaces an event time too far ahead or behind with the time of receipt.
func (h *Handler) clampTime(ev *errtrack.Event) {
	now := h.now()
	if ev.Time.After(now.Add(maxClockAhead)) || ev.Time.Before(now.Add(-maxEventAge)) {
		ev.Time = now
	}
}

// readBody reads the request body within the compressed and decompressed limits,
// undoing gzip or deflate.
func (h *Handler) readBody(r *http.Request) ([]byte, *rejection) {
	if r.ContentLength > h.maxBody {
		return nil, reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "body of %d bytes over the limit of %d", r.ContentLength, h.maxBody)
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity", "gzip", "x-gzip", "deflate":
	default:
		return nil, reject(http.StatusUnsupportedMediaType, reasonEncoding, "content encoding %q not supported: identity, gzip or deflate", enc)
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		return nil, reject(http.StatusBadRequest, reasonMalformed, "read body: %v", err)
	}
	if int64(len(raw)) > h.maxBody {
		return nil, reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "body over the limit of %d bytes", h.maxBody)
	}
	var dec io.Reader
	switch enc {
	case "", "identity":
		return raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, reject(http.StatusBadRequest, reasonEncoding, "gzip body: %v", err)
		}
		dec = zr
	case "deflate":
		// HTTP's deflate is zlib; some clients send raw deflate.
		if isZlib(raw) {
			zr, err := zlib.NewReader(bytes.NewReader(raw))
			if err != nil {
				return nil, reject(http.StatusBadRequest, reasonEncoding, "deflate body: %v", err)
			}
			dec = zr
		} else {
			dec = flate.NewReader(bytes.NewReader(raw))
		}
	}
	out, err := io.ReadAll(io.LimitReader(dec, h.maxRaw+1))
	if err != nil {
		return nil, reject(http.StatusBadRequest, reasonEncoding, "%s body: %v", enc, err)
	}
	if int64(len(out)) > h.maxRaw {
		return nil, reject(http.StatusRequestEntityTooLarge, reasonTooLarge, "decompressed body over the limit of %d bytes", h.maxRaw)
	}
	return out, nil
}

// isZlib says b starts with a zlib header (RFC 1950) of a deflate stream.
func isZlib(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// splitPath reads /api/<project>/envelope/ or /api/<project>/store/ (the trailing
// slash optional).
func splitPath(path string) (project, endpoint string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return "", "", false
	}
	rest = strings.TrimSuffix(rest, "/")
	project, endpoint, ok = strings.Cut(rest, "/")
	if !ok || project == "" || (endpoint != "envelope" && endpoint != "store") {
		return "", "", false
	}
	return project, endpoint, true
}

// requestKey returns the key of the X-Sentry-Auth (or Authorization: Sentry …) header,
// or of the sentry_key query parameter.
func requestKey(r *http.Request) (string, bool) {
	for _, name := range []string{"X-Sentry-Auth", "Authorization"} {
		v := strings.TrimSpace(r.Header.Get(name))
		scheme, params, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(scheme, "Sentry") {
			continue
		}
		for _, kv := range strings.Split(params, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if k == "sentry_key" {
				return strings.TrimSpace(val), true
			}
		}
	}
	if k := r.URL.Query().Get("sentry_key"); k != "" {
		return k, true
	}
	return "", false
}

// keyMatches says key is one of p's keys, in constant time per key.
func keyMatches(p *Project, key string) bool {
	ok := false
	for _, k := range p.Keys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			ok = true
		}
	}
	return ok
}

// dsnMatches says dsn (http://<key>@host/<project>) names p and one of its keys.
func dsnMatches(p *Project, dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return false
	}
	id := u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	return id == p.ID && keyMatches(p, u.User.Username())
}

// originAllowed says a browser origin may send to p.
func originAllowed(p *Project, origin string) bool {
	for _, o := range p.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}
