package sentryingest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// fakeCapturer records the events it is given.
type fakeCapturer struct {
	mu     sync.Mutex
	events []*errtrack.Event
}

func (f *fakeCapturer) Capture(_ context.Context, ev *errtrack.Event) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	if ev.ID == "" {
		ev.ID = "0123456789abcdef0123456789abcdef"
	}
	return ev.ID
}

// The projects of the captured payloads: the Python SDK's DSN was
// http://abc123@127.0.0.1:18999/7, the Node SDK's http://def456@127.0.0.1:18996/8, the
// browser SDK's http://ghi789@127.0.0.1:18991/9 on a page of http://127.0.0.1:18990.
func testConfig() Config {
	return Config{Projects: []Project{
		{ID: "7", Name: "shop-django", Keys: []string{"old_key", "abc123"}},
		{ID: "8", Name: "shop-node", Keys: []string{"def456"}, AllowedOrigins: []string{"https://shop.example"}},
		{ID: "9", Name: "shop-web", Keys: []string{"ghi789"}, AllowedOrigins: []string{"http://127.0.0.1:18990"}},
	}}
}

func newTestHandler(t testing.TB, cfg Config) (*Handler, *fakeCapturer, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	fc := &fakeCapturer{}
	h, err := New(reg, fc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, fc, reg
}

// capturedRequest is the metadata of a request captured from a real SDK, beside its
// body in testdata/<name>.json and <name>.body.
type capturedRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
}

