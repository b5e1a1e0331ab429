package scan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan/osv"
)

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A project with Go, Python and npm lockfiles against depscan/osv's fixtures, which
// are modelled on GO-2022-0969, PYSEC-2022-213 and two lodash GHSAs.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "go.mod", "module example.com/shop\n\ngo 1.19.0\n\nrequire golang.org/x/net v0.0.0-20220722155237-a158d28d115b\n")
	write(t, dir, "requirements.txt", "Django==3.2.5\nrequests==2.31.0\n")
	write(t, dir, "package.json", `{"name":"shop","dependencies":{"lodash":"^4.17.0"}}`)
	write(t, dir, "package-lock.json", `{"name":"shop","lockfileVersion":3,"packages":{"":{"name":"shop","dependencies":{"lodash":"^4.17.0"}},"node_modules/lodash":{"version":"4.17.15"}}}`)
	db, err := osv.LoadDir(context.Background(), "../osv/testdata/db")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Options{Root: dir, DB: db, Now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Schema != SchemaVersion || len(r.Projects) != 1 {
		t.Fatalf("report %+v", r)
	}
	p := r.Projects[0]
	got := map[string]Finding{}
	for _, f := range p.Findings {
		got[f.Package+" "+f.ID] = f
	}
	// GO-2022-0969 and PYSEC-2022-213 carry no severity of their own; their GHSA
	// aliases' vectors rate them (A:H alone 7.5, the Django injection 9.8). The
	// stdlib entry merges with no GHSA of stdlib, so it stays unknown.
	for key, want := range map[string]struct{ severity, fixed string }{
		"stdlib GO-2022-0969":           {"unknown", "1.19.1"},
		"golang.org/x/net GO-2022-0969": {"high", "0.0.0-20220906165146-f3363e06e74c"},
		"django PYSEC-2022-213":         {"critical", "3.2.14"},
		"lodash GHSA-35jh-r3h4-6jhm":    {"high", "4.17.21"},
		// CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H scores 7.4.
		"lodash GHSA-p6mc-m468-83gw": {"high", "4.17.19"},
	} {
		f, ok := got[key]
		if !ok {
			t.Errorf("missing finding %s (have %v)", key, got)
			continue
		}
		if f.Severity != want.severity || f.FixedIn != want.fixed {
			t.Errorf("%s: severity %s fixed %s, want %s and %s", key, f.Severity, f.FixedIn, want.severity, want.fixed)
		}
	}
	if f := got["lodash GHSA-p6mc-m468-83gw"]; f.Score == nil || *f.Score != 7.4 {
		t.Errorf("lodash GHSA-p6mc: CVSS score %v, want 7.4", f.Score)
	}
	if len(p.Findings) != 5 {
		t.Errorf("%d findings, want 5: %v", len(p.Findings), p.Findings)
	}
	// A critical vulnerability caps the project at 40.
	if p.Health > 40 {
		t.Errorf("health %d with a critical vulnerability", p.Health)
	}
	for _, th := range []string{"critical", "high", "low"} {
		if err := Fail(r, th); !errors.Is(err, ErrFound) {
			t.Errorf("Fail(%s) = %v", th, err)
		}
	}
	r.Projects[0].Findings = r.Projects[0].Findings[:0]
	if err := Fail(r, "low"); err != nil {
		t.Errorf("Fail(low) without findings = %v", err)
	}
	if err := Fail(r, "severe"); err == nil {
		t.Error("Fail accepted an unknown threshold")
	}
}
