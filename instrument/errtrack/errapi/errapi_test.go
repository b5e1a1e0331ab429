package errapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

func newTestHandler(s Store, opts ...Option) http.Handler {
	opts = append([]Option{func(c *config) { c.now = func() time.Time { return testNow } }}, opts...)
	return Handler(s, opts...)
}

func do(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
	return v
}

func checkJSONHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
}

func TestListQuery(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  errtrack.Query
	}{
		{"defaults", "", errtrack.Query{Limit: DefaultLimit}},
		{"empty values are absent", "state=&severity=&type=&sort=&limit=&since=", errtrack.Query{Limit: DefaultLimit}},
		{"every filter",
			"state=resolved&severity=high&type=%2Afs.PathError&route=%2Fapi%2Fitems%2F%7Bid%7D&source=browser&sort=count&limit=5",
			errtrack.Query{State: errtrack.StateResolved, MinSeverity: errtrack.SeverityHigh, Type: "*fs.PathError",
				Route: "/api/items/{id}", Source: "browser", Sort: "count", Limit: 5}},
		{"sort last_seen", "sort=last_seen", errtrack.Query{Sort: "last_seen", Limit: DefaultLimit}},
		{"max limit", "limit=1000", errtrack.Query{Limit: MaxLimit}},
		{"since duration", "since=1h", errtrack.Query{Since: testNow.Add(-time.Hour), Limit: DefaultLimit}},
		{"since compound duration", "since=1d2h30m", errtrack.Query{Since: testNow.Add(-26*time.Hour - 30*time.Minute), Limit: DefaultLimit}},
		{"since RFC 3339", "since=2026-03-01T10:00:00Z", errtrack.Query{Since: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Limit: DefaultLimit}},
		{"since RFC 3339 with offset", "since=2026-03-01T10:00:00.5%2B02:00",
			errtrack.Query{Since: time.Date(2026, 3, 1, 8, 0, 0, 5e8, time.UTC), Limit: DefaultLimit}},
		{"unknown parameters ignored", "foo=bar", errtrack.Query{Limit: DefaultLimit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := testGroups()
			s := newFakeStore(gs...)
			rec := do(t, newTestHandler(s), "GET", "/api/errors/groups?"+tt.query, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			checkJSONHeaders(t, rec)
			got := s.lastQuery()
			if !got.Since.Equal(tt.want.Since) {
				t.Errorf("Since = %v, want %v", got.Since, tt.want.Since)
			}
			got.Since, tt.want.Since = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("query = %+v, want %+v", got, tt.want)
			}
			body := decode[struct{ Groups []errtrack.Group }](t, rec)
			if len(body.Groups) != len(gs) || body.Groups[0].ID != idPanic || body.Groups[0].Severity != errtrack.SeverityCritical {
				t.Errorf("groups = %+v", body.Groups)
			}
		})
	}
}