func loadCaptured(t testing.TB, name string) *http.Request {
	t.Helper()
	meta, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m capturedRequest
	if err := json.Unmarshal(meta, &m); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	body, err := os.ReadFile(filepath.Join("testdata", name+".body"))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(m.Method, m.Path, bytes.NewReader(body))
	for k, v := range m.Headers {
		if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Transfer-Encoding") {
			continue
		}
		r.Header.Set(k, v)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// want is what a test expects of a captured event; zero fields are not checked
// except Types, Message, Severity and Source.
type want struct {
	Types     []string
	Message   string
	Severity  errtrack.Severity
	Source    string
	Route     string
	Method    string
	Status    int
	UserAgent string
	Release   string
	TopFrame  errtrack.Frame // the innermost frame
}

// captured is about when the testdata payloads were captured.
var captured = time.Date(2026, 12, 2, 2, 15, 0, 0, time.UTC)

func TestRealSDKPayloads(t *testing.T) {
	tests := []struct {
		name      string
		want      *want // nil: no event captured
		itemType  string
		result    string
		wantEmpty bool // the answer is {} (no event id)
	}{
		{name: "python-1.9.10-store-zerodivision", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"ZeroDivisionError"}, Message: "division by zero", Severity: errtrack.SeverityHigh,
			Source: "python", Route: "/orders/{id}/", Method: "GET", UserAgent: "Chrome", Release: "shop@1.4.2",
			TopFrame: errtrack.Frame{Function: "__main__.lookup_total", File: "app.py", Line: 64, InApp: true}}},
		{name: "python-1.9.10-store-chained", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"RuntimeError", "KeyError"}, Message: "config for order 7 unavailable", Severity: errtrack.SeverityHigh,
			Source: "python", Route: "/wrapped/{id}/", Method: "GET", UserAgent: "Chrome", Release: "shop@1.4.2",
			TopFrame: errtrack.Frame{Function: "__main__.wrapped", File: "app.py", Line: 85, InApp: true}}},
		{name: "python-1.9.10-store-handled", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"ValueError"}, Message: "invalid literal for int() with base 10: 'not-a-number-3'", Severity: errtrack.SeverityMedium,
			Source: "python", Route: "/handled/{id}/", Method: "GET", UserAgent: "Chrome",
			TopFrame: errtrack.Frame{Function: "__main__.handled", File: "app.py", Line: 92, InApp: true}}},
		{name: "python-1.9.10-store-warning", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{MessageType}, Message: "payment provider slow for order 1234", Severity: errtrack.SeverityLow,
			Source: "python", Route: "/message/"}},
		{name: "python-1.9.10-store-info", itemType: "event", result: resultDropped, wantEmpty: true},
		{name: "python-1.9.10-envelope-sessions", itemType: "sessions", result: resultDropped, wantEmpty: true},
		{name: "python-1.9.10-envelope-client-report", itemType: "client_report", result: resultDropped, wantEmpty: true},
		{name: "python-1.9.10-envelope-transaction", itemType: "transaction", result: resultDropped},
		{name: "node-11.12.0-envelope-typeerror", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"TypeError"}, Message: "Cannot read properties of undefined (reading 'items')", Severity: errtrack.SeverityHigh,
			Source: "node", Method: "GET", Status: 500, UserAgent: "curl", Release: "shop-node@2.0.1",
			TopFrame: errtrack.Frame{Function: "server.lookupTotal", File: "/work/main/e2e/apps/sentry-node/server.js", Line: 29, InApp: true}}},
		{name: "node-11.12.0-envelope-chained", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"Error", "RangeError"}, Message: "config for order 7 unavailable", Severity: errtrack.SeverityHigh,
			Source: "node", Method: "GET", Status: 500}},
		{name: "node-11.12.0-envelope-handled", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"SyntaxError"}, Message: "Expected property name or '}' in JSON at position 1", Severity: errtrack.SeverityMedium,
			Source: "node", Method: "GET",
			TopFrame: errtrack.Frame{Function: "<anonymous>.JSON.parse", File: "<anonymous>"}}},
		{name: "node-11.12.0-envelope-warning", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{MessageType}, Message: "payment provider slow for order 1234", Severity: errtrack.SeverityLow, Source: "node"}},
		{name: "node-11.12.0-envelope-info", itemType: "event", result: resultDropped},
		{name: "node-11.12.0-envelope-sessions", itemType: "sessions", result: resultDropped, wantEmpty: true},
		{name: "node-11.12.0-envelope-client-report", itemType: "client_report", result: resultDropped, wantEmpty: true},
		{name: "node-11.12.0-envelope-span", itemType: "span", result: resultDropped},
		{name: "browser-11.12.0-envelope-handled", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"TypeError"}, Message: "Cannot read properties of undefined (reading 'items')", Severity: errtrack.SeverityMedium,
			Source: errtrack.SourceBrowser, UserAgent: "HeadlessChrome", Release: "shop-web@3.0.0"}},
		{name: "browser-11.12.0-envelope-unhandled", itemType: "event", result: resultAccepted, want: &want{
			Types: []string{"TypeError"}, Message: "Cannot read properties of null (reading 'price')", Severity: errtrack.SeverityHigh,
			Source: errtrack.SourceBrowser, UserAgent: "HeadlessChrome",
			TopFrame: errtrack.Frame{Function: "?", File: "http://127.0.0.1:18990/bundle.js", Line: 8189, InApp: true}}},
		{name: "browser-11.12.0-envelope-session", itemType: "session", result: resultDropped, wantEmpty: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fc, _ := newTestHandler(t, testConfig())
			h.now = func() time.Time { return captured }
			w := serve(h, loadCaptured(t, tt.name))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			if o := w.Header().Get("Access-Control-Allow-Origin"); strings.HasPrefix(tt.name, "browser") && o != "http://127.0.0.1:18990" {
				t.Errorf("Access-Control-Allow-Origin %q, want the page's origin", o)
			}
			var answer map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
				t.Fatalf("answer %q: %v", w.Body, err)
			}
			if tt.wantEmpty && len(answer) != 0 {
				t.Errorf("answer %v, want {}", answer)
			}
			if got := testutil.ToFloat64(h.m.items.WithLabelValues(tt.itemType, tt.result)); got != 1 {
				t.Errorf("items_total{type=%q,result=%q} = %v, want 1", tt.itemType, tt.result, got)
			}
			if tt.want == nil {
				if len(fc.events) != 0 {
					t.Fatalf("captured %d events, want none", len(fc.events))
				}
				return
			}
			if len(fc.events) != 1 {
				t.Fatalf("captured %d events, want 1", len(fc.events))
			}
			ev := fc.events[0]
			if len(ev.ID) != 32 || answer["id"] != ev.ID {
				t.Errorf("answer %v, event id %q: want the SDK's 32-hex event id", answer, ev.ID)
			}
			if ev.Time.IsZero() || ev.Time.Equal(captured) {
				t.Errorf("event time %v, want the SDK's timestamp", ev.Time)
			}
			got := want{Types: ev.Types, Message: ev.Message, Severity: ev.Severity, Source: ev.Source}
			wt := *tt.want
			if wt.Route != "" || ev.Request.Route != "" {
				got.Route = ev.Request.Route
			}
			if wt.Method != "" {
				got.Method = ev.Request.Method
			}
			if wt.Status != 0 {
				got.Status = ev.Request.Status
			}
			if wt.UserAgent != "" {
				got.UserAgent = ev.Request.UserAgent
			}
			if wt.Release != "" {
				got.Release = ev.Release
			}
			if wt.TopFrame != (errtrack.Frame{}) && len(ev.Frames) > 0 {
				got.TopFrame = ev.Frames[0]
			}
			if !reflect.DeepEqual(got, wt) {
				t.Errorf("event\n got %+v\nwant %+v", got, wt)
			}
			if ev.Request.TraceID == "" {
				t.Error("no trace id, want contexts.trace.trace_id")
			}
			if ev.Fingerprint != nil {
				t.Errorf("fingerprint %q, want none ({{ default }} or absent)", ev.Fingerprint)
			}
			// Nothing of the request's data, cookies or user reaches the event.
			j, _ := json.Marshal(ev)
			secrets := []string{"hunter2", "s3cr3t", "alice@example.com", "sessionid", "index.html"}
			if !strings.HasPrefix(tt.name, "browser") { // the browser's frames are in a script on 127.0.0.1
				secrets = append(secrets, "127.0.0.1")
			}
			for _, secret := range secrets {
				if bytes.Contains(j, []byte(secret)) {
					t.Errorf("event carries %q: %s", secret, j)
				}
			}
		})
	}
}

