package report

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

var scanTime = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// scanned runs a real scan of a project with Go, Python and npm lockfiles against
// depscan/osv's fixtures (modelled on GO-2022-0969, PYSEC-2022-213 and two lodash
// GHSAs), with a second, clean project below it; Root is then set to a fixed
// name so outputs do not depend on the temporary directory.
func scanned(t testing.TB) *scan.Report {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":               "module example.com/shop\n\ngo 1.19.0\n\nrequire golang.org/x/net v0.0.0-20220722155237-a158d28d115b\n",
		"requirements.txt":     "Django==3.2.5\nrequests==2.31.0\n",
		"package.json":         `{"name":"shop","dependencies":{"lodash":"^4.17.0"}}`,
		"package-lock.json":    `{"name":"shop","lockfileVersion":3,"packages":{"":{"name":"shop","dependencies":{"lodash":"^4.17.0"}},"node_modules/lodash":{"version":"4.17.15"}}}`,
		"web/requirements.txt": "flask==3.0.0\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err := osv.LoadDir(context.Background(), "../osv/testdata/db")
	if err != nil {
		t.Fatal(err)
	}
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, DB: db, Now: scanTime})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Projects) != 2 || len(r.Projects[0].Findings) != 5 {
		t.Fatalf("fixture scan: %d projects, findings %+v", len(r.Projects), r.Projects)
	}
	r.Root = "shop"
	return r
}

// decorated fills the fields the registry and licence parts will fill, with
// values of each kind, and a problem, so every branch of the writers is used.
func decorated(t testing.TB) *scan.Report {
	r := scanned(t)
	latest := scanTime.AddDate(0, -1, 0)
	used := scanTime.AddDate(-3, 0, 0)
	p := &r.Projects[0]
	for i := range p.Packages {
		d := &p.Packages[i]
		switch d.Name {
		case "django":
			d.Latest, d.Outdated, d.MajorsBehind = "5.1.4", "major", 2
			d.LatestTime, d.VersionTime = &latest, &used
			d.Licence, d.LicenceSource, d.LicenceVerdict = "BSD-3-Clause", "registry", "allowed"
		case "requests":
			d.Latest, d.Outdated = "2.32.3", "minor"
			d.Licence, d.LicenceSource, d.LicenceVerdict = "Apache-2.0", "registry", "allowed"
		case "lodash":
			d.Latest, d.Outdated = "4.17.21", "patch"
			d.Licence, d.LicenceSource, d.LicenceVerdict = "MIT", "lockfile", "allowed"
		case "golang.org/x/net":
			d.Deprecated = "use golang.org/x/net v0.30.0 or later"
			d.Licence, d.LicenceSource, d.LicenceVerdict = "GPL-3.0-only", "vendor/golang.org/x/net/LICENSE", "denied"
			d.Notes = []string{"registry: proxy.golang.org unreachable"}
		case "stdlib", "toolchain":
			d.Outdated = "current"
			d.Yanked = "yes"
		}
	}
	r.Problems = []string{"web/package.json:1: unexpected end of JSON input"}
	return r
}