func TestListEmpty(t *testing.T) {
	rec := do(t, newTestHandler(newFakeStore()), "GET", "/api/errors/groups", nil)
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"groups":[]}` {
		t.Errorf("got %d %s, want 200 {\"groups\":[]}", rec.Code, rec.Body)
	}
}

func TestListBadParameters(t *testing.T) {
	tests := []struct{ query, param string }{
		{"state=open", "state"},
		{"severity=urgent", "severity"},
		{"sort=name", "sort"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=ten", "limit"},
		{"limit=-5", "limit"},
		{"since=yesterday", "since"},
		{"since=1m1h", "since"},
		{"since=1h1h", "since"},
		{"since=5x", "since"},
		{"since=h", "since"},
		{"since=999999y", "since"},
		{"since=2026-13-01T00:00:00Z", "since"},
		{"state=resolved&state=ignored", "state"},
		{"type=" + strings.Repeat("x", maxParamLen+1), "type"},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 40)], func(t *testing.T) {
			s := newFakeStore(testGroups()...)
			rec := do(t, newTestHandler(s), "GET", "/api/errors/groups?"+tt.query, nil)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", rec.Code, rec.Body)
			}
			checkJSONHeaders(t, rec)
			e := decode[struct{ Error string }](t, rec)
			if !strings.HasPrefix(e.Error, "parameter "+tt.param+":") {
				t.Errorf("error %q does not name parameter %s", e.Error, tt.param)
			}
			if len(s.queries) != 0 {
				t.Errorf("store queried despite the bad parameter")
			}
		})
	}
}

func TestGroupDetail(t *testing.T) {
	h := newTestHandler(newFakeStore(testGroups()...))
	rec := do(t, h, "GET", "/api/errors/groups/"+idPanic, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	checkJSONHeaders(t, rec)
	body := decode[struct{ Group errtrack.Group }](t, rec)
	g := body.Group
	if g.ID != idPanic || g.Sample == nil || len(g.Sample.Frames) != 2 || len(g.Hourly) != 2 || len(g.Recent) != 1 ||
		g.Sample.Request.Route != "/api/items/{id}" {
		t.Errorf("detail = %+v", g)
	}
	for _, key := range []string{`"sample"`, `"hourly"`, `"recent"`, `"frames"`, `"severity":"critical"`} {
		if !strings.Contains(rec.Body.String(), key) {
			t.Errorf("detail lacks %s: %s", key, rec.Body)
		}
	}
}

func TestSetState(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		path    string
		fail    error
		status  int
		state   errtrack.State // of idPanic afterwards
		allow   string
		errPart string
	}{
		{"resolve", "POST", "/api/errors/groups/" + idPanic + "/resolve", nil, 200, errtrack.StateResolved, "", ""},
		{"ignore", "POST", "/api/errors/groups/" + idPanic + "/ignore", nil, 200, errtrack.StateIgnored, "", ""},
		{"unresolve", "POST", "/api/errors/groups/" + idPanic + "/unresolve", nil, 200, errtrack.StateUnresolved, "", ""},
		{"unknown id", "POST", "/api/errors/groups/0000000000000000/resolve", nil, 404, errtrack.StateUnresolved, "", "no error group"},
		{"unknown action", "POST", "/api/errors/groups/" + idPanic + "/delete", nil, 404, errtrack.StateUnresolved, "", "no action"},
		{"GET on an action", "GET", "/api/errors/groups/" + idPanic + "/resolve", nil, 405, errtrack.StateUnresolved, "POST", "not allowed"},
		{"PUT on an action", "PUT", "/api/errors/groups/" + idPanic + "/ignore", nil, 405, errtrack.StateUnresolved, "POST", "not allowed"},
		{"store failure", "POST", "/api/errors/groups/" + idPanic + "/resolve", errDiskFull, 500, errtrack.StateUnresolved, "", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := testGroups()
			gs[0].State = errtrack.StateUnresolved
			if tt.state == errtrack.StateUnresolved && tt.name == "unresolve" {
				gs[0].State = errtrack.StateResolved
			}
			s := newFakeStore(gs...)
			s.failSet = tt.fail
			var logs bytes.Buffer
			h := newTestHandler(s, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			rec := do(t, h, tt.method, tt.path, nil)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			checkJSONHeaders(t, rec)
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if got := s.state(idPanic); got != tt.state {
				t.Errorf("state = %q, want %q", got, tt.state)
			}
			if tt.status == 200 {
				g := decode[struct{ Group errtrack.Group }](t, rec).Group
				if g.ID != idPanic || g.State != tt.state {
					t.Errorf("answered group %s in state %q, want %q", g.ID, g.State, tt.state)
				}
				if !strings.Contains(logs.String(), "error group state changed") {
					t.Errorf("state change not logged: %s", logs.String())
				}
				return
			}
			e := decode[struct{ Error string }](t, rec)
			if !strings.Contains(e.Error, tt.errPart) {
				t.Errorf("error %q lacks %q", e.Error, tt.errPart)
			}
			if tt.fail != nil {
				if strings.Contains(e.Error, "disk full") {
					t.Errorf("internal error leaked to the client: %q", e.Error)
				}
				if !strings.Contains(logs.String(), "disk full") {
					t.Errorf("internal error not logged: %s", logs.String())
				}
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	h := newTestHandler(newFakeStore(testGroups()...))
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/errors/groups", 200, ""},
		{"HEAD", "/api/errors/groups", 200, ""},
		{"POST", "/api/errors/groups", 405, "GET, HEAD"},
		{"GET", "/api/errors/groups/" + idPanic, 200, ""},
		{"GET", "/api/errors/groups/nope", 404, ""},
		{"DELETE", "/api/errors/groups/" + idPanic, 405, "GET, HEAD"},
		{"GET", "/api/errors/", 404, ""},
		{"GET", "/api/errors/other", 404, ""},
		{"GET", "/api/errors/groups/" + idPanic + "/resolve/more", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := do(t, h, tt.method, tt.path, nil)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			checkJSONHeaders(t, rec)
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.status != 200 {
				if e := decode[struct{ Error string }](t, rec); e.Error == "" {
					t.Errorf("no error message: %s", rec.Body)
				}
			}
		})
	}
}

func TestPrefixOptions(t *testing.T) {
	h := newTestHandler(newFakeStore(testGroups()...), WithPrefix("admin/errs"), WithHTMLPrefix("/ui/errs"))
	for path, want := range map[string]int{
		"/admin/errs/groups":                200,
		"/admin/errs/groups/" + idPanic:     200,
		"/ui/errs/":                         200,
		"/ui/errs/" + idPanic:               200,
		"/api/errors/groups":                404,
		"/errors/":                          404,
		"/ui/errs/" + idPanic + "/resolve/": 404,
	} {
		if rec := do(t, h, "GET", path, nil); rec.Code != want {
			t.Errorf("GET %s: status %d, want %d", path, rec.Code, want)
		}
	}
	noHTML := newTestHandler(newFakeStore(testGroups()...), WithHTMLPrefix(""))
	if rec := do(t, noHTML, "GET", "/errors/", nil); rec.Code != 404 {
		t.Errorf("HTML switched off: GET /errors/ status %d, want 404", rec.Code)
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for equal prefixes")
		}
	}()
	Handler(newFakeStore(), WithPrefix("/x/"), WithHTMLPrefix("/x/"))
}

func TestCrossOriginProtection(t *testing.T) {
	trusted := http.NewCrossOriginProtection()
	if err := trusted.AddTrustedOrigin("https://proxy.example"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		hdr    map[string]string
		opts   []Option
		status int
	}{
		{"API cross-site fetch", "/api/errors/groups/" + idPanic + "/resolve", map[string]string{"Sec-Fetch-Site": "cross-site"}, nil, 403},
		{"API same-site other origin", "/api/errors/groups/" + idPanic + "/resolve", map[string]string{"Sec-Fetch-Site": "same-site"}, nil, 403},
		{"API old browser, foreign Origin", "/api/errors/groups/" + idPanic + "/resolve", map[string]string{"Origin": "https://evil.example"}, nil, 403},
		{"HTML form from another site", "/errors/" + idPanic + "/ignore", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, nil, 403},
		{"API curl (no browser headers)", "/api/errors/groups/" + idPanic + "/resolve", nil, nil, 200},
		{"API same origin", "/api/errors/groups/" + idPanic + "/resolve", map[string]string{"Sec-Fetch-Site": "same-origin"}, nil, 200},
		{"API Origin matches Host", "/api/errors/groups/" + idPanic + "/resolve", map[string]string{"Origin": "http://example.com"}, nil, 200},
		{"HTML same origin", "/errors/" + idPanic + "/resolve", map[string]string{"Sec-Fetch-Site": "same-origin"}, nil, 303},
		{"trusted origin", "/api/errors/groups/" + idPanic + "/resolve",
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://proxy.example"}, []Option{WithCrossOriginProtection(trusted)}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeStore(testGroups()...)
			rec := do(t, newTestHandler(s, tt.opts...), "POST", tt.path, tt.hdr)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			changed := s.state(idPanic) != errtrack.StateUnresolved
			if changed != (tt.status != 403) {
				t.Errorf("state changed = %v with status %d", changed, rec.Code)
			}
			if tt.status == 403 {
				if !strings.Contains(rec.Body.String(), "cross-origin") {
					t.Errorf("403 body does not say why: %s", rec.Body)
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control = %q", cc)
				}
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	good := map[string]time.Duration{
		"0s": 0, "90s": 90 * time.Second, "1h": time.Hour, "1h30m": 90 * time.Minute, "7d": 7 * day,
		"2w": 14 * day, "1y": 365 * day, "1y2w3d4h5m6s7ms": 365*day + 17*day + 4*time.Hour + 5*time.Minute + 6*time.Second + 7*time.Millisecond,
		"250ms": 250 * time.Millisecond,
	}
	for s, want := range good {
		if got, err := parseDuration(s); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1", "h", "1.5h", "-1h", "1m1h", "1s1s", "1ms1s", "1H", "1 h", "300000y", "99999999999999999999s"} {
		if got, err := parseDuration(s); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", s, got)
		}
	}
}