// TestDjangoFramesNotInApp: Debian's Python installs Django under dist-packages, which
// sentry-python marks in_app; the ingest does not.
func TestDjangoFramesNotInApp(t *testing.T) {
	h, fc, _ := newTestHandler(t, testConfig())
	if w := serve(h, loadCaptured(t, "python-1.9.10-store-zerodivision")); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var inApp []string
	for _, f := range fc.events[0].Frames {
		if f.InApp {
			inApp = append(inApp, f.Function)
		}
	}
	if want := []string{"__main__.lookup_total", "__main__.order"}; !reflect.DeepEqual(inApp, want) {
		t.Errorf("in-app frames %q, want %q", inApp, want)
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func zl(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func rawDeflate(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

const minimalEvent = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"error","platform":"python","exception":{"values":[{"type":"KeyError","value":"'x'"}]}}`

func envelopeOf(header string, items ...string) []byte {
	return []byte(header + "\n" + strings.Join(items, "\n") + "\n")
}

// TestHostile: what a broken or malicious client sends gets a clear 4xx, is counted by
// reason, and captures nothing.
func TestHostile(t *testing.T) {
	withKey := func(r *http.Request) { r.Header.Set("X-Sentry-Auth", "Sentry sentry_key=abc123, sentry_version=7") }
	bomb := gz(bytes.Repeat([]byte{'{'}, 16<<20)) // 16 MiB of '{' in 16 KiB, twice the limit
	tests := []struct {
		name    string
		method  string
		path    string
		body    []byte
		prep    func(*http.Request)
		status  int
		reason  string
		inReply string
	}{
		{name: "get", method: "GET", path: "/api/7/envelope/", prep: withKey, status: 405, reason: reasonMethod},
		{name: "bad path", path: "/api/7/events/", prep: withKey, status: 404, reason: reasonNotFound},
		{name: "unknown project", path: "/api/99/envelope/", prep: withKey, body: envelopeOf(`{}`, `{"type":"event"}`, minimalEvent), status: 404, reason: reasonUnknownProject},
		{name: "missing auth envelope", path: "/api/7/envelope/", body: envelopeOf(`{}`, `{"type":"event"}`, minimalEvent), status: 401, reason: reasonAuth, inReply: "missing authentication"},
		{name: "missing auth store", path: "/api/7/store/", body: []byte(minimalEvent), status: 401, reason: reasonAuth},
		{name: "wrong key header", path: "/api/7/store/", body: []byte(minimalEvent), status: 403, reason: reasonAuth,
			prep: func(r *http.Request) { r.Header.Set("X-Sentry-Auth", "Sentry sentry_key=def456, sentry_version=7") }},
		{name: "wrong key query", path: "/api/7/envelope/?sentry_key=nope&sentry_version=7", body: envelopeOf(`{}`, `{"type":"event"}`, minimalEvent), status: 403, reason: reasonAuth},
		{name: "wrong dsn", path: "/api/7/envelope/", body: envelopeOf(`{"dsn":"http://def456@h/7"}`, `{"type":"event"}`, minimalEvent), status: 403, reason: reasonAuth},
		{name: "dsn of another project", path: "/api/7/envelope/", body: envelopeOf(`{"dsn":"http://abc123@h/8"}`, `{"type":"event"}`, minimalEvent), status: 403, reason: reasonAuth},
		{name: "brotli", path: "/api/7/envelope/", body: []byte("xx"), status: 415, reason: reasonEncoding,
			prep: func(r *http.Request) { withKey(r); r.Header.Set("Content-Encoding", "br") }},
		{name: "bad gzip", path: "/api/7/envelope/", body: []byte("not gzip at all"), status: 400, reason: reasonEncoding,
			prep: func(r *http.Request) { withKey(r); r.Header.Set("Content-Encoding", "gzip") }},
		{name: "truncated gzip", path: "/api/7/store/", body: gz([]byte(minimalEvent))[:30], status: 400, reason: reasonEncoding,
			prep: func(r *http.Request) { withKey(r); r.Header.Set("Content-Encoding", "gzip") }},
		{name: "gzip bomb", path: "/api/7/envelope/", body: bomb, status: 413, reason: reasonTooLarge, inReply: "decompressed",
			prep: func(r *http.Request) { withKey(r); r.Header.Set("Content-Encoding", "gzip") }},
		{name: "body too large", path: "/api/7/envelope/", body: bytes.Repeat([]byte{'x'}, 2<<20), prep: withKey, status: 413, reason: reasonTooLarge},
		{name: "event too large", path: "/api/7/store/", body: gz([]byte(`{"message":"` + strings.Repeat("a", 2<<20) + `"}`)), status: 413, reason: reasonTooLarge,
			prep: func(r *http.Request) { withKey(r); r.Header.Set("Content-Encoding", "gzip") }},
		{name: "bad header json", path: "/api/7/envelope/", body: []byte("{oops\n"), prep: withKey, status: 400, reason: reasonMalformed, inReply: "envelope header"},
		{name: "header not an object", path: "/api/7/envelope/", body: []byte("[1]\n"), prep: withKey, status: 400, reason: reasonMalformed},
		{name: "empty body", path: "/api/7/envelope/", prep: withKey, status: 400, reason: reasonMalformed},
		{name: "item without type", path: "/api/7/envelope/", body: envelopeOf(`{}`, `{"length":2}`, `{}`), prep: withKey, status: 400, reason: reasonMalformed, inReply: "no type"},
		{name: "length past end", path: "/api/7/envelope/", body: envelopeOf(`{}`, `{"type":"event","length":500}`, minimalEvent), prep: withKey, status: 400, reason: reasonMalformed, inReply: "past the end"},
		{name: "huge length", path: "/api/7/envelope/", body: envelopeOf(`{}`, `{"type":"attachment","length":9223372036854775807}`, "x"), prep: withKey, status: 413, reason: reasonTooLarge},
		{name: "length overflow", path: "/api/7/envelope/", body: envelopeOf(`{}`, `{"type":"event","length":1e30}`, "x"), prep: withKey, status: 400, reason: reasonMalformed},
		{name: "negative length", path: "/api/7/envelope/", body: envelopeOf(`{}`, `{"type":"event","length":-1}`, "x"), prep: withKey, status: 400, reason: reasonMalformed},
		{name: "length short of payload", path: "/api/7/envelope/", body: envelopeOf(`{}`, `{"type":"event","length":3}`, minimalEvent), prep: withKey, status: 400, reason: reasonMalformed},
		{name: "truncated item", path: "/api/7/envelope/", body: []byte("{}\n{\"type\":\"event\"}\n{\"level\":\"error\",\"exc"), prep: withKey, status: 400, reason: reasonMalformed, inReply: "item 0"},
		{name: "bad event json", path: "/api/7/store/", body: []byte(`{"exception":{"values":[{"type":1}]}}`), prep: withKey, status: 400, reason: reasonMalformed},
		{name: "store not json", path: "/api/7/store/", body: []byte(`hello`), prep: withKey, status: 400, reason: reasonMalformed},
		{name: "too many items", path: "/api/7/envelope/", body: envelopeOf(`{}`, strings.Repeat(`{"type":"client_report"}`+"\n{}\n", 101)), prep: withKey, status: 413, reason: reasonTooLarge},
		{name: "origin not allowed", path: "/api/8/envelope/?sentry_key=def456", body: envelopeOf(`{}`, `{"type":"event"}`, minimalEvent), status: 403, reason: reasonOrigin,
			prep: func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fc, _ := newTestHandler(t, testConfig())
			method := tt.method
			if method == "" {
				method = "POST"
			}
			r := httptest.NewRequest(method, tt.path, bytes.NewReader(tt.body))
			if tt.prep != nil {
				tt.prep(r)
			}
			w := serve(h, r)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			var reply struct{ Detail string }
			if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil || reply.Detail == "" {
				t.Errorf("reply %q: want {\"detail\": ...} (%v)", w.Body, err)
			}
			if !strings.Contains(reply.Detail, tt.inReply) {
				t.Errorf("detail %q, want it to mention %q", reply.Detail, tt.inReply)
			}
			if len(reply.Detail) > 300 {
				t.Errorf("detail of %d bytes, want a short one", len(reply.Detail))
			}
			if got := testutil.ToFloat64(h.m.rejected.WithLabelValues(tt.reason)); got != 1 {
				t.Errorf("rejected_total{reason=%q} = %v, want 1", tt.reason, got)
			}
			if len(fc.events) != 0 {
				t.Errorf("captured %d events, want none", len(fc.events))
			}
		})
	}
}

// TestAuthAndEncodings: every way the SDKs authenticate, and every encoding.
func TestAuthAndEncodings(t *testing.T) {
	env := envelopeOf(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}`, `{"type":"event","length":`+itoa(len(minimalEvent))+`}`, minimalEvent)
	envDSN := envelopeOf(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://abc123@errors.example:443/7"}`, `{"type":"event"}`, minimalEvent)
	tests := []struct {
		name, path, encoding string
		body                 []byte
		header               map[string]string
	}{
		{name: "header", path: "/api/7/envelope/", body: env, header: map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=x/1, sentry_key=abc123"}},
		{name: "second key", path: "/api/7/envelope/", body: env, header: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=old_key,sentry_version=7"}},
		{name: "authorization header", path: "/api/7/store/", body: []byte(minimalEvent), header: map[string]string{"Authorization": "Sentry sentry_key=abc123, sentry_version=7"}},
		{name: "query", path: "/api/7/envelope/?sentry_key=abc123&sentry_version=7", body: env},
		{name: "envelope dsn", path: "/api/7/envelope/", body: envDSN},
		{name: "no trailing slash", path: "/api/7/envelope?sentry_key=abc123", body: env},
		{name: "gzip", path: "/api/7/envelope/?sentry_key=abc123", body: gz(env), encoding: "gzip"},
		{name: "zlib deflate", path: "/api/7/store/?sentry_key=abc123", body: zl([]byte(minimalEvent)), encoding: "deflate"},
		{name: "raw deflate", path: "/api/7/store/?sentry_key=abc123", body: rawDeflate([]byte(minimalEvent)), encoding: "deflate"},
		{name: "identity", path: "/api/7/store/?sentry_key=abc123", body: []byte(minimalEvent), encoding: "identity"},
		{name: "crlf", path: "/api/7/envelope/?sentry_key=abc123", body: []byte("{}\r\n{\"type\":\"event\"}\r\n" + minimalEvent + "\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fc, _ := newTestHandler(t, testConfig())
			r := httptest.NewRequest("POST", tt.path, bytes.NewReader(tt.body))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.encoding != "" {
				r.Header.Set("Content-Encoding", tt.encoding)
			}
			w := serve(h, r)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if got, want := strings.TrimSpace(w.Body.String()), `{"id":"9ec79c33ec9942ab8353589fcb2e04dc"}`; got != want {
				t.Errorf("answer %s, want %s", got, want)
			}
			if len(fc.events) != 1 || !reflect.DeepEqual(fc.events[0].Types, []string{"KeyError"}) {
				t.Errorf("events %+v, want one KeyError", fc.events)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestCORS(t *testing.T) {
	h, _, _ := newTestHandler(t, testConfig())
	r := httptest.NewRequest("OPTIONS", "/api/8/envelope/?sentry_key=def456", nil)
	r.Header.Set("Origin", "https://shop.example")
	r.Header.Set("Access-Control-Request-Method", "POST")
	w := serve(h, r)
	if w.Code != http.StatusNoContent {
		t.Fatalf("preflight status %d", w.Code)
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://shop.example" {
		t.Errorf("Allow-Origin %q", got)
	}
	if got := w.Header().Get("Access-Control-Allow-Headers"); !strings.Contains(got, "X-Sentry-Auth") || !strings.Contains(got, "Content-Type") {
		t.Errorf("Allow-Headers %q", got)
	}
	// A browser SDK's POST: text/plain, the key in the query, the browser's User-Agent.
	ev := `{"event_id":"aec79c33ec9942ab8353589fcb2e04dc","level":"error","platform":"javascript","sdk":{"name":"sentry.javascript.react","version":"8.0.0"},` +
		`"transaction":"/items/:id","transaction_info":{"source":"route"},"request":{"url":"https://shop.example/items/42?token=x","headers":[["Referer","x"]]},` +
		`"exception":{"values":[{"type":"TypeError","value":"x is undefined","mechanism":{"type":"onerror","handled":false},"stacktrace":{"frames":[{"filename":"https://shop.example/app.js","function":"render","lineno":10,"in_app":true},{"filename":"https://shop.example/app.js","function":"load","lineno":99,"in_app":true}]}}]},` +
		`"fingerprint":["checkout","{{ default }}"]}`
	r = httptest.NewRequest("POST", "/api/8/envelope/?sentry_key=def456&sentry_version=7", strings.NewReader("{}\n{\"type\":\"event\"}\n"+ev))
	r.Header.Set("Origin", "https://shop.example")
	r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0")
	h2, fc, _ := newTestHandler(t, testConfig())
	w = serve(h2, r)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatalf("status %d, Allow-Origin %q: %s", w.Code, w.Header().Get("Access-Control-Allow-Origin"), w.Body)
	}
	got := fc.events[0]
	if got.Source != errtrack.SourceBrowser || got.Request.UserAgent != "Firefox" || got.Request.Route != "/items/:id" ||
		got.Severity != errtrack.SeverityHigh || got.Frames[0].Function != "load" || got.Fingerprint != nil {
		t.Errorf("browser event %+v", got)
	}
}

func TestConvertDetails(t *testing.T) {
	tests := []struct {
		name  string
		event string
		check func(*errtrack.Event) bool
	}{
		{"fatal is critical", `{"level":"fatal","message":"oom"}`, func(e *errtrack.Event) bool { return e.Severity == errtrack.SeverityCritical && e.Message == "oom" }},
		{"no level is error", `{"exception":{"values":[{"type":"E"}]}}`, func(e *errtrack.Event) bool { return e.Severity == errtrack.SeverityMedium }},
		{"custom fingerprint", `{"fingerprint":["db","timeout"],"message":"x"}`, func(e *errtrack.Event) bool { return reflect.DeepEqual(e.Fingerprint, []string{"db", "timeout"}) }},
		{"default fingerprint", `{"fingerprint":["{{ default }}"],"message":"x"}`, func(e *errtrack.Event) bool { return e.Fingerprint == nil }},
		{"raw url transaction", `{"transaction":"/items/42?x=1","transaction_info":{"source":"url"},"message":"x"}`, func(e *errtrack.Event) bool { return e.Request.Route == "" }},
		{"no transaction_info", `{"transaction":"/items/42","message":"x"}`, func(e *errtrack.Event) bool { return e.Request.Route == "" }},
		{"logentry", `{"logentry":{"message":"user %s failed","formatted":"user 7 failed"}}`, func(e *errtrack.Event) bool { return e.Message == "user 7 failed" }},
		{"message object", `{"message":{"formatted":"disk full"}}`, func(e *errtrack.Event) bool { return e.Message == "disk full" }},
		{"unknown platform", `{"platform":"cobol","message":"x"}`, func(e *errtrack.Event) bool { return e.Source == "other" }},
		{"node sdk on javascript", `{"platform":"javascript","sdk":{"name":"sentry.javascript.nextjs"},"message":"x"}`, func(e *errtrack.Event) bool { return e.Source == "javascript" }},
		{"bare exception list", `{"exception":[{"type":"A","value":"a"}]}`, func(e *errtrack.Event) bool { return e.Types[0] == "A" && e.Message == "a" }},
		{"string timestamp", `{"timestamp":"2024-05-01T10:00:00Z","message":"x"}`, func(e *errtrack.Event) bool { return e.Time.Year() == 2024 }},
		{"bad id", `{"event_id":"nope","message":"x"}`, func(e *errtrack.Event) bool { return e.ID == "" }},
		{"dashed id", `{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC","message":"x"}`, func(e *errtrack.Event) bool { return e.ID == "9ec79c33ec9942ab8353589fcb2e04dc" }},
		{"bad status", `{"contexts":{"response":{"status_code":99999}},"message":"x"}`, func(e *errtrack.Event) bool { return e.Request.Status == 0 }},
		{"script url query dropped", `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"filename":"https://shop.example/app.js?v=1&token=abc#x","function":"f"}]}}]}}`,
			func(e *errtrack.Event) bool { return e.Frames[0].File == "https://shop.example/app.js" }},
		{"frames bounded", `{"exception":{"values":[{"type":"R","stacktrace":{"frames":[` + strings.TrimSuffix(strings.Repeat(`{"function":"f"},`, 500), ",") + `]}}]}}`,
			func(e *errtrack.Event) bool { return len(e.Frames) == maxFrames }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := convertEvent([]byte(tt.event), "")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(ev) {
				t.Errorf("event %+v", ev)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{},
		{Projects: []Project{{ID: "abc", Keys: []string{"k"}}}},
		{Projects: []Project{{ID: "1"}}},
		{Projects: []Project{{ID: "1", Keys: []string{"a-b"}}}},
		{Projects: []Project{{ID: "1", Keys: []string{"k"}}, {ID: "1", Keys: []string{"j"}}}},
		{Projects: []Project{{ID: "1", Keys: []string{"k"}, AllowedOrigins: []string{"shop.example"}}}},
	} {
		if _, err := New(prometheus.NewRegistry(), &fakeCapturer{}, c); err == nil {
			t.Errorf("New(%+v): no error", c)
		}
	}
}

func TestMetricsExposition(t *testing.T) {
	_, _, reg := newTestHandler(t, testConfig())
	n, err := testutil.GatherAndCount(reg, "perfwatch_errors_ingest_items_total", "perfwatch_errors_ingest_rejected_total")
	if err != nil {
		t.Fatal(err)
	}
	if want := len(ItemTypes()) + 1 + len(Reasons()); n != want {
		t.Errorf("%d series before any request, want %d (all bounded label values initialised)", n, want)
	}
}

// TestWithTracker: the captured payloads through the real Tracker land in its groups
// and perfwatch_errors_total, with the SDK's source.
func TestWithTracker(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr, err := errtrack.New(reg, errtrack.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(reg, tr, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"python-1.9.10-store-zerodivision", "python-1.9.10-store-zerodivision",
		"python-1.9.10-store-chained", "node-11.12.0-envelope-typeerror", "node-11.12.0-envelope-info"} {
		if w := serve(h, loadCaptured(t, name)); w.Code != 200 {
			t.Fatalf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	groups := tr.Groups(errtrack.Query{})
	bySource := map[string]int{}
	for _, g := range groups {
		bySource[g.Source]++
		if g.Type == "ZeroDivisionError" && g.Count != 2 {
			t.Errorf("ZeroDivisionError group counted %d, want 2 (the same event twice)", g.Count)
		}
	}
	if len(groups) != 3 || bySource["python"] != 2 || bySource["node"] != 1 {
		t.Errorf("groups %+v, want 2 python and 1 node", groups)
	}
	n, err := testutil.GatherAndCount(reg, "perfwatch_errors_total")
	if err != nil || n == 0 {
		t.Errorf("perfwatch_errors_total: %d series, %v", n, err)
	}
}

func TestClampTime(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		ts   string
		want time.Time
	}{
		{`"2026-01-02T03:00:00Z"`, time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)},
		{`"2030-01-01T00:00:00Z"`, now}, // ahead
		{`"2020-01-01T00:00:00Z"`, now}, // long past
		{`0`, now},                      // absent or unreadable
	} {
		h, fc, _ := newTestHandler(t, testConfig())
		h.now = func() time.Time { return now }
		r := httptest.NewRequest("POST", "/api/7/store/?sentry_key=abc123", strings.NewReader(`{"message":"x","timestamp":`+tt.ts+`}`))
		if w := serve(h, r); w.Code != 200 {
			t.Fatalf("%s: %d %s", tt.ts, w.Code, w.Body)
		}
		if got := fc.events[0].Time; !got.Equal(tt.want) {
			t.Errorf("timestamp %s: time %v, want %v", tt.ts, got, tt.want)
		}
	}
}
