package instrument

//go:generate go run gen_writers.go

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"reflect"
	"sync/atomic"
)

// responseWriter records the status and body size of a response. It is pooled: the
// http.Handler contract forbids using a ResponseWriter after ServeHTTP returns, so
// nothing may legally hold on to it. The types in writer_combos.go wrap it so that the
// optional interfaces of the underlying writer (http.Flusher, http.Hijacker,
// io.ReaderFrom, http.Pusher) are offered exactly when the underlying writer has them.
type responseWriter struct {
	w           http.ResponseWriter
	status      int
	wroteHeader bool
	hijacked    bool
	written     int64
	route       string // set through SetRoute when the router is not the Middleware's next
	scope       *Scope
	hooks       []Hook
	stripe      uint32 // fixed for the writer's life; see Middleware.writers
}

func (rw *responseWriter) reset(w http.ResponseWriter, s *Scope, hooks []Hook) {
	*rw = responseWriter{w: w, scope: s, hooks: hooks, stripe: rw.stripe}
}

// Unwrap lets http.ResponseController reach the underlying writer's methods
// (deadlines, FlushError, EnableFullDuplex).
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// instrumentWriter lets SetRoute find the writer behind the wrappers of
// writer_combos.go, which promote it.
func (rw *responseWriter) instrumentWriter() *responseWriter { return rw }

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

func (rw *responseWriter) WriteHeader(code int) {
	// 1xx responses other than 101 are informational: more headers follow, and the
	// final status is the one recorded.
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		rw.w.WriteHeader(code)
		return
	}
	rw.markHeader(code)
	rw.w.WriteHeader(code)
}

// markHeader records the final status once and lets hooks add headers before the
// underlying writer sends them.
func (rw *responseWriter) markHeader(code int) {
	if rw.wroteHeader {
		return
	}
	rw.wroteHeader, rw.status = true, code
	if rw.scope != nil {
		rw.scope.status = int32(code)
		h := rw.w.Header()
		for _, hk := range rw.hooks {
			hk.WriteHeader(rw.scope, h)
		}
	}
}

func (rw *responseWriter) Write(b []byte) (int, error) {
	rw.markHeader(http.StatusOK)
	n, err := rw.w.Write(b)
	rw.written += int64(n)
	return n, err
}

func (rw *responseWriter) flush() {
	rw.markHeader(http.StatusOK)
	rw.w.(http.Flusher).Flush()
}

func (rw *responseWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := rw.w.(http.Hijacker).Hijack()
	if err == nil {
		rw.hijacked = true
		if !rw.wroteHeader {
			// The handler speaks another protocol from here on (a websocket): record it
			// as the protocol switch it is.
			rw.wroteHeader, rw.status = true, http.StatusSwitchingProtocols
			if rw.scope != nil {
				rw.scope.status = int32(rw.status)
			}
		}
	}
	return c, brw, err
}

func (rw *responseWriter) readFrom(src io.Reader) (int64, error) {
	rw.markHeader(http.StatusOK)
	n, err := rw.w.(io.ReaderFrom).ReadFrom(src)
	rw.written += n
	return n, err
}

func (rw *responseWriter) push(target string, opts *http.PushOptions) error {
	return rw.w.(http.Pusher).Push(target, opts)
}

// Bits of the optional interfaces a ResponseWriter implements; they index writerCombos.
const (
	hasFlusher = 1 << iota
	hasHijacker
	hasReaderFrom
	hasPusher
)

// writerKind remembers the optional interfaces of one ResponseWriter type.
type writerKind struct {
	typ  reflect.Type
	bits int
}

// kindCache answers interfacesOf for the writer type it saw last: a server hands every
// request the same type of writer, and four type assertions per request cost more
// than the rest of the wrapping. reflect.TypeOf only reads the interface's type word,
// and comparing two reflect.Types compares those words.
type kindCache struct{ last atomic.Pointer[writerKind] }

func (c *kindCache) interfacesOf(w http.ResponseWriter) int {
	t := reflect.TypeOf(w)
	if k := c.last.Load(); k != nil && k.typ == t {
		return k.bits
	}
	bits := interfacesOf(w)
	c.last.Store(&writerKind{typ: t, bits: bits})
	return bits
}

func interfacesOf(w http.ResponseWriter) int {
	var bits int
	if _, ok := w.(http.Flusher); ok {
		bits |= hasFlusher
	}
	if _, ok := w.(http.Hijacker); ok {
		bits |= hasHijacker
	}
	if _, ok := w.(io.ReaderFrom); ok {
		bits |= hasReaderFrom
	}
	if _, ok := w.(http.Pusher); ok {
		bits |= hasPusher
	}
	return bits
}
