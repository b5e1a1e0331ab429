package demo

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// TestTemplatesMatchRouter checks that PageTemplates and APIRoutes, which the snippet
// and the ingest are configured with, are exactly the router's page and API routes as
// the HTTP metrics label them.
func TestTemplatesMatchRouter(t *testing.T) {
	a := &app{}
	strip := regexp.MustCompile(`\{(\w+):[^}]*\}`)
	var pages, api []string
	err := a.router().Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := rt.GetPathTemplate()
		if err != nil || rt.GetHandler() == nil {
			return nil
		}
		tpl = strip.ReplaceAllString(tpl, "{$1}")
		switch {
		case strings.HasPrefix(tpl, "/api/"):
			api = append(api, tpl)
		case tpl == "/" || (strings.HasPrefix(tpl, "/app/") && !strings.HasPrefix(tpl, "/app/static/")):
			pages = append(pages, tpl)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(pages)
	slices.Sort(api)
	wantPages, wantAPI := slices.Sorted(slices.Values(PageTemplates)), slices.Sorted(slices.Values(APIRoutes))
	if !slices.Equal(pages, wantPages) {
		t.Errorf("router's pages %q, PageTemplates %q", pages, wantPages)
	}
	if !slices.Equal(api, wantAPI) {
		t.Errorf("router's API routes %q, APIRoutes %q", api, wantAPI)
	}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// TestAppPage checks the single-page app's HTML, script and stylesheet, with and
// without the browser monitoring.
func TestAppPage(t *testing.T) {
	plain, _ := newTestServer(t, Config{}, 0)
	rum := &fakeRUM{}
	monitored, _ := newTestServer(t, Config{RUM: rum, RUMSampleRate: 0.25}, 0)
	for _, path := range []string{"/app/", "/app/items/17"} {
		code, body, h := get(t, monitored.URL+path)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, code, h.Get("Content-Type"))
		}
		for _, want := range []string{`import { init } from "/rum/perfwatch-rum.js"`, `"sampleRate":0.25`,
			`"pages":["/","/app/","/app/items/{id}"]`, `"/api/users/{id}/vault/joined"`, `"endpoint":"/rum/v1/beacon"`,
			`"measurePrefix":"perfwatch:"`, `src="/app/static/app.js"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %s in\n%s", path, want, body)
			}
		}
		_, body, _ = get(t, plain.URL+path)
		if strings.Contains(body, "/rum/") || !strings.Contains(body, `src="/app/static/app.js"`) {
			t.Errorf("%s without RUM:\n%s", path, body)
		}
	}
	if code, body, _ := get(t, monitored.URL+"/app/static/app.js"); code != 200 || !strings.Contains(body, `performance.measure("perfwatch:" + name`) {
		t.Errorf("app.js: %d", code)
	}
	if code, _, h := get(t, monitored.URL+"/app/static/app.css"); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/css") {
		t.Errorf("app.css: %d %s", code, h.Get("Content-Type"))
	}
	for _, path := range []string{"/app/static/app.html", "/app/static/", "/app/items/x"} {
		if code, _, _ := get(t, monitored.URL+path); code != 404 {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
	if code, body, _ := get(t, monitored.URL+"/app"); code != 200 || !strings.Contains(body, "app.js") {
		t.Errorf("/app: %d, want the app after a redirect", code)
	}
	if code, body, _ := get(t, monitored.URL+"/rum/perfwatch-rum.js"); code != 200 || body != fakeSnippet {
		t.Errorf("/rum/ is not the RUM handler: %d %q", code, body)
	}
	if code, _, _ := get(t, plain.URL+"/rum/perfwatch-rum.js"); code != 404 {
		t.Errorf("/rum/ without RUM: %d, want 404", code)
	}
	if code, body, _ := get(t, plain.URL+"/"); code != 200 || !strings.Contains(body, `href="/app/"`) || !strings.Contains(body, "GET /api/users/1/vault") {
		t.Errorf("index page: %d\n%s", code, body)
	}
}
