package errapi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

func checkHTMLHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want HTML", ct)
	}
	if cc := h.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "'unsafe-inline'") || strings.Contains(csp, "'unsafe-eval'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	// The inline style sheet is the one the policy's hash allows.
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no style sheet in %s", rec.Body)
	}
	sum := sha256.Sum256([]byte(m[1]))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("Content-Security-Policy %q does not allow the page's style sheet (%s)", csp, want)
	}
}

// checkNoScript fails when anything that came from an event reached the page unescaped.
func checkNoScript(t *testing.T, body string) {
	t.Helper()
	for _, bad := range []string{"<script", "<img", "<b>key", `x.js">`} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
}

func TestHTMLList(t *testing.T) {
	s := newFakeStore(testGroups()...)
	h := newTestHandler(s)
	rec := do(t, h, "GET", "/errors/?state=resolved&sort=count", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	checkHTMLHeaders(t, rec)
	body := rec.Body.String()
	checkNoScript(t, body)
	if q := s.lastQuery(); q.State != errtrack.StateResolved || q.Sort != "count" || q.Limit != DefaultLimit {
		t.Errorf("query = %+v", q)
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", // the message, escaped
		`href="/errors/` + idPanic + `"`,                  // link to the detail page
		`action="/errors/` + idPanic + `/resolve"`,        // buttons as POST forms
		`action="/errors/` + idScript + `/unresolve"`,
		`name="return" value="/errors/?state=resolved&amp;sort=count"`,
		`<option value="resolved" selected>`,
		`<option value="count" selected>`,
		"5m ago",
		`href="/api/errors/groups?sort=count&amp;state=resolved"`,
		`href="/errors/?sort=count&amp;state=ignored"`, // state tabs keep the other filters
		`href="/errors/?route=%2Fapi%2Fitems%2F%7Bid%7D&amp;sort=count&amp;state=resolved"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("list page lacks %s", want)
		}
	}
	if strings.Contains(body, "<button") && !strings.Contains(body, `method="post"`) {
		t.Error("buttons outside POST forms")
	}
}

func TestHTMLListBadParameter(t *testing.T) {
	s := newFakeStore(testGroups()...)
	rec := do(t, newTestHandler(s), "GET", "/errors/?severity=%3Cscript%3E&type=%3Cscript%3E", nil)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", rec.Code)
	}
	checkHTMLHeaders(t, rec)
	body := rec.Body.String()
	checkNoScript(t, body)
	if !strings.Contains(body, "parameter severity:") || !strings.Contains(body, `value="&lt;script&gt;"`) {
		t.Errorf("400 page does not show the error and the typed value: %s", body)
	}
	if len(s.queries) != 0 {
		t.Error("store queried despite the bad parameter")
	}
}

func TestHTMLDetail(t *testing.T) {
	h := newTestHandler(newFakeStore(testGroups()...))
	tests := []struct {
		id   string
		want []string
	}{
		{idPanic, []string{
			"main.(*shop).item", "/src/shop/items.go:41", "index out of range [7] with length 3", "(panic)",
			`<code>GET /api/items/{id}</code> → 500`, `<meter min="0" max="32" value="10">`, "v1.2.3",
			`action="/errors/` + idPanic + `/resolve"`, `action="/errors/` + idPanic + `/ignore"`,
			`name="return" value="/errors/` + idPanic + `"`, `href="/api/errors/groups/` + idPanic + `"`,
		}},
		{idScript, []string{
			"&lt;script&gt;evil()&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&lt;b&gt;key&lt;/b&gt;",
			`action="/errors/` + idScript + `/unresolve"`, "No hourly counts.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			rec := do(t, h, "GET", "/errors/"+tt.id, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			checkHTMLHeaders(t, rec)
			body := rec.Body.String()
			checkNoScript(t, body)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("detail page lacks %s", w)
				}
			}
		})
	}
}

func TestHTMLRoutes(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/errors/", 200, ""},
		{"HEAD", "/errors/", 200, ""},
		{"POST", "/errors/", 405, "GET, HEAD"},
		{"GET", "/errors/" + idPanic, 200, ""},
		{"GET", "/errors/%3Cscript%3E", 404, ""},
		{"POST", "/errors/" + idPanic, 405, "GET, HEAD"},
		{"GET", "/errors/" + idPanic + "/resolve", 405, "POST"},
		{"POST", "/errors/" + idPanic + "/delete", 404, ""},
		{"POST", "/errors/0000000000000000/resolve", 404, ""},
		{"GET", "/errors/a/b/c", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := do(t, newTestHandler(newFakeStore(testGroups()...)), tt.method, tt.path, nil)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			checkHTMLHeaders(t, rec)
			checkNoScript(t, rec.Body.String())
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestHTMLPostRedirects(t *testing.T) {
	tests := []struct {
		name, action, ret, location string
		state                       errtrack.State
	}{
		{"back to the filtered list", "resolve", "/errors/?state=unresolved&sort=count", "/errors/?state=unresolved&sort=count", errtrack.StateResolved},
		{"back to the detail page", "ignore", "/errors/" + idPanic, "/errors/" + idPanic, errtrack.StateIgnored},
		{"no return", "resolve", "", "/errors/" + idPanic, errtrack.StateResolved},
		{"off-site return", "resolve", "https://evil.example/", "/errors/" + idPanic, errtrack.StateResolved},
		{"scheme-relative return", "resolve", "//evil.example/errors/", "/errors/" + idPanic, errtrack.StateResolved},
		{"backslash return", "resolve", `/\evil.example`, "/errors/" + idPanic, errtrack.StateResolved},
		{"return outside the page", "resolve", "/metrics", "/errors/" + idPanic, errtrack.StateResolved},
		{"javascript return", "resolve", "javascript:alert(1)", "/errors/" + idPanic, errtrack.StateResolved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeStore(testGroups()...)
			form := url.Values{"return": {tt.ret}}.Encode()
			req := httptest.NewRequest("POST", "/errors/"+idPanic+"/"+tt.action, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			rec := httptest.NewRecorder()
			newTestHandler(s).ServeHTTP(rec, req)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("status %d, want 303; body %s", rec.Code, rec.Body)
			}
			if loc := rec.Header().Get("Location"); loc != tt.location {
				t.Errorf("Location = %q, want %q", loc, tt.location)
			}
			if got := s.state(idPanic); got != tt.state {
				t.Errorf("state = %q, want %q", got, tt.state)
			}
		})
	}
}

func TestHTMLPostStoreFailure(t *testing.T) {
	s := newFakeStore(testGroups()...)
	s.failSet = errDiskFull
	rec := do(t, newTestHandler(s), "POST", "/errors/"+idPanic+"/resolve", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	checkHTMLHeaders(t, rec)
	if strings.Contains(rec.Body.String(), "disk full") {
		t.Error("internal error leaked to the page")
	}
}
