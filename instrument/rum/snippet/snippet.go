// Package snippet embeds perfwatch's browser (RUM) snippet, built from rum/ in the
// repository by `npm run build --prefix rum`, and serves it, so that a Go application
// needs no npm at run time.
//
// Two builds are embedded: an ES module (ModuleFile, exports init(options)) and a classic
// script (ScriptFile) that starts itself with the options of window.perfwatchRUM. The
// beacon they send is specified in docs/rum.md; their options in rum/README.md.
package snippet

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// File names of the embedded builds, as written by the build.
const (
	ModuleFile = "perfwatch-rum.js"
	ScriptFile = "perfwatch-rum.iife.js"
)

//go:embed perfwatch-rum.js
var module []byte

//go:embed perfwatch-rum.iife.js
var script []byte

// CacheControl is the Cache-Control header sent with the snippet: browsers keep it for an
// hour and revalidate it with its ETag afterwards.
const CacheControl = "public, max-age=3600"

// Module returns a copy of the ES module build.
func Module() []byte { return bytes.Clone(module) }

// Script returns a copy of the classic-script build.
func Script() []byte { return bytes.Clone(script) }

// Handler serves the ES module build (load it with <script type="module">, then call
// init). See newHandler for the headers.
func Handler() http.Handler { return moduleHandler }

// ScriptHandler serves the classic-script build, which starts itself with the options of
// window.perfwatchRUM.
func ScriptHandler() http.Handler { return scriptHandler }

var (
	moduleHandler = newHandler(module)
	scriptHandler = newHandler(script)
)

// handler serves one file with Content-Type text/javascript, a strong ETag from its
// SHA-256, Cache-Control, 304 for a matching If-None-Match, and a gzip body (compressed
// once, at level 9) when the client accepts gzip.
type handler struct {
	body, gz []byte
	etag     string
}

func newHandler(body []byte) *handler {
	sum := sha256.Sum256(body)
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write(body)
	w.Close()
	return &handler{body: body, gz: b.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", CacheControl)
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", h.etag)
	if etagMatches(r.Header.Get("If-None-Match"), h.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := h.body
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hd.Set("Content-Encoding", "gzip")
		body = h.gz
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func etagMatches(inm, etag string) bool {
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (q > 0).
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if strings.HasPrefix(q, "q=0") && strings.Trim(strings.TrimPrefix(q, "q=0"), ".0") == "" {
			return false
		}
		return true
	}
	return false
}
