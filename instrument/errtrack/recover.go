package errtrack

import (
	"bufio"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"runtime"
	"strings"

	"github.com/perfwatch/perfwatch/instrument"
)

// Recover returns a handler that runs next and turns a panic into an event of critical
// severity with the panic's value and stack. When nothing was written yet it answers
// 500 with the error page (DefaultErrorPage unless WithErrorPage), which carries the
// event id and never the panic's text; when the response had started it aborts the
// connection, as net/http does. http.ErrAbortHandler passes through untouched, and
// WithRepanic panics again after recording.
//
// Put Recover inside the Middleware (mw.Handler(tracker.Recover(mux))), so the request
// is recorded as a 500 of its route and the event carries the request's context.
func (t *Tracker) Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope := instrument.ScopeFrom(r.Context())
		var sw *startWriter
		if scope == nil {
			sw = &startWriter{ResponseWriter: w}
			w = sw
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			var pcs [maxFrames]uintptr
			n := runtime.Callers(1, pcs[:])
			o := occurrence{panicked: true}
			if err, ok := v.(error); ok {
				o.err = err
			} else {
				o.panicVal = v
			}
			id := t.report(r.Context(), o, pcs[:n])
			if t.cfg.repanic {
				panic(v)
			}
			started := sw != nil && sw.started || scope != nil && scope.Status() != 0
			if started {
				panic(http.ErrAbortHandler)
			}
			t.cfg.errorPage(w, r, id)
		}()
		next.ServeHTTP(w, r)
	})
}

// DefaultErrorPage answers 500 with a short JSON or HTML body, as the request's Accept
// header prefers, that gives the event id to quote to support.
func DefaultErrorPage(w http.ResponseWriter, r *http.Request, eventID string) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if prefersHTML(r.Header.Get("Accept")) {
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "<!doctype html>\n<title>Something went wrong</title>\n<h1>Something went wrong</h1>\n"+
			"<p>The error has been recorded. If you contact support, quote this reference: <code>%s</code></p>\n", html.EscapeString(eventID))
		return
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `{"error":"internal server error","event_id":%q}`+"\n", eventID)
}

// prefersHTML reports whether an Accept header asks for HTML before JSON: a browser's
// navigation does, an API client does not.
func prefersHTML(accept string) bool {
	htmlAt, jsonAt := -1, -1
	for i, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case "text/html", "application/xhtml+xml":
			if htmlAt < 0 {
				htmlAt = i
			}
		case "application/json", "application/problem+json":
			if jsonAt < 0 {
				jsonAt = i
			}
		}
	}
	return htmlAt >= 0 && (jsonAt < 0 || htmlAt < jsonAt)
}

// startWriter notes whether a response has started, for Recover used without the
// Middleware. It passes Flush and Hijack through and unwraps for
// http.ResponseController.
type startWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.started = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *startWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

func (w *startWriter) Flush() {
	w.started = true
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *startWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.started = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *startWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
