package osv

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

func loadTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := LoadDir(context.Background(), "testdata/db")
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	return db
}

// TestMatch exercises each matching rule against the hand-written fixtures in
// testdata/db (real entries abridged, plus synthetic TEST- ones).
func TestMatch(t *testing.T) {
	db := loadTestDB(t)
	tests := []struct {
		name    string
		pkg     depscan.Package
		want    []string // finding ids
		fixedIn []string // parallel to want
	}{
		// Go: pseudo-versions order as pre-releases of v0.0.0; GO id wins over GHSA.
		{"go pseudo before fix", depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/net", Version: "v0.0.0-20220826154423-83b083e8dc8b"}, []string{"GO-2022-0969"}, []string{"0.0.0-20220906165146-f3363e06e74c"}},
		{"go pseudo at fix", depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/net", Version: "v0.0.0-20220906165146-f3363e06e74c"}, nil, nil},
		{"go tagged after fix", depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/net", Version: "v0.1.0"}, nil, nil},
		{"go path is case-sensitive", depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/Net", Version: "v0.0.0-20220826154423-83b083e8dc8b"}, nil, nil},
		// stdlib: introduced 0 and a second range; toolchain entries apart from stdlib.
		{"stdlib first range", depscan.Package{Ecosystem: depscan.Go, Name: "stdlib", Version: "go1.18.5"}, []string{"GO-2022-0969"}, []string{"1.18.6"}},
		{"stdlib between ranges", depscan.Package{Ecosystem: depscan.Go, Name: "stdlib", Version: "go1.18.6"}, nil, nil},
		{"stdlib second range", depscan.Package{Ecosystem: depscan.Go, Name: "stdlib", Version: "v1.19.0"}, []string{"GO-2022-0969"}, []string{"1.19.1"}},
		{"toolchain", depscan.Package{Ecosystem: depscan.Go, Name: "toolchain", Version: "go1.21rc2"}, []string{"GO-2099-0001"}, []string{"1.21.0-rc.3"}},
		{"stdlib is not the toolchain", depscan.Package{Ecosystem: depscan.Go, Name: "stdlib", Version: "go1.21rc2"}, nil, nil},
		// npm: two advisories, minimal fix per finding; withdrawn TEST-0004 never appears.
		{"lodash both", depscan.Package{Ecosystem: depscan.Npm, Name: "lodash", Version: "4.17.15"}, []string{"GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"}, []string{"4.17.21", "4.17.19"}},
		{"lodash fixed one", depscan.Package{Ecosystem: depscan.Npm, Name: "lodash", Version: "4.17.19"}, []string{"GHSA-35jh-r3h4-6jhm"}, []string{"4.17.21"}},
		{"lodash before introduced", depscan.Package{Ecosystem: depscan.Npm, Name: "lodash", Version: "3.6.0"}, []string{"GHSA-35jh-r3h4-6jhm"}, []string{"4.17.21"}},
		{"lodash clean", depscan.Package{Ecosystem: depscan.Npm, Name: "lodash", Version: "4.17.21"}, nil, nil},
		{"npm name case-sensitive", depscan.Package{Ecosystem: depscan.Npm, Name: "Lodash", Version: "4.17.15"}, nil, nil},
		{"last_affected inclusive", depscan.Package{Ecosystem: depscan.Npm, Name: "last-affected", Version: "1.2.0"}, []string{"TEST-0001"}, []string{""}},
		{"after last_affected", depscan.Package{Ecosystem: depscan.Npm, Name: "last-affected", Version: "1.2.1-0"}, nil, nil},
		{"inside limit", depscan.Package{Ecosystem: depscan.Npm, Name: "limited", Version: "1.9.9"}, []string{"TEST-0002"}, []string{""}},
		{"at limit", depscan.Package{Ecosystem: depscan.Npm, Name: "limited", Version: "2.0.0"}, nil, nil},
		{"limit star", depscan.Package{Ecosystem: depscan.Npm, Name: "limited", Version: "9.0.0"}, []string{"TEST-0002"}, []string{""}},
		{"npm pre-release inside", depscan.Package{Ecosystem: depscan.Npm, Name: "@scope/Pre", Version: "3.0.0-beta.1"}, []string{"TEST-0006"}, []string{"3.0.0-beta.2"}},
		{"npm pre-release numeric order", depscan.Package{Ecosystem: depscan.Npm, Name: "@scope/Pre", Version: "3.0.0-beta.11"}, nil, nil},
		{"npm pre-release below introduced", depscan.Package{Ecosystem: depscan.Npm, Name: "@scope/Pre", Version: "3.0.0-0"}, nil, nil},
		{"git range ignored", depscan.Package{Ecosystem: depscan.Npm, Name: "gitonly", Version: "1.0.0"}, nil, nil},
		{"bad range dropped, good kept", depscan.Package{Ecosystem: depscan.Npm, Name: "badrange", Version: "5.0.1"}, []string{"TEST-0008"}, []string{"5.1.0"}},
		{"bad range not guessed", depscan.Package{Ecosystem: depscan.Npm, Name: "badrange", Version: "1.0.0"}, nil, nil},
		// PyPI: PEP 503 names, PEP 440 order, PYSEC id preferred over GHSA and CVE.
		{"django 3.2 line", depscan.Package{Ecosystem: depscan.PyPI, Name: "Django", Version: "3.2.13"}, []string{"PYSEC-2022-213"}, []string{"3.2.14"}},
		{"django 4.0 line", depscan.Package{Ecosystem: depscan.PyPI, Name: "django", Version: "4.0.5"}, []string{"PYSEC-2022-213"}, []string{"4.0.6"}},
		// Only the GHSA entry covers 4.0 pre-releases, so only it matches and names the finding.
		{"django pre-release only in GHSA range", depscan.Package{Ecosystem: depscan.PyPI, Name: "django", Version: "4.0b1"}, []string{"GHSA-p64x-8rxx-wf6q"}, []string{"4.0.6"}},
		{"django fixed", depscan.Package{Ecosystem: depscan.PyPI, Name: "django", Version: "4.0.6"}, nil, nil},
		{"django post of fix", depscan.Package{Ecosystem: depscan.PyPI, Name: "django", Version: "3.2.14.post1"}, nil, nil},
		{"pep440 before rc boundary", depscan.Package{Ecosystem: depscan.PyPI, Name: "prepkg", Version: "2.0.0b3"}, []string{"TEST-0005"}, []string{"2.0.0rc1"}},
		{"pep440 dev before rc", depscan.Package{Ecosystem: depscan.PyPI, Name: "prepkg", Version: "2.0.dev4"}, []string{"TEST-0005"}, []string{"2.0.0rc1"}},
		{"pep440 at rc boundary", depscan.Package{Ecosystem: depscan.PyPI, Name: "prepkg", Version: "2.0.0RC1"}, nil, nil},
		{"pep440 final after rc", depscan.Package{Ecosystem: depscan.PyPI, Name: "prepkg", Version: "2.0"}, nil, nil},
		{"versions list parsed equal", depscan.Package{Ecosystem: depscan.PyPI, Name: "versions-only-pkg", Version: "1.0.0"}, []string{"TEST-0003"}, []string{""}},
		{"versions list pre-release", depscan.Package{Ecosystem: depscan.PyPI, Name: "versions_only_pkg", Version: "1.1b1"}, []string{"TEST-0003"}, []string{""}},
		{"versions list not listed", depscan.Package{Ecosystem: depscan.PyPI, Name: "versions-only-pkg", Version: "1.1"}, nil, nil},
		{"versions list invalid exact", depscan.Package{Ecosystem: depscan.PyPI, Name: "versions-only-pkg", Version: "2.0-custom~build"}, []string{"TEST-0003"}, []string{""}},
		// Suffixed ecosystems match their base; unordered ranges ignored, versions kept.
		{"debian suffix versions", depscan.Package{Ecosystem: "Debian", Name: "openssl", Version: "1.1.1n-0+deb11u3"}, []string{"TEST-0007"}, []string{""}},
		{"unpinned matches nothing", depscan.Package{Ecosystem: depscan.Npm, Name: "lodash"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.Match(tt.pkg)
			var ids, fixed []string
			for _, f := range got {
				ids = append(ids, f.ID)
				fixed = append(fixed, f.FixedIn)
			}
			if !slices.Equal(ids, tt.want) || !slices.Equal(fixed, tt.fixedIn) {
				t.Errorf("Match(%+v) = ids %q fixed %q, want %q fixed %q", tt.pkg, ids, fixed, tt.want, tt.fixedIn)
			}
		})
	}
}

// TestAliasMerge checks that GO-2022-0969 and GHSA-69cg-p879-7622 become one
// finding with the union of aliases, severities and references.
func TestAliasMerge(t *testing.T) {
	db := loadTestDB(t)
	got := db.Match(depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/net", Version: "v0.0.0-20220101000000-aaaaaaaaaaaa"})
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1: %+v", len(got), got)
	}
	f := got[0]
	if f.ID != "GO-2022-0969" {
		t.Errorf("ID = %q, want GO-2022-0969", f.ID)
	}
	if want := []string{"CVE-2022-27664", "GHSA-69cg-p879-7622"}; !slices.Equal(f.Aliases, want) {
		t.Errorf("Aliases = %q, want %q", f.Aliases, want)
	}
	if f.Summary != "Denial of service in net/http and golang.org/x/net/http2" {
		t.Errorf("Summary = %q, want the GO entry's", f.Summary)
	}
	if len(f.Severity) != 1 || f.Severity[0].Type != "CVSS_V3" || f.DatabaseSeverity != "HIGH" {
		t.Errorf("Severity = %+v, DatabaseSeverity = %q; want the GHSA entry's CVSS_V3 and HIGH", f.Severity, f.DatabaseSeverity)
	}
	if len(f.References) != 3 {
		t.Errorf("References = %+v, want 3 distinct URLs", f.References)
	}

	// PyPI: the GHSA entry lists two affected[] for Django; still one finding.
	py := db.Match(depscan.Package{Ecosystem: depscan.PyPI, Name: "django", Version: "3.2.1"})
	if len(py) != 1 || py[0].ID != "PYSEC-2022-213" || !slices.Equal(py[0].Aliases, []string{"CVE-2022-34265", "GHSA-p64x-8rxx-wf6q"}) {
		t.Errorf("django findings = %+v", py)
	}
	if py[0].DatabaseSeverity != "CRITICAL" {
		t.Errorf("DatabaseSeverity = %q, want the merged GHSA's CRITICAL", py[0].DatabaseSeverity)
	}
}

func TestLoadProblems(t *testing.T) {
	db := loadTestDB(t)
	if db.Withdrawn() != 1 {
		t.Errorf("Withdrawn() = %d, want 1", db.Withdrawn())
	}
	if db.Get("TEST-0004") == nil {
		t.Error("withdrawn entry not kept for Get")
	}
	var msgs []string
	for _, p := range db.Problems() {
		msgs = append(msgs, p.Error())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{"broken.json: decoding OSV entry", "noid.json: OSV entry has no id", "TEST-0008.json (TEST-0008): npm badrange range: event \"not.a.version\""} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
	if len(msgs) != 3 {
		t.Errorf("got %d problems, want 3:\n%s", len(msgs), joined)
	}
}

// writeZip puts every testdata/db entry, one malformed member and one
// non-entry member into path.
func writeZip(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	files, err := filepath.Glob("testdata/db/*.json")
	if err != nil {
		t.Fatal(err)
	}
	add := func(name string, data []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "TEST-") || strings.HasPrefix(filepath.Base(f), "G") || strings.HasPrefix(filepath.Base(f), "P") {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			add(filepath.Base(f), data)
		}
	}
	add("bad-member.json", []byte(`{"id": 7}`))
	add("README.txt", []byte("not an entry"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestZipLayouts loads a single all.zip and osv-scanner's --local-db-path
// layout, and checks they match as the plain directory does.
func TestZipLayouts(t *testing.T) {
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "osv-scanner", "npm", "all.zip")
	writeZip(t, zipPath)
	fromZip, err := LoadZip(zipPath)
	if err != nil {
		t.Fatalf("LoadZip: %v", err)
	}
	fromDir, err := LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	for name, db := range map[string]*DB{"zip": fromZip, "local-db-path": fromDir} {
		if db.Len() != 15 {
			t.Errorf("%s: Len() = %d, want 15", name, db.Len())
		}
		probs := db.Problems()
		var member bool
		for _, p := range probs {
			if p.Member == "bad-member.json" && p.File == zipPath {
				member = true
			}
		}
		if !member {
			t.Errorf("%s: no problem naming the zip and member: %v", name, probs)
		}
		got := db.Match(depscan.Package{Ecosystem: depscan.Npm, Name: "lodash", Version: "4.17.15"})
		if len(got) != 2 {
			t.Errorf("%s: lodash findings = %+v, want 2", name, got)
		}
	}
	if _, err := LoadZip(filepath.Join(dir, "missing.zip")); err == nil {
		t.Error("LoadZip of a missing file succeeded")
	}
	if _, err := LoadDir(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadDir of a missing dir succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadDir(ctx, dir); err == nil {
		t.Error("LoadDir with a cancelled context succeeded")
	}
}

func TestNormalizeName(t *testing.T) {
	for _, tt := range []struct {
		eco      depscan.Ecosystem
		in, want string
	}{
		{depscan.PyPI, "Friendly-Bard", "friendly-bard"},
		{depscan.PyPI, "FRIENDLY-BARD", "friendly-bard"},
		{depscan.PyPI, "friendly.bard", "friendly-bard"},
		{depscan.PyPI, "friendly_bard", "friendly-bard"},
		{depscan.PyPI, "friendly--bard", "friendly-bard"},
		{depscan.PyPI, "FrIeNdLy-._.-bArD", "friendly-bard"},
		{depscan.Npm, "@Scope/Name", "@Scope/Name"},
		{depscan.Go, "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
		{depscan.Go, "toolchain", "toolchain"},
	} {
		if got := NormalizeName(tt.eco, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%s, %q) = %q, want %q", tt.eco, tt.in, got, tt.want)
		}
	}
}

// TestOversizeEntry checks the size bound: a JSON file over MaxEntryBytes is a
// Problem, not read, and the rest of the directory still loads.
func TestOversizeEntry(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, MaxEntryBytes+10)
	for i := range big {
		big[i] = ' '
	}
	if err := os.WriteFile(filepath.Join(dir, "big.json"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	ok, err := os.ReadFile("testdata/db/TEST-0001.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "TEST-0001.json"), ok, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	probs := db.Problems()
	if db.Len() != 1 || len(probs) != 1 || !strings.Contains(probs[0].Error(), "big.json: reading OSV entry: larger than") {
		t.Errorf("Len() = %d, problems %v; want 1 entry and the oversize file reported", db.Len(), probs)
	}
}

// FuzzEntry feeds arbitrary JSON through loading and matching: nothing may
// panic, and a bad entry is at worst a Problem.
func FuzzEntry(f *testing.F) {
	files, err := filepath.Glob("testdata/db/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "1.0.0")
	}
	f.Fuzz(func(t *testing.T, data []byte, ver string) {
		l := newLoader()
		l.add(data, "fuzz.json", "")
		db := l.build()
		for _, v := range db.vulns {
			for _, a := range v.Affected {
				eco := depscan.Ecosystem(baseEcosystem(a.Package.Ecosystem))
				db.Match(depscan.Package{Ecosystem: eco, Name: a.Package.Name, Version: ver})
			}
		}
	})
}

// TestMatchConcurrent runs Match from several goroutines; with -race it checks
// the promise that a loaded DB is read-only.
func TestMatchConcurrent(t *testing.T) {
	db := loadTestDB(t)
	pkg := depscan.Package{Ecosystem: depscan.Npm, Name: "lodash", Version: "4.17.15"}
	done := make(chan int)
	for range 4 {
		go func() {
			n := 0
			for range 200 {
				n += len(db.Match(pkg))
			}
			done <- n
		}()
	}
	for range 4 {
		if n := <-done; n != 400 {
			t.Errorf("got %d findings over 200 calls, want 400", n)
		}
	}
}
