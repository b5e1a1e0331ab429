package scan

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan/licence"
	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/registry"
)

// registryServer answers as the Go module proxy, the npm registry and PyPI's JSON
// API do for the fixture project's packages (the documents cut down to the fields
// the clients read); PyPI answers 503, as when it cannot be reached.
func registryServer(t *testing.T) *httptest.Server {
	t.Helper()
	files := map[string]string{
		"/proxy/golang.org/x/net/@v/list":                                    "v0.0.0-20220722155237-a158d28d115b\nv0.30.0\nv0.31.0\n",
		"/proxy/golang.org/x/net/@v/v0.31.0.info":                            `{"Version":"v0.31.0","Time":"2026-11-01T00:00:00Z"}`,
		"/proxy/golang.org/x/net/@v/v0.31.0.mod":                             "module golang.org/x/net\n\ngo 1.24\n",
		"/proxy/golang.org/x/net/@v/v0.0.0-20220722155237-a158d28d115b.info": `{"Version":"v0.0.0-20220722155237-a158d28d115b","Time":"2022-07-22T15:52:37Z"}`,
		"/proxy/golang.org/toolchain/@v/list":                                "v0.0.1-go1.19.linux-amd64\nv0.0.1-go1.26.8.linux-amd64\n",
		"/proxy/golang.org/toolchain/@v/v0.0.1-go1.26.8.linux-amd64.info":    `{"Version":"v0.0.1-go1.26.8.linux-amd64","Time":"2026-11-10T00:00:00Z"}`,
		"/proxy/golang.org/toolchain/@v/v0.0.1-go1.19.linux-amd64.info":      `{"Version":"v0.0.1-go1.19.linux-amd64","Time":"2022-08-02T00:00:00Z"}`,
		"/npm/lodash": `{"name":"lodash","dist-tags":{"latest":"4.17.21"},
			"time":{"4.17.15":"2019-07-19T02:28:46Z","4.17.21":"2021-02-20T15:42:16Z"},
			"versions":{"4.17.15":{"license":"MIT","deprecated":"upgrade: prototype pollution"},"4.17.21":{"license":"MIT"}}}`,
		"/npm/left-pad": `{"name":"left-pad","dist-tags":{"latest":"1.3.0"},
			"time":{"1.3.0":"2018-04-09T00:00:00Z"},"versions":{"1.3.0":{"license":"WTFPL"}}}`,
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/pypi/") {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
}

// A scan with the registries and the module cache consulted fills every dependency
// field they feed, keeps going when one registry is down, and scores with them.
func TestRunWithRegistriesAndLicences(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "go.mod", "module example.com/shop\n\ngo 1.19\n\nrequire golang.org/x/net v0.0.0-20220722155237-a158d28d115b\n")
	write(t, dir, "requirements.txt", "requests==2.31.0\n")
	write(t, dir, "package.json", `{"name":"shop","dependencies":{"lodash":"^4.17.0","left-pad":"^1.3.0"}}`)
	write(t, dir, "package-lock.json", `{"name":"shop","lockfileVersion":3,"packages":{"":{"name":"shop"},
		"node_modules/lodash":{"version":"4.17.15"},"node_modules/left-pad":{"version":"1.3.0"}}}`)
	modCache := t.TempDir()
	bsd, err := os.ReadFile(filepath.Join("..", "licence", "testdata", "modcache", "golang.org", "x", "mod@v0.42.0", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	netDir := filepath.Join(modCache, "golang.org", "x", "net@v0.0.0-20220722155237-a158d28d115b")
	if err := os.MkdirAll(netDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(netDir, "LICENSE"), bsd, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := registryServer(t)
	defer srv.Close()
	reg := registry.New(registry.Options{
		GoProxy: srv.URL + "/proxy", GoPrivate: "-", NpmURL: srv.URL + "/npm", PyPIURL: srv.URL,
		Timeout: 5 * time.Second,
	})
	policy, err := licence.ParsePolicy("policy.yml", []byte("allow: [MIT, BSD-3-Clause]\ndeny: [WTFPL]\nunknown: unknown\n"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := osv.LoadDir(context.Background(), "../osv/testdata/db")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	r, err := Run(context.Background(), Options{
		Root: dir, DB: db, Now: now, Registry: reg, Policy: policy,
		GoLicences: &licence.GoLicences{ModCache: modCache, CacheDir: t.TempDir()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Notes) != 0 {
		t.Errorf("notes %q, want none: every source was consulted", r.Notes)
	}
	deps := map[string]Dependency{}
	for _, d := range r.Projects[0].Packages {
		deps[d.Name] = d
	}
	for name, want := range map[string]struct{ latest, outdated, licence, verdict, source string }{
		"golang.org/x/net": {"v0.31.0", "minor", "BSD-3-Clause", "allowed", "module cache: LICENSE"},
		"stdlib":           {"v1.26.8", "minor", "BSD-3-Clause", "allowed", "module cache"},
		"lodash":           {"4.17.21", "patch", "MIT", "allowed", "registry"},
		"left-pad":         {"1.3.0", "current", "WTFPL", "denied", "registry"},
		"requests":         {"", "unknown", "", "unknown", ""},
	} {
		d, ok := deps[name]
		if !ok {
			t.Errorf("%s missing from %v", name, deps)
			continue
		}
		if d.Latest != want.latest || d.Outdated != want.outdated || d.Licence != want.licence || d.LicenceVerdict != want.verdict || d.LicenceSource != want.source {
			t.Errorf("%s: latest %q outdated %q licence %q %q from %q; want %+v (notes %q)", name, d.Latest, d.Outdated, d.Licence, d.LicenceVerdict, d.LicenceSource, want, d.Notes)
		}
	}
	if d := deps["lodash"]; d.Deprecated != "upgrade: prototype pollution" || d.LatestTime == nil || d.VersionTime == nil {
		t.Errorf("lodash: deprecated %q, times %v %v", d.Deprecated, d.LatestTime, d.VersionTime)
	}
	// PyPI down: the package is unknown and says why, the others stand.
	if d := deps["requests"]; !slices.ContainsFunc(d.Notes, func(n string) bool { return strings.Contains(n, "registry: ") && strings.Contains(n, "unreachable") }) {
		t.Errorf("requests notes %q, want the registry's unreachability", d.Notes)
	}
	// left-pad: a denied licence (30) and no release for more than 4 years (20).
	if d := deps["left-pad"]; d.Health != 50 || len(d.HealthReasons) != 2 {
		t.Errorf("left-pad health %d %+v, want 50 from a denied licence and a stale package", d.Health, d.HealthReasons)
	}
	if p := r.Projects[0]; p.Health > 60 {
		t.Errorf("project health %d with a high finding (golang.org/x/net)", p.Health)
	}
}
