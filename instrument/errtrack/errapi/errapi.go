// Package errapi serves a Tracker's error groups over HTTP: a JSON API to list, inspect,
// resolve, unresolve and ignore groups, and a small server-rendered HTML page over the
// same store for people without Grafana.
//
// The handler belongs on the application's admin listener, behind the exporter-toolkit
// web configuration (TLS, basic auth) like /metrics; it does no authentication of its
// own. Its state-changing POST routes are guarded against cross-site request forgery by
// net/http's CrossOriginProtection. docs/errors-api.md describes every route.
//
//	admin := http.NewServeMux()
//	admin.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//	h := errapi.Handler(tracker, errapi.WithLogger(logger))
//	admin.Handle("/api/errors/", h)
//	admin.Handle("/errors/", h)
package errapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// Store is what the handler needs of the error tracker; *errtrack.Tracker satisfies it.
type Store interface {
	Groups(errtrack.Query) []errtrack.Group
	Group(id string) (errtrack.Group, bool)
	SetState(id string, s errtrack.State) error
}

var _ Store = (*errtrack.Tracker)(nil)

// Default prefixes of the JSON API and of the HTML page.
const (
	DefaultPrefix     = "/api/errors/"
	DefaultHTMLPrefix = "/errors/"
)

// Limits of the list's limit parameter.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// An Option configures Handler.
type Option func(*config)

type config struct {
	prefix     string
	htmlPrefix string
	logger     *slog.Logger
	csrf       *http.CrossOriginProtection
	now        func() time.Time
}

// WithPrefix sets the path prefix of the JSON API (default "/api/errors/"); a missing
// leading or trailing slash is added.
func WithPrefix(p string) Option {
	return func(c *config) { c.prefix = cleanPrefix(p) }
}

// WithHTMLPrefix sets the path prefix of the HTML page (default "/errors/"); the empty
// string switches the page off. It must differ from the API's prefix.
func WithHTMLPrefix(p string) Option {
	return func(c *config) {
		if p == "" {
			c.htmlPrefix = ""
			return
		}
		c.htmlPrefix = cleanPrefix(p)
	}
}

// WithLogger sets the logger of state changes, rejected requests and internal errors
// (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithCrossOriginProtection replaces the default CSRF guard of the POST routes, for
// instance one with trusted origins of a reverse proxy. The handler only calls its Check
// method, so a deny handler set on it is not used.
func WithCrossOriginProtection(p *http.CrossOriginProtection) Option {
	return func(c *config) {
		if p != nil {
			c.csrf = p
		}
	}
}

func cleanPrefix(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// actionState returns the state that the last path segment of a state-changing route
// sets.
func actionState(action string) (errtrack.State, bool) {
	switch action {
	case "resolve":
		return errtrack.StateResolved, true
	case "unresolve":
		return errtrack.StateUnresolved, true
	case "ignore":
		return errtrack.StateIgnored, true
	}
	return "", false
}

type handler struct {
	cfg   config
	store Store
	pages *pages
	csp   string
}

// Handler returns the JSON API and the HTML page over s (which must not be nil). It
// serves the full paths under its prefixes, so mount it at both prefixes of the admin
// mux without stripping them. It panics when the two prefixes are the same.
func Handler(s Store, opts ...Option) http.Handler {
	cfg := config{
		prefix:     DefaultPrefix,
		htmlPrefix: DefaultHTMLPrefix,
		logger:     slog.New(slog.DiscardHandler),
		csrf:       http.NewCrossOriginProtection(),
		now:        time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.prefix == cfg.htmlPrefix {
		panic(fmt.Sprintf("errapi: API and HTML page share the prefix %q", cfg.prefix))
	}
	h := &handler{cfg: cfg, store: s}
	mux := http.NewServeMux()
	p := cfg.prefix
	mux.HandleFunc("GET "+p+"groups", h.apiList)
	mux.HandleFunc(p+"groups", methodNotAllowed("GET, HEAD"))
	mux.HandleFunc("GET "+p+"groups/{id}", h.apiGroup)
	mux.HandleFunc(p+"groups/{id}", methodNotAllowed("GET, HEAD"))
	mux.Handle("POST "+p+"groups/{id}/{action}", h.guard(http.HandlerFunc(h.apiSetState), h.apiDenied))
	mux.HandleFunc(p+"groups/{id}/{action}", h.apiActionOther)
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
	})
	if hp := cfg.htmlPrefix; hp != "" {
		h.pages = newPages()
		h.csp = contentSecurityPolicy()
		mux.HandleFunc("GET "+hp+"{$}", h.htmlList)
		mux.HandleFunc(hp+"{$}", h.htmlMethodNotAllowed("GET, HEAD"))
		mux.HandleFunc("GET "+hp+"{id}", h.htmlGroup)
		mux.HandleFunc(hp+"{id}", h.htmlMethodNotAllowed("GET, HEAD"))
		mux.Handle("POST "+hp+"{id}/{action}", h.guard(http.HandlerFunc(h.htmlSetState), h.htmlDenied))
		mux.HandleFunc(hp+"{id}/{action}", h.htmlActionOther)
		mux.HandleFunc(hp, func(w http.ResponseWriter, r *http.Request) {
			h.htmlError(w, http.StatusNotFound, "No such page.")
		})
	}
	return noStore(mux)
}

