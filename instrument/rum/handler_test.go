package rum

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

var testConfig = Config{
	AllowedOrigins: []string{"https://shop.example"},
	Pages:          []string{"/", "/items/{id}", "/vaults/{vault}"},
	APIRoutes:      []string{"/api/items/{id}", "/api/users/{id}/vault"},
	Measures:       []string{"ItemList", "VaultTree"},
	RateLimit:      RateLimit{PerClientPerSecond: 1000, Burst: 1000, Clients: 100},
	TrustedProxies: []string{"10.0.0.0/8"},
}

// typicalBeacon has 10 events: 5 vitals, 2 API calls, navigation, resource, measure.
const typicalBeacon = `{"v":1,"page":"/items/{id}","nav":"navigate","events":[
{"t":"vital","name":"LCP","value":1234.5},
{"t":"vital","name":"INP","value":180},
{"t":"vital","name":"CLS","value":0.04},
{"t":"vital","name":"FCP","value":900.1},
{"t":"vital","name":"TTFB","value":80.5},
{"t":"api","method":"GET","route":"/api/items/{id}","status":200,"duration":123.4},
{"t":"api","method":"POST","route":"/api/users/{id}/vault","status":201,"duration":45.6},
{"t":"nav","dns":1.2,"connect":3.4,"tls":2.1,"ttfb":80.5,"dom_interactive":310.2,"load":620.9},
{"t":"resource","initiator":"script","count":5,"bytes":123456,"duration":234.5},
{"t":"measure","name":"ItemList","duration":12.3}]}`

// capturer counts captures without an errtrack.Tracker.
type capturer struct{ events []errtrack.Event }

func (c *capturer) Capture(_ context.Context, ev *errtrack.Event) string {
	c.events = append(c.events, *ev)
	return "x"
}

type nopCapturer struct{}

func (nopCapturer) Capture(context.Context, *errtrack.Event) string { return "" }

