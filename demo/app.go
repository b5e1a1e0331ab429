package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/gorillamux"
)

//go:embed page.html
var page []byte

// Config is what the demo application needs.
type Config struct {
	Store   *Store
	Metrics *instrument.Middleware
	// Caches records the hits and misses of the user cache.
	Caches *cachemon.CacheMonitor
	Logger *slog.Logger
	// FailureRatio is the share of /api/sync requests that fail (default 0.15).
	FailureRatio float64
	// SlowMin and SlowMax bound the latency of /api/reports/activity (default 0.3 s to 2 s),
	// so that part of its requests cross the 1 s slow-request threshold.
	SlowMin, SlowMax time.Duration
	// UserCacheTTL is how long GET /api/users/{id} keeps a user (default 10 s).
	UserCacheTTL time.Duration
	// Errors, when set, recovers the handlers' panics inside the middleware (a 500 with
	// an event id, recorded as a request of its route). It should also be a Hook of
	// Metrics and wrap Logger's handler, so that logged errors become events.
	Errors *errtrack.Tracker
	// FaultRatio is the share of requests to the fault endpoints (see FaultMix) that
	// fail (default 0.25; negative: never).
	FaultRatio float64
	// SearchTimeout is how long GET /api/search waits for its index (default 100 ms);
	// its failing requests take three times as long.
	SearchTimeout time.Duration
	// RUM, when set, is the browser-monitoring ingest (instrument/rum): it is served
	// under /rum/ beside the API (the same origin as the app's page, so no CORS) and
	// outside the API's HTTP metrics, and the app's page loads its snippet.
	RUM http.Handler
	// RUMSampleRate is the share of page views whose snippet sends beacons, given to
	// the snippet's init: 0 sends nothing, 1 every view.
	RUMSampleRate float64
}

type app struct {
	Config
	users   *userCache
	appPage []byte // the single-page app's HTML, rendered once
}

// NewHandler returns the demo's HTTP API behind the perfwatch middleware.
func NewHandler(cfg Config) http.Handler {
	if cfg.FailureRatio == 0 {
		cfg.FailureRatio = 0.15
	}
	if cfg.SlowMax == 0 {
		cfg.SlowMin, cfg.SlowMax = 300*time.Millisecond, 2*time.Second
	}
	if cfg.UserCacheTTL == 0 {
		cfg.UserCacheTTL = 10 * time.Second
	}
	if cfg.FaultRatio == 0 {
		cfg.FaultRatio = defaultFaults
	}
	if cfg.SearchTimeout <= 0 {
		cfg.SearchTimeout = 100 * time.Millisecond
	}
	appPage, err := renderApp(cfg.RUM != nil, cfg.RUMSampleRate)
	if err != nil {
		panic(err) // the template is embedded and its data fixed: a bug
	}
	a := &app{Config: cfg, users: newUserCache(cfg.UserCacheTTL), appPage: appPage}
	r := a.router()
	// The middleware wraps the whole router, so 404 and 405 are measured (as "other");
	// the recovery sits inside it, so a panic is measured as a 500 of its route.
	var h http.Handler
	if cfg.Errors == nil {
		h = gorillamux.Handler(cfg.Metrics, r)
	} else {
		gorillamux.NameRoutes(r)
		h = cfg.Metrics.Handler(cfg.Errors.Recover(r))
	}
	if cfg.RUM == nil {
		return h
	}
	top := http.NewServeMux()
	top.Handle("/rum/", cfg.RUM)
	top.Handle("/", h)
	return top
}

// router routes the demo's pages and API.
func (a *app) router() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/", a.page).Methods(http.MethodGet)
	r.Handle("/app", http.RedirectHandler("/app/", http.StatusMovedPermanently)).Methods(http.MethodGet)
	r.HandleFunc("/app/", a.spa).Methods(http.MethodGet)
	r.HandleFunc("/app/items/{id:[0-9]+}", a.spa).Methods(http.MethodGet)
	r.PathPrefix("/app/static/").Handler(staticHandler()).Methods(http.MethodGet)
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	api := r.PathPrefix("/api").Subrouter()
	api.HandleFunc("/users/{id:[0-9]+}", a.user).Methods(http.MethodGet)
	api.HandleFunc("/users/{id:[0-9]+}/folders", a.folders).Methods(http.MethodGet)
	api.HandleFunc("/users/{id:[0-9]+}/vault", a.vault).Methods(http.MethodGet)
	api.HandleFunc("/users/{id:[0-9]+}/vault/joined", a.vaultJoined).Methods(http.MethodGet)
	api.HandleFunc("/items/{id:[0-9]+}", a.item).Methods(http.MethodGet)
	api.HandleFunc("/items", a.createItem).Methods(http.MethodPost)
	api.HandleFunc("/users/{id:[0-9]+}/export", a.export).Methods(http.MethodGet)
	api.HandleFunc("/reports/activity", a.report).Methods(http.MethodGet)
	api.HandleFunc("/sync", a.sync).Methods(http.MethodPost)
	api.HandleFunc("/items/{id:[0-9]+}/preview", a.preview).Methods(http.MethodGet)
	api.HandleFunc("/users/{id:[0-9]+}/audit", a.audit).Methods(http.MethodGet)
	api.HandleFunc("/search", a.search).Methods(http.MethodGet)
	api.HandleFunc("/checkout", a.checkout).Methods(http.MethodPost)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	return r
}

