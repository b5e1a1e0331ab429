package demo

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
)

// web holds the single-page app: its HTML template, script and stylesheet.
//
//go:embed web
var web embed.FS

var appPage = template.Must(template.ParseFS(web, "web/app.html"))

// PageTemplates are the templates of the demo's pages: the API's index page and the
// app's two views. The app's snippet labels its beacons with them, and the ingest
// accepts no others.
var PageTemplates = []string{"/", "/app/", "/app/items/{id}"}

// APIRoutes are the route templates of the demo's API, as the HTTP metrics label them;
// the app's snippet reports its API calls under them.
var APIRoutes = []string{
	"/api/users/{id}",
	"/api/users/{id}/folders",
	"/api/users/{id}/vault",
	"/api/users/{id}/vault/joined",
	"/api/items/{id}",
	"/api/items",
	"/api/users/{id}/export",
	"/api/reports/activity",
	"/api/sync",
	"/api/items/{id}/preview",
	"/api/users/{id}/audit",
	"/api/search",
	"/api/checkout",
}

// Measures are the names of the app's performance.measure entries, without the
// snippet's "perfwatch:" prefix: the render of the item list and of an item's view.
var Measures = []string{"ItemList", "ItemDetail"}

// rumInit is the argument of the snippet's init in the app's page.
type rumInit struct {
	Endpoint      string   `json:"endpoint"`
	Pages         []string `json:"pages"`
	APIRoutes     []string `json:"apiRoutes"`
	SampleRate    float64  `json:"sampleRate"`
	MeasurePrefix string   `json:"measurePrefix"`
}

// renderApp renders the app's page; with rum set it loads the snippet from /rum/ and
// starts it with the given sample rate.
func renderApp(rum bool, sampleRate float64) ([]byte, error) {
	var b bytes.Buffer
	err := appPage.Execute(&b, struct {
		RUM  bool
		Init rumInit
	}{rum, rumInit{Endpoint: "/rum/v1/beacon", Pages: PageTemplates, APIRoutes: APIRoutes,
		SampleRate: sampleRate, MeasurePrefix: "perfwatch:"}})
	if err != nil {
		return nil, fmt.Errorf("render the app's page: %w", err)
	}
	return b.Bytes(), nil
}

// staticHandler serves the app's script and stylesheet under /app/static/.
func staticHandler() http.Handler {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	files := http.FileServerFS(sub)
	return http.StripPrefix("/app/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "app.js" && r.URL.Path != "app.css" {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}))
}
