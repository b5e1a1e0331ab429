package snippet

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// budget is issue #14's size budget for everything the snippet does: 6 KB minified and
// gzipped at level 9.
const budget = 6144

func gzipped(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Len()
}

func TestSizeBudget(t *testing.T) {
	for name, b := range map[string][]byte{ModuleFile: module, ScriptFile: script} {
		n := gzipped(t, b)
		t.Logf("%s: %d bytes minified, %d bytes gzipped (budget %d)", name, len(b), n, budget)
		if n > budget {
			t.Errorf("%s is %d bytes gzipped, over the budget of %d", name, n, budget)
		}
		if len(b) < 1000 {
			t.Errorf("%s is only %d bytes: not a build", name, len(b))
		}
	}
}

func TestBuilds(t *testing.T) {
	if !bytes.Contains(module, []byte("export{")) {
		t.Error("module build exports nothing")
	}
	if !bytes.HasPrefix(script, []byte("(()=>{")) {
		t.Errorf("script build is not an IIFE: %q", script[:20])
	}
	for _, s := range []string{"/rum/v1/beacon", "perfwatch:", "sendBeacon", "keepalive", "prefers-reduced-data"} {
		if !bytes.Contains(module, []byte(s)) || !bytes.Contains(script, []byte(s)) {
			t.Errorf("builds lack %q", s)
		}
	}
	if bytes.Contains(module, []byte("FID")) {
		t.Error("module mentions FID, which is retired")
	}
}

func get(t *testing.T, h http.Handler, method string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "/rum/perfwatch-rum.js", nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerPlain(t *testing.T) {
	w := get(t, Handler(), "GET", nil)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != CacheControl {
		t.Errorf("Cache-Control %q", cc)
	}
	if ce := w.Header().Get("Content-Encoding"); ce != "" {
		t.Errorf("Content-Encoding %q without Accept-Encoding", ce)
	}
	if !bytes.Equal(w.Body.Bytes(), Module()) {
		t.Error("body is not the module build")
	}
	if w.Header().Get("Vary") != "Accept-Encoding" {
		t.Error("no Vary: Accept-Encoding")
	}
	if w.Header().Get("Content-Length") == "" {
		t.Error("no Content-Length")
	}
}

func TestHandlerGzip(t *testing.T) {
	for _, ae := range []string{"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"} {
		w := get(t, ScriptHandler(), "GET", map[string]string{"Accept-Encoding": ae})
		if w.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%q: Content-Encoding %q", ae, w.Header().Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, Script()) {
			t.Errorf("%q: gunzipped body is not the script build", ae)
		}
	}
	for _, ae := range []string{"", "br", "gzip;q=0", "identity", "gzip; q=0.000"} {
		w := get(t, Handler(), "GET", map[string]string{"Accept-Encoding": ae})
		if w.Header().Get("Content-Encoding") != "" || !bytes.Equal(w.Body.Bytes(), module) {
			t.Errorf("%q: got an encoded body", ae)
		}
	}
}

func TestHandlerETag(t *testing.T) {
	w := get(t, Handler(), "GET", nil)
	etag := w.Header().Get("ETag")
	if len(etag) < 10 || etag[0] != '"' {
		t.Fatalf("ETag %q", etag)
	}
	if other := get(t, ScriptHandler(), "GET", nil).Header().Get("ETag"); other == etag {
		t.Error("both builds have the same ETag")
	}
	for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
		w := get(t, Handler(), "GET", map[string]string{"If-None-Match": inm, "Accept-Encoding": "gzip"})
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("If-None-Match %q: %d with %d bytes", inm, w.Code, w.Body.Len())
		}
		if w.Header().Get("ETag") != etag {
			t.Errorf("304 without the ETag")
		}
	}
	if w := get(t, Handler(), "GET", map[string]string{"If-None-Match": `"stale"`}); w.Code != 200 {
		t.Errorf("stale ETag: %d", w.Code)
	}
}

func TestHandlerMethods(t *testing.T) {
	w := get(t, Handler(), "HEAD", nil)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		if w := get(t, Handler(), m, nil); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") == "" {
			t.Errorf("%s: %d", m, w.Code)
		}
	}
}

func TestCopies(t *testing.T) {
	m := Module()
	m[0] ^= 0xff
	if bytes.Equal(m, Module()) {
		t.Error("Module returns the embedded slice itself")
	}
}