func newHandler(t testing.TB, cfg Config, c Capturer) (*Handler, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if c == nil {
		c = nopCapturer{}
	}
	h, err := New(reg, c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, reg
}

type req struct {
	method, path, body string
	header             map[string]string
	remote             string
	gzip               bool
}

func do(h http.Handler, q req) *httptest.ResponseRecorder {
	if q.method == "" {
		q.method = "POST"
	}
	if q.path == "" {
		q.path = "/rum/v1/beacon"
	}
	body := []byte(q.body)
	if q.gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
	}
	r := httptest.NewRequest(q.method, q.path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	if q.gzip {
		r.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range q.header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func gzipBomb(n int) string {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write([]byte(`{"v":1,"page":"/","events":[],"pad":"`))
	_, _ = zw.Write(bytes.Repeat([]byte("a"), n))
	_, _ = zw.Write([]byte(`"}`))
	_ = zw.Close()
	return b.String()
}

func TestRejections(t *testing.T) {
	tooMany := `{"v":1,"page":"/","events":[` + strings.TrimSuffix(strings.Repeat(`{"t":"vital","name":"LCP","value":1},`, 101), ",") + `]}`
	for _, tt := range []struct {
		name   string
		q      req
		status int
		reason string
	}{
		{"path", req{path: "/rum/v2/beacon", body: typicalBeacon}, 404, reasonNotFound},
		{"path outside prefix", req{path: "/other", body: typicalBeacon}, 404, reasonNotFound},
		{"GET", req{method: "GET"}, 405, reasonMethod},
		{"PUT", req{method: "PUT", body: typicalBeacon}, 405, reasonMethod},
		{"origin", req{body: typicalBeacon, header: map[string]string{"Origin": "https://evil.example"}}, 403, reasonOrigin},
		{"origin preflight", req{method: "OPTIONS", header: map[string]string{"Origin": "https://evil.example"}}, 403, reasonOrigin},
		{"content type", req{body: typicalBeacon, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, reasonContentType},
		{"content type garbled", req{body: typicalBeacon, header: map[string]string{"Content-Type": ";;"}}, 415, reasonContentType},
		{"encoding", req{body: typicalBeacon, header: map[string]string{"Content-Encoding": "br"}}, 415, reasonEncoding},
		{"too large", req{body: `{"v":1,"page":"` + strings.Repeat("a", 70<<10) + `"}`}, 413, reasonTooLarge},
		{"gzip bomb", req{body: gzipBomb(10 << 20), header: map[string]string{"Content-Encoding": "gzip"}}, 413, reasonTooLarge},
		{"gzip corrupt", req{body: "\x1f\x8b\x08\x00garbage", header: map[string]string{"Content-Encoding": "gzip"}}, 400, reasonMalformed},
		{"gzip truncated", req{body: gzipBomb(100)[:30], header: map[string]string{"Content-Encoding": "gzip"}}, 400, reasonMalformed},
		{"not JSON", req{body: "hello"}, 400, reasonMalformed},
		{"empty", req{body: ""}, 400, reasonMalformed},
		{"array", req{body: `[1]`}, 400, reasonMalformed},
		{"unknown field", req{body: `{"v":1,"page":"/","events":[],"user":"x"}`}, 400, reasonMalformed},
		{"wrong type", req{body: `{"v":1,"page":5,"events":[]}`}, 400, reasonMalformed},
		{"events not a list", req{body: `{"v":1,"page":"/","events":{}}`}, 400, reasonMalformed},
		{"trailing data", req{body: `{"v":1,"page":"/","events":[]} {}`}, 400, reasonMalformed},
		{"no version", req{body: `{"page":"/","events":[]}`}, 400, reasonVersion},
		{"version 2", req{body: `{"v":2,"page":"/","events":[]}`}, 400, reasonVersion},
		{"version 2 new fields", req{body: `{"v":2,"page":"/","session":"x"}`}, 400, reasonVersion},
		{"version string", req{body: `{"v":"1","page":"/"}`}, 400, reasonVersion},
		{"too many events", req{body: tooMany}, 400, reasonTooManyEvents},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, testConfig, nil)
			w := do(h, tt.q)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			for _, r := range RejectReasons() {
				want := 0.0
				if r == tt.reason {
					want = 1
				}
				if got := testutil.ToFloat64(h.m.rejected.WithLabelValues(r)); got != want {
					t.Errorf("rejected{reason=%q} = %v, want %v", r, got, want)
				}
			}
			if got := testutil.ToFloat64(h.m.beacons); got != 0 {
				t.Errorf("beacons %v", got)
			}
		})
	}
}

func TestRateLimited(t *testing.T) {
	cfg := testConfig
	cfg.RateLimit = RateLimit{PerClientPerSecond: 2, Burst: 3, Clients: 10}
	h, _ := newHandler(t, cfg, nil)
	now := time.Unix(1e9, 0)
	h.now = func() time.Time { return now }
	b := `{"v":1,"page":"/","events":[]}`
	for i := range 3 {
		if w := do(h, req{body: b, remote: "192.0.2.1:1234"}); w.Code != 204 {
			t.Fatalf("beacon %d: %d", i, w.Code)
		}
	}
	w := do(h, req{body: b, remote: "192.0.2.1:1234"})
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("4th beacon: %d %v", w.Code, w.Header())
	}
	if w := do(h, req{body: b, remote: "192.0.2.2:1234"}); w.Code != 204 {
		t.Errorf("another client: %d", w.Code)
	}
	// An IPv6 client's /64 is one client.
	for i := range 3 {
		do(h, req{body: b, remote: fmt.Sprintf("[2001:db8::%x]:1", i+1)})
	}
	if w := do(h, req{body: b, remote: "[2001:db8::ffff]:1"}); w.Code != 429 {
		t.Errorf("same /64: %d", w.Code)
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if w := do(h, req{body: b, remote: "192.0.2.1:1234"}); w.Code != 204 {
		t.Errorf("after refill: %d", w.Code)
	}
	if w := do(h, req{body: b, remote: "192.0.2.1:1234"}); w.Code != 429 {
		t.Errorf("refill of one token: %d", w.Code)
	}
	if got := testutil.ToFloat64(h.m.rejected.WithLabelValues(reasonRateLimited)); got != 3 {
		t.Errorf("rate_limited %v", got)
	}
	// A flood from many addresses keeps the table within its bound.
	for i := range 5000 {
		do(h, req{body: b, remote: fmt.Sprintf("198.51.%d.%d:1", i/256, i%256)})
	}
	if n := h.limit.len(); n > cfg.RateLimit.Clients {
		t.Errorf("%d clients in a table of %d", n, cfg.RateLimit.Clients)
	}
}

func TestClientAddr(t *testing.T) {
	trusted, _ := parseProxies([]string{"10.0.0.0/8", "2001:db8:1::/48", "192.0.2.7"})
	for _, tt := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:1", "", "203.0.113.5"},
		{"203.0.113.5:1", "198.51.100.1", "203.0.113.5"}, // untrusted peer: header ignored
		{"10.1.2.3:1", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:1", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"}, // right-most untrusted
		{"192.0.2.7:1", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:1", "", "10.1.2.3"},
		{"10.1.2.3:1", "garbage", "10.1.2.3"},
		{"10.1.2.3:1", "10.4.4.4", "10.4.4.4"}, // all trusted: the left-most
		{"[2001:db8:1::5]:1", "2001:db8:2::9", "2001:db8:2::9"},
		{"[::ffff:10.0.0.1]:1", "198.51.100.2", "198.51.100.2"},
		{"not an address", "198.51.100.1", "invalid IP"},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientAddr(r, trusted).String(); got != tt.want {
			t.Errorf("%s, X-Forwarded-For %q: %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
	// Through the handler: clients behind the proxy have buckets of their own.
	cfg := testConfig
	cfg.RateLimit = RateLimit{PerClientPerSecond: 1, Burst: 1, Clients: 10}
	h, _ := newHandler(t, cfg, nil)
	b := `{"v":1,"page":"/","events":[]}`
	for _, c := range []string{"198.51.100.1", "198.51.100.2"} {
		if w := do(h, req{body: b, remote: "10.0.0.1:1", header: map[string]string{"X-Forwarded-For": c}}); w.Code != 204 {
			t.Errorf("client %s: %d", c, w.Code)
		}
	}
	if w := do(h, req{body: b, remote: "10.0.0.1:1", header: map[string]string{"X-Forwarded-For": "198.51.100.1"}}); w.Code != 429 {
		t.Errorf("client again: %d", w.Code)
	}
	if w := do(h, req{body: b, remote: "203.0.113.9:1", header: map[string]string{"X-Forwarded-For": "198.51.100.3"}}); w.Code != 204 {
		t.Errorf("untrusted peer: %d", w.Code)
	}
	if w := do(h, req{body: b, remote: "203.0.113.9:1", header: map[string]string{"X-Forwarded-For": "198.51.100.4"}}); w.Code != 429 {
		t.Errorf("untrusted peer forging X-Forwarded-For: %d", w.Code)
	}
}

func TestCORS(t *testing.T) {
	h, _ := newHandler(t, testConfig, nil)
	w := do(h, req{method: "OPTIONS", header: map[string]string{"Origin": "https://shop.example",
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}})
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Content-Type") ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
	for _, tt := range []struct {
		origin, host string
		status       int
	}{
		{"https://shop.example", "collector:9115", 204},
		{"HTTPS://SHOP.EXAMPLE", "collector:9115", 204},
		{"https://app.example", "app.example", 204}, // same origin
		{"http://shop.example", "collector:9115", 403},
		{"null", "collector:9115", 403},
		{"", "collector:9115", 204}, // no Origin: not a cross-origin browser request
	} {
		r := httptest.NewRequest("POST", "/rum/v1/beacon", strings.NewReader(`{"v":1,"page":"/","events":[]}`))
		r.Host = tt.host
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, r)
		if rw.Code != tt.status {
			t.Errorf("origin %q host %q: %d, want %d", tt.origin, tt.host, rw.Code, tt.status)
		}
		if tt.status == 204 && tt.origin != "" && rw.Header().Get("Access-Control-Allow-Origin") != tt.origin {
			t.Errorf("origin %q: Access-Control-Allow-Origin %q", tt.origin, rw.Header().Get("Access-Control-Allow-Origin"))
		}
		if tt.status == 403 && rw.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %q refused with Access-Control-Allow-Origin", tt.origin)
		}
	}
	any := testConfig
	any.AllowedOrigins = []string{"*"}
	ha, _ := newHandler(t, any, nil)
	if w := do(ha, req{body: `{"v":1,"page":"/","events":[]}`, header: map[string]string{"Origin": "https://any.example"}}); w.Code != 204 {
		t.Errorf("*: %d", w.Code)
	}
}

func TestAccepted(t *testing.T) {
	h, reg := newHandler(t, testConfig, nil)
	for _, q := range []req{
		{body: typicalBeacon},
		{body: typicalBeacon, gzip: true},
		{body: typicalBeacon, header: map[string]string{"Content-Type": "application/json"}},
		{body: typicalBeacon, header: map[string]string{"Content-Type": ""}},
	} {
		if w := do(h, q); w.Code != 204 {
			t.Fatalf("%+v: %d %s", q.header, w.Code, w.Body)
		}
	}
	for name, want := range map[string]string{
		"perfwatch_rum_beacons_total": "4",
		`perfwatch_browser_page_views_total{navigation_type="navigate",page="/items/{id}"}`:                                                                   "4",
		`perfwatch_web_vitals_lcp_seconds_bucket{page="/items/{id}",le="1.5"}`:                                                                                "4",
		`perfwatch_web_vitals_lcp_seconds_bucket{page="/items/{id}",le="1"}`:                                                                                  "0",
		`perfwatch_web_vitals_inp_seconds_bucket{page="/items/{id}",le="0.2"}`:                                                                                "4",
		`perfwatch_web_vitals_cls_bucket{page="/items/{id}",le="0.05"}`:                                                                                       "4",
		`perfwatch_web_vitals_fcp_seconds_bucket{page="/items/{id}",le="1"}`:                                                                                  "4",
		`perfwatch_web_vitals_ttfb_seconds_bucket{page="/items/{id}",le="0.1"}`:                                                                               "4",
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/api/items/{id}"}`:        "4",
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="POST",http_response_status_code="201",http_route="/api/users/{id}/vault"}`: "4",
		`perfwatch_browser_navigation_duration_seconds_count{page="/items/{id}",phase="dom_interactive"}`:                                                     "4",
		`perfwatch_browser_resources_total{initiator="script",page="/items/{id}"}`:                                                                            "20",
		`perfwatch_browser_resource_transfer_bytes_total{initiator="script",page="/items/{id}"}`:                                                              "493824",
		`perfwatch_browser_resource_duration_seconds_total{initiator="script",page="/items/{id}"}`:                                                            "0.938",
		`perfwatch_browser_render_duration_seconds_count{name="ItemList",page="/items/{id}"}`:                                                                 "4",
	} {
		if got := sample(t, reg, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	for _, r := range DropReasons() {
		if got := testutil.ToFloat64(h.m.droppedVec.WithLabelValues(r)); got != 0 {
			t.Errorf("dropped %s: %v", r, got)
		}
	}
	if n := countSeries(t, reg); n > MaxSeries(testConfig) {
		t.Errorf("%d series over the bound %d", n, MaxSeries(testConfig))
	}
	// A view's later beacons (no nav event) count no page view.
	if w := do(h, req{body: `{"v":1,"page":"/items/{id}","nav":"navigate","events":[{"t":"vital","name":"CLS","value":0.2}]}`}); w.Code != 204 {
		t.Fatal(w.Code)
	}
	if got := sample(t, reg, `perfwatch_browser_page_views_total{navigation_type="navigate",page="/items/{id}"}`); got != "4" {
		t.Errorf("page views after a beacon without nav: %s", got)
	}
	if got := sample(t, reg, "perfwatch_rum_beacons_total"); got != "5" {
		t.Errorf("beacons %s", got)
	}
}

// sample returns the value of one sample of the registry's text exposition.
func sample(t testing.TB, reg *prometheus.Registry, name string) string {
	t.Helper()
	text := exposition(t, reg)
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return "absent"
}

func exposition(t testing.TB, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		if _, err := expfmtWrite(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// countSeries counts the children of every metric (a histogram is one series).
func countSeries(t testing.TB, reg *prometheus.Registry) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		n += len(mf.GetMetric())
	}
	return n
}

func TestDrops(t *testing.T) {
	for _, tt := range []struct {
		name, events string
		reason       string
		n            float64
	}{
		{"FID", `{"t":"vital","name":"FID","value":10}`, dropUnknownVital, 1},
		{"lower-case vital", `{"t":"vital","name":"lcp","value":10}`, dropUnknownVital, 1},
		{"negative", `{"t":"vital","name":"LCP","value":-1}`, dropOutOfRange, 1},
		{"LCP over 10 min", `{"t":"vital","name":"LCP","value":600001}`, dropOutOfRange, 1},
		{"INP over 10 min", `{"t":"vital","name":"INP","value":1e9}`, dropOutOfRange, 1},
		{"CLS over 100", `{"t":"vital","name":"CLS","value":100.5}`, dropOutOfRange, 1},
		{"no value", `{"t":"vital","name":"CLS"}`, dropInvalid, 1},
		{"value string", `{"t":"vital","name":"LCP","value":"12"}`, dropInvalid, 1},
		{"value huge", `{"t":"vital","name":"LCP","value":1e999}`, dropInvalid, 1},
		{"event not an object", `5`, dropInvalid, 1},
		{"event null", `null`, dropInvalid, 1},
		{"event list", `[1,2]`, dropInvalid, 1},
		{"unknown type", `{"t":"session","id":"x"}`, dropUnknownType, 1},
		{"no type", `{}`, dropUnknownType, 1},
		{"api status 600", `{"t":"api","method":"GET","route":"/x","status":600,"duration":1}`, dropInvalid, 1},
		{"api status 1.5", `{"t":"api","method":"GET","route":"/x","status":200.5,"duration":1}`, dropInvalid, 1},
		{"api no duration", `{"t":"api","method":"GET","route":"/x","status":200}`, dropInvalid, 1},
		{"api negative", `{"t":"api","method":"GET","route":"/x","status":200,"duration":-3}`, dropOutOfRange, 1},
		{"nav phases", `{"t":"nav","dns":-1,"connect":700000,"tls":1}`, dropOutOfRange, 2},
		{"nav wrong type", `{"t":"nav","dns":"1"}`, dropInvalid, 1},
		{"resource negative", `{"t":"resource","initiator":"img","count":-1,"bytes":1,"duration":1}`, dropOutOfRange, 1},
		{"resource fraction", `{"t":"resource","initiator":"img","count":1.5}`, dropOutOfRange, 1},
		{"resource bytes", `{"t":"resource","initiator":"img","count":1,"bytes":1e20}`, dropOutOfRange, 1},
		{"resource no count", `{"t":"resource","initiator":"img"}`, dropInvalid, 1},
		{"measure over 10 min", `{"t":"measure","name":"ItemList","duration":1e7}`, dropOutOfRange, 1},
		{"measure no duration", `{"t":"measure","name":"ItemList"}`, dropInvalid, 1},
		{"error count 0", `{"t":"error","type":"E","message":"m","count":0}`, dropInvalid, 1},
		{"error frames wrong", `{"t":"error","type":"E","frames":"x"}`, dropInvalid, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, reg := newHandler(t, testConfig, nil)
			body := `{"v":1,"page":"/","events":[` + tt.events + `,{"t":"vital","name":"LCP","value":1000}]}`
			if w := do(h, req{body: body}); w.Code != 204 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			for _, r := range DropReasons() {
				want := 0.0
				if r == tt.reason {
					want = tt.n
				}
				if got := testutil.ToFloat64(h.m.droppedVec.WithLabelValues(r)); got != want {
					t.Errorf("dropped{reason=%q} = %v, want %v", r, got, want)
				}
			}
			// The beacon's other event is recorded.
			if got := sample(t, reg, `perfwatch_web_vitals_lcp_seconds_count{page="/"}`); got != "1" {
				t.Errorf("LCP count %s", got)
			}
		})
	}
}

func TestLabelsBounded(t *testing.T) {
	h, reg := newHandler(t, testConfig, nil)
	body := `{"v":1,"page":"/unknown/page","nav":"teleport","events":[
{"t":"nav"},
{"t":"api","method":"BREW","route":"/api/secret/123","status":499,"duration":1},
{"t":"api","method":"get","route":"/api/items/{id}","status":0,"duration":1},
{"t":"resource","initiator":"weird","count":1},
{"t":"measure","name":"Fresh","duration":1},
{"t":"measure","name":"` + strings.Repeat("x", 200) + `","duration":1}]}`
	if w := do(h, req{body: body}); w.Code != 204 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for _, name := range []string{
		`perfwatch_browser_page_views_total{navigation_type="other",page="other"}`,
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="_OTHER",http_response_status_code="4xx",http_route="other"}`,
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="GET",http_response_status_code="0",http_route="/api/items/{id}"}`,
		`perfwatch_browser_resources_total{initiator="other",page="other"}`,
		`perfwatch_browser_render_duration_seconds_count{name="Fresh",page="other"}`,
		`perfwatch_browser_render_duration_seconds_count{name="other",page="other"}`,
	} {
		if got := sample(t, reg, name); got != "1" {
			t.Errorf("%s = %s", name, got)
		}
	}
	// Measures: the configured names and the first 50 others seen.
	for i := range 80 {
		do(h, req{body: fmt.Sprintf(`{"v":1,"page":"/","events":[{"t":"measure","name":"m%d","duration":1}]}`, i)})
	}
	if got := sample(t, reg, `perfwatch_browser_render_duration_seconds_count{name="m48",page="/"}`); got != "1" {
		t.Errorf("m48: %s", got)
	}
	if got := sample(t, reg, `perfwatch_browser_render_duration_seconds_count{name="m49",page="/"}`); got != "absent" {
		t.Errorf("m49 (the 51st): %s", got)
	}
	if got := sample(t, reg, `perfwatch_browser_render_duration_seconds_count{name="other",page="/"}`); got != "31" {
		t.Errorf("other: %s", got)
	}
	if got := sample(t, reg, `perfwatch_browser_render_duration_seconds_count{name="VaultTree",page="/"}`); got != "absent" {
		t.Errorf("VaultTree: %s", got)
	}
	do(h, req{body: `{"v":1,"page":"/","events":[{"t":"measure","name":"VaultTree","duration":1}]}`})
	if got := sample(t, reg, `perfwatch_browser_render_duration_seconds_count{name="VaultTree",page="/"}`); got != "1" {
		t.Errorf("configured VaultTree after the others: %s", got)
	}
}

func TestJSErrorsTracked(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr, err := errtrack.New(reg, errtrack.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(reg, tr, testConfig)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"v":1,"page":"/items/{id}","nav":"spa","events":[
{"t":"error","type":"TypeError","message":"x is undefined","count":3,"key":"k3j9x1",
 "frames":[{"fn":"render","url":"https://shop.example/app.js?v=3#x","line":10,"col":2},
           {"fn":"lib","url":"https://cdn.example/lib.js","line":1,"col":1}]}]}`
	w := do(h, req{body: body, header: map[string]string{"Origin": "https://shop.example", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})
	if w.Code != 204 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	groups := tr.Groups(errtrack.Query{Source: errtrack.SourceBrowser})
	if len(groups) != 1 {
		t.Fatalf("groups %+v", groups)
	}
	g, _ := tr.Group(groups[0].ID)
	if g.Count != 3 || g.Type != "TypeError" || g.Route != "/items/{id}" || g.Source != "browser" {
		t.Errorf("group %+v", g)
	}
	s := g.Sample
	if s == nil || len(s.Frames) != 2 || s.Frames[0].Function != "render" || s.Frames[0].File != "https://shop.example/app.js" ||
		s.Frames[0].Line != 10 || !s.Frames[0].InApp || s.Frames[1].InApp || s.Extra["key"] != "k3j9x1" ||
		s.Request.UserAgent != "Chrome" {
		t.Errorf("sample %+v", s)
	}
	if got := sample(t, reg, `perfwatch_errors_total{error_type="TypeError",severity="medium",source="browser"}`); got != "3" {
		t.Errorf("perfwatch_errors_total %s", got)
	}
	// The same error from another view joins the group; its count is bounded.
	do(h, req{body: strings.Replace(body, `"count":3`, `"count":1000000`, 1), header: map[string]string{"Origin": "https://shop.example"}})
	if g, _ := tr.Group(groups[0].ID); g.Count != 3+MaxErrorCount {
		t.Errorf("count %d, want %d", g.Count, 3+MaxErrorCount)
	}
	// A beacon's captures are bounded too.
	many := `{"v":1,"page":"/","events":[` + strings.TrimSuffix(strings.Repeat(`{"t":"error","type":"E","message":"m","count":100},`, 50), ",") + `]}`
	c := &capturer{}
	hc, _ := newHandler(t, testConfig, c)
	do(hc, req{body: many})
	if len(c.events) != MaxErrorsPerBeacon {
		t.Errorf("%d captures, want %d", len(c.events), MaxErrorsPerBeacon)
	}
	// Without an Origin header the request's host is the page's origin.
	c.events = nil
	r := httptest.NewRequest("POST", "/rum/v1/beacon", strings.NewReader(`{"v":1,"page":"/","events":[{"t":"error","type":"","message":"`+strings.Repeat("é", 2000)+`","frames":[{"fn":"a","url":"http://shop.example:8080/a.js","line":-4},{"fn":"b","url":"http://other/a.js"},{},{},{},{},{},{},{},{},{},{}]}]}`))
	r.Host = "shop.example:8080"
	hc.ServeHTTP(httptest.NewRecorder(), r)
	if len(c.events) != 1 {
		t.Fatalf("events %+v", c.events)
	}
	ev := c.events[0]
	if ev.Types[0] != "Error" || len(ev.Message) > 1024 || !utf8Valid(ev.Message) || len(ev.Frames) != 10 ||
		!ev.Frames[0].InApp || ev.Frames[0].Line != 0 || ev.Frames[1].InApp || ev.Frames[2].Function != "?" || ev.Fingerprint != nil {
		t.Errorf("event %+v", ev)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{AllowedOrigins: []string{"shop.example"}}, "allowed_origins[0]"},
		{Config{Pages: []string{"items"}}, "pages[0]"},
		{Config{Pages: []string{"/", "/"}}, "duplicate"},
		{Config{Pages: []string{"other"}}, "pages[0]"},
		{Config{APIRoutes: []string{""}}, "api_routes[0]: empty"},
		{Config{Measures: []string{"other"}}, "reserved"},
		{Config{Measures: []string{strings.Repeat("m", 300)}}, "measures[0]"},
		{Config{RateLimit: RateLimit{Burst: -1}}, "rate_limit.burst"},
		{Config{RateLimit: RateLimit{PerClientPerSecond: -1}}, "per_client_per_second"},
		{Config{RateLimit: RateLimit{Clients: -1}}, "rate_limit.clients"},
		{Config{TrustedProxies: []string{"10.0.0.0/33"}}, "trusted_proxies[0]"},
	} {
		err := tt.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.cfg, err, tt.want)
		}
	}
	if err := testConfig.Validate(); err != nil {
		t.Error(err)
	}
	if _, err := New(prometheus.NewRegistry(), nil, Config{}); err == nil {
		t.Error("nil Capturer accepted")
	}
	if _, err := New(prometheus.NewRegistry(), nopCapturer{}, Config{}, WithPrefix("rum")); err == nil {
		t.Error("prefix without slashes accepted")
	}
	reg := prometheus.NewRegistry()
	if _, err := New(reg, nopCapturer{}, Config{}); err != nil {
		t.Error(err)
	}
	if _, err := New(reg, nopCapturer{}, Config{}); err == nil || !strings.Contains(err.Error(), "register") {
		t.Errorf("second registration: %v", err)
	}
}

func TestScriptAndPrefix(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := New(reg, nopCapturer{}, testConfig, WithPrefix("/b/"),
		WithScript(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("js")) })))
	if err != nil {
		t.Fatal(err)
	}
	if w := do(h, req{method: "GET", path: "/b/perfwatch-rum.js"}); w.Code != 200 || w.Body.String() != "js" {
		t.Errorf("script: %d %s", w.Code, w.Body)
	}
	if w := do(h, req{path: "/b/v1/beacon", body: typicalBeacon}); w.Code != 204 {
		t.Errorf("beacon: %d", w.Code)
	}
	h2, _ := newHandler(t, testConfig, nil)
	if w := do(h2, req{method: "GET", path: "/rum/perfwatch-rum.js"}); w.Code != 404 {
		t.Errorf("no script: %d", w.Code)
	}
}