// noStore keeps every answer out of caches: groups change with every event.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// guard rejects cross-origin browser requests to a state-changing route.
func (h *handler) guard(next http.Handler, deny func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.cfg.csrf.Check(r); err != nil {
			h.cfg.logger.Warn("cross-origin request to the error API rejected",
				"method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"),
				"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "err", err)
			deny(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), h.cfg.now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	groups := h.store.Groups(f.query)
	if groups == nil {
		groups = []errtrack.Group{}
	}
	writeJSON(w, http.StatusOK, struct {
		Groups []errtrack.Group `json:"groups"`
	}{groups}, h.cfg.logger)
}

func (h *handler) apiGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	g, ok := h.store.Group(id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no error group %q", id))
		return
	}
	writeGroup(w, g, h.cfg.logger)
}

func (h *handler) apiSetState(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	st, ok := actionState(action)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no action %q (want resolve, unresolve or ignore)", action))
		return
	}
	g, status, err := h.setState(id, st, "api")
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	writeGroup(w, g, h.cfg.logger)
}

// apiActionOther answers a request to a state-changing route with another method than
// POST: 405 for a known action, 404 otherwise.
func (h *handler) apiActionOther(w http.ResponseWriter, r *http.Request) {
	if _, ok := actionState(r.PathValue("action")); !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	methodNotAllowed("POST")(w, r)
}

func (h *handler) apiDenied(w http.ResponseWriter, _ *http.Request, err error) {
	writeError(w, http.StatusForbidden, fmt.Sprintf("cross-origin request rejected: %v", err))
}

// setState changes a group's state and returns the updated group, or the status and a
// message for the client.
func (h *handler) setState(id string, st errtrack.State, via string) (errtrack.Group, int, error) {
	if err := h.store.SetState(id, st); err != nil {
		if errors.Is(err, errtrack.ErrNoGroup) {
			return errtrack.Group{}, http.StatusNotFound, fmt.Errorf("no error group %q", id)
		}
		h.cfg.logger.Error("could not change an error group's state", "group", id, "state", st, "err", err)
		return errtrack.Group{}, http.StatusInternalServerError, fmt.Errorf("set state of error group %q: internal error", id)
	}
	h.cfg.logger.Info("error group state changed", "group", id, "state", st, "via", via)
	g, ok := h.store.Group(id)
	if !ok {
		// Evicted between the change and the read.
		return errtrack.Group{}, http.StatusNotFound, fmt.Errorf("no error group %q", id)
	}
	return g, http.StatusOK, nil
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed (want %s)", r.Method, allow))
	}
}

func writeGroup(w http.ResponseWriter, g errtrack.Group, log *slog.Logger) {
	writeJSON(w, http.StatusOK, struct {
		Group errtrack.Group `json:"group"`
	}{g}, log)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg}, nil)
}

// writeJSON encodes v before it writes the header, so that an encoding failure is a
// clean 500.
func writeJSON(w http.ResponseWriter, status int, v any, log *slog.Logger) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		if log != nil {
			log.Error("could not encode an error API response", "err", err)
		}
		buf.Reset()
		buf.WriteString(`{"error":"internal error: could not encode the response"}` + "\n")
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