// spa serves the single-page app's HTML for each of its views; its script renders the
// view the path names.
func (a *app) spa(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(a.appPage)
}

func (a *app) page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(page)
}

// user reads through the user cache.
func (a *app) user(w http.ResponseWriter, r *http.Request) {
	id, cache := pathID(r), a.Caches.Cache("users")
	var u User
	found, _ := cache.Get(r.Context(), func() (bool, error) { // an in-memory look-up cannot fail
		var ok bool
		u, ok = a.users.get(id)
		return ok, nil
	})
	if found {
		writeJSON(w, u)
		return
	}
	u, err := a.Store.User(r.Context(), id)
	if err == nil {
		_ = cache.Set(r.Context(), func() error { a.users.set(u); return nil })
	}
	a.respond(w, r, u, err)
}

func (a *app) folders(w http.ResponseWriter, r *http.Request) {
	f, err := a.Store.Folders(r.Context(), pathID(r))
	a.respond(w, r, f, err)
}

func (a *app) vault(w http.ResponseWriter, r *http.Request) {
	f, err := a.Store.VaultNPlusOne(r.Context(), pathID(r))
	a.respond(w, r, f, err)
}

func (a *app) vaultJoined(w http.ResponseWriter, r *http.Request) {
	f, err := a.Store.VaultJoined(r.Context(), pathID(r))
	a.respond(w, r, f, err)
}

// export runs over a hundred queries for one response.
func (a *app) export(w http.ResponseWriter, r *http.Request) {
	items, err := a.Store.Export(r.Context(), pathID(r))
	a.respond(w, r, items, err)
}

func (a *app) item(w http.ResponseWriter, r *http.Request) {
	it, err := a.Store.Item(r.Context(), pathID(r))
	a.respond(w, r, it, err)
}

// newItem is the body of POST /api/items.
type newItem struct {
	FolderID int64  `json:"folder_id"`
	Title    string `json:"title"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Secret   string `json:"secret"`
}

func (a *app) createItem(w http.ResponseWriter, r *http.Request) {
	var in newItem
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid item: "+err.Error())
		return
	}
	if in.FolderID <= 0 || in.Title == "" || in.Secret == "" {
		writeError(w, http.StatusBadRequest, "folder_id, title and secret are required")
		return
	}
	it, err := a.Store.CreateItem(r.Context(), Item{FolderID: in.FolderID, Title: in.Title,
		Username: in.Username, URL: in.URL, Secret: in.Secret})
	if err == nil {
		w.WriteHeader(http.StatusCreated)
	}
	a.respond(w, r, it, err)
}

// report is the deliberately slow endpoint: think time plus a slow query.
func (a *app) report(w http.ResponseWriter, r *http.Request) {
	d := a.SlowMin + rand.N(a.SlowMax-a.SlowMin+1)
	if err := sleep(r.Context(), d); err != nil {
		a.clientGone(r, "activity report", err)
		return
	}
	rep, err := a.Store.ReuseReport(r.Context())
	a.respond(w, r, rep, err)
}

// sync fails a share of the time, as a flaky upstream would.
func (a *app) sync(w http.ResponseWriter, r *http.Request) {
	if p := rand.Float64(); p < a.FailureRatio {
		status := http.StatusInternalServerError
		if p < a.FailureRatio/3 {
			status = http.StatusServiceUnavailable
		}
		writeError(w, status, "upstream sync failed")
		return
	}
	writeJSON(w, map[string]string{"status": "synced"})
}

// respond writes v as JSON, or the error as a status the client can act on. Internal
// errors are logged without request data.
func (a *app) respond(w http.ResponseWriter, r *http.Request, v any, err error) {
	switch {
	case err == nil:
		writeJSON(w, v)
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case errors.Is(err, context.Canceled):
		// The client went away; nothing to send.
	default:
		a.Logger.ErrorContext(r.Context(), "request failed", "route", routeOf(r), "err", err)
		status, msg := statusOf(err)
		writeError(w, status, msg)
	}
}

func routeOf(r *http.Request) string {
	if rt := mux.CurrentRoute(r); rt != nil {
		if t, err := rt.GetPathTemplate(); err == nil {
			return t
		}
	}
	return ""
}

func pathID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(mux.Vars(r)["id"], 10, 64) // the route admits digits only
	return id
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // a failed write means the client is gone
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
