package osv

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

// testPackages are packages the fixtures in testdata/db are about, plus ones
// none is about, each at a vulnerable and a clean version.
var testPackages = []depscan.Package{
	{Ecosystem: depscan.Go, Name: "golang.org/x/net", Version: "v0.0.0-20220826154423-83b083e8dc8b"},
	{Ecosystem: depscan.Go, Name: "golang.org/x/net", Version: "v0.1.0"},
	{Ecosystem: depscan.Go, Name: "stdlib", Version: "go1.18.5"},
	{Ecosystem: depscan.Go, Name: "toolchain", Version: "go1.21rc2"},
	{Ecosystem: depscan.Npm, Name: "lodash", Version: "4.17.15"},
	{Ecosystem: depscan.Npm, Name: "lodash", Version: "4.17.21"},
	{Ecosystem: depscan.Npm, Name: "@scope/Pre", Version: "3.0.0-beta.1"},
	{Ecosystem: depscan.Npm, Name: "limited", Version: "9.0.0"},
	{Ecosystem: depscan.Npm, Name: "badrange", Version: "5.0.1"},
	{Ecosystem: depscan.PyPI, Name: "Django", Version: "3.2.13"},
	{Ecosystem: depscan.PyPI, Name: "versions_only_pkg", Version: "1.1b1"},
	{Ecosystem: "Debian", Name: "openssl", Version: "1.1.1n-0+deb11u3"},
	{Ecosystem: depscan.Npm, Name: "left-pad", Version: "1.0.0"},
}

// matchAll is every package's findings, the observable result of a load.
func matchAll(db *DB, pkgs []depscan.Package) map[string][]Finding {
	out := make(map[string][]Finding)
	for _, p := range pkgs {
		out[fmt.Sprintf("%s %s@%s", p.Ecosystem, p.Name, p.Version)] = db.Match(p)
	}
	return out
}

func problemStrings(db *DB) []string {
	var out []string
	for _, p := range db.Problems() {
		out = append(out, p.Error())
	}
	slices.Sort(out)
	return out
}

// TestLoadForSameFindings checks the narrowed load against LoadDir, the full
// load, on a directory, an all.zip and osv-scanner's layout, with and without an
// index: the same findings for the packages it was narrowed to.
func TestLoadForSameFindings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "local", "osv-scanner", "npm", "all.zip")
	writeZip(t, zipPath)
	for _, path := range []string{"testdata/db", zipPath, filepath.Join(dir, "local")} {
		var full *DB
		var err error
		if strings.HasSuffix(path, ".zip") {
			full, err = LoadZip(path)
		} else {
			full, err = LoadDir(ctx, path)
		}
		if err != nil {
			t.Fatal(err)
		}
		want := matchAll(full, testPackages)
		for _, indexDir := range []string{"", filepath.Join(dir, "index")} {
			for run := range 2 { // the second run with an index reads it back
				db, err := Load(ctx, path, LoadOptions{Packages: testPackages, IndexDir: indexDir})
				if err != nil {
					t.Fatalf("Load(%s): %v", path, err)
				}
				if got := matchAll(db, testPackages); !reflect.DeepEqual(got, want) {
					t.Errorf("Load(%s, index %q) run %d findings differ:\n got %v\nwant %v", path, indexDir, run, got, want)
				}
				// Entry problems are reported whatever the packages; the bad range only
				// when its entry is loaded, which badrange in testPackages makes it.
				if got, wantP := problemStrings(db), problemStrings(full); !slices.Equal(got, wantP) {
					t.Errorf("Load(%s, index %q) run %d problems:\n got %q\nwant %q", path, indexDir, run, got, wantP)
				}
			}
		}
		none, err := Load(ctx, path, LoadOptions{Packages: []depscan.Package{}})
		if err != nil {
			t.Fatal(err)
		}
		if none.Len() != 0 {
			t.Errorf("Load(%s) for no packages loaded %d entries", path, none.Len())
		}
		all, err := Load(ctx, path, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if all.Len() != full.Len() {
			t.Errorf("Load(%s) without Packages: Len() = %d, want %d", path, all.Len(), full.Len())
		}
	}
}

func writeEntries(t *testing.T, path string, entries map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func entryJSON(id, modified, pkg, fixed string) string {
	return fmt.Sprintf(`{"id": %q, "modified": %q, "affected": [{"package": {"ecosystem": "npm", "name": %q},
		"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": %q}]}]}]}`, id, modified, pkg, fixed)
}

// TestLoadForNewerCopy checks that the narrowed load keeps the copy LoadDir
// keeps when an id appears twice: the later modified, even when it no longer
// names the package, and of equal times the one met last.
func TestLoadForNewerCopy(t *testing.T) {
	ctx := context.Background()
	pkgs := []depscan.Package{{Ecosystem: depscan.Npm, Name: "a", Version: "1.0.0"}, {Ecosystem: depscan.Npm, Name: "b", Version: "1.0.0"}}
	for _, tt := range []struct {
		name          string
		first, second string // in a/all.zip and b/all.zip, met in that order
	}{
		{"newer drops the package", entryJSON("X-1", "2025-02-01T00:00:00Z", "other", "2.0.0"), entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "2.0.0")},
		{"newer moves the package", entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "2.0.0"), entryJSON("X-1", "2025-02-01T00:00:00Z", "b", "2.0.0")},
		{"newer changes the fix", entryJSON("X-1", "2025-03-01T00:00:00Z", "a", "1.5.0"), entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "2.0.0")},
		{"equal times, last met wins", entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "1.5.0"), entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "2.0.0")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeEntries(t, filepath.Join(dir, "a", "all.zip"), map[string]string{"X-1.json": tt.first})
			writeEntries(t, filepath.Join(dir, "b", "all.zip"), map[string]string{"X-1.json": tt.second})
			full, err := LoadDir(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			db, err := Load(ctx, dir, LoadOptions{Packages: pkgs, IndexDir: filepath.Join(dir, "index")})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := matchAll(db, pkgs), matchAll(full, pkgs); !reflect.DeepEqual(got, want) {
				t.Errorf("findings\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestIndexRebuilt checks that an index is used when it describes the export,
// and rebuilt, never trusted, when the export changed or the index is damaged.
func TestIndexRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "all.zip")
	indexDir := filepath.Join(dir, "index")
	pkgs := []depscan.Package{{Ecosystem: depscan.Npm, Name: "a", Version: "1.0.0"}}
	fixedIn := func(t *testing.T) string {
		t.Helper()
		db, err := Load(ctx, zipPath, LoadOptions{Packages: pkgs, IndexDir: indexDir})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range db.Problems() {
			t.Errorf("problem: %v", p)
		}
		f := db.Match(pkgs[0])
		if len(f) != 1 {
			return fmt.Sprintf("%d findings", len(f))
		}
		return f[0].FixedIn
	}
	writeEntries(t, zipPath, map[string]string{"X-1.json": entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "2.0.0")})
	if got := fixedIn(t); got != "2.0.0" {
		t.Fatalf("first load: %s", got)
	}
	index, err := cachePath(indexDir, zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(index); err != nil {
		t.Fatalf("no index written: %v", err)
	}

	// The index is what a load reads: one whose records say X-1 is about another
	// package, with a valid checksum for this export, hides the finding. That is
	// the proof it is used; the checks below show when it is not.
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	members, err := membersOf(&zr.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := keyOf(t, zipPath)
	zr.Close()
	var s sketch
	s.ID, s.Modified = "X-1", "2025-01-01T00:00:00Z"
	s.Affected = make([]struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
	}, 1)
	s.Affected[0].Package.Ecosystem, s.Affected[0].Package.Name = "npm", "other"
	if err := writeCache(index, key, members, appendSketch(nil, 0, &s)); err != nil {
		t.Fatal(err)
	}
	if got := fixedIn(t); got != "0 findings" {
		t.Fatalf("a valid index was not used: %s", got)
	}
	// One with this export's key and a valid checksum whose records name a member
	// the export does not have is not used: it is rebuilt.
	if err := writeCache(index, key, members, appendSketch(nil, 7, &s)); err != nil {
		t.Fatal(err)
	}
	if got := fixedIn(t); got != "2.0.0" {
		t.Fatalf("an index naming member 7 of 1 was used: %s", got)
	}

	// The export changes: the same path, another fix. The old index is stale.
	writeEntries(t, zipPath, map[string]string{"X-1.json": entryJSON("X-1", "2025-02-01T00:00:00Z", "a", "1.5.0")})
	if got := fixedIn(t); got != "1.5.0" {
		t.Errorf("after the export changed: %s, want 1.5.0", got)
	}
	// A member added with the same content elsewhere changes the key too.
	writeEntries(t, zipPath, map[string]string{
		"X-1.json": entryJSON("X-1", "2025-02-01T00:00:00Z", "a", "1.5.0"),
		"X-2.json": entryJSON("X-2", "2025-02-01T00:00:00Z", "a", "1.2.0"),
	})
	db, err := Load(ctx, zipPath, LoadOptions{Packages: pkgs, IndexDir: indexDir})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(db.Match(pkgs[0])); n != 2 {
		t.Errorf("after a member was added: %d findings, want 2", n)
	}

	// Damaged indexes: each is rebuilt and the load is right.
	writeEntries(t, zipPath, map[string]string{"X-1.json": entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "2.0.0")})
	if got := fixedIn(t); got != "2.0.0" {
		t.Fatalf("rewritten export: %s", got)
	}
	good, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	flip := slices.Clone(good)
	flip[len(cacheMagic)+sha256.Size+3] ^= 0x20 // a byte of the records
	otherVersion := slices.Clone(good)
	otherVersion[len(cacheMagic)-1] = '0'
	for name, data := range map[string][]byte{
		"flipped byte": flip,
		"truncated":    good[:len(good)-5],
		"empty":        {},
		"version":      otherVersion,
		"garbage":      []byte(strings.Repeat("PWOSVIX1", 20)),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(index, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if got := fixedIn(t); got != "2.0.0" {
				t.Errorf("with a damaged index: %s, want 2.0.0", got)
			}
			rebuilt, err := os.ReadFile(index)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rebuilt, good) {
				t.Error("the damaged index was not rebuilt")
			}
		})
	}
}

// TestIndexDirUnwritable checks that an index that cannot be written costs a
// Problem, not the load.
func TestIndexDirUnwritable(t *testing.T) {
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "all.zip")
	writeEntries(t, zipPath, map[string]string{"X-1.json": entryJSON("X-1", "2025-01-01T00:00:00Z", "a", "2.0.0")})
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pkg := depscan.Package{Ecosystem: depscan.Npm, Name: "a", Version: "1.0.0"}
	db, err := Load(context.Background(), zipPath, LoadOptions{Packages: []depscan.Package{pkg}, IndexDir: filepath.Join(blocker, "index")})
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Match(pkg)) != 1 {
		t.Error("finding lost")
	}
	if p := db.Problems(); len(p) != 1 || !strings.Contains(p[0].Error(), "index directory") {
		t.Errorf("problems = %v, want the index directory's", p)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	pkgs := []depscan.Package{{Ecosystem: depscan.Npm, Name: "a", Version: "1.0.0"}}
	if _, err := Load(context.Background(), filepath.Join(dir, "missing"), LoadOptions{Packages: pkgs}); err == nil {
		t.Error("Load of a missing path succeeded")
	}
	notZip := filepath.Join(dir, "all.zip")
	if err := os.WriteFile(notZip, []byte("PK not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), notZip, LoadOptions{Packages: pkgs}); err == nil || !strings.Contains(err.Error(), notZip) {
		t.Errorf("Load of a broken zip: %v, want an error naming it", err)
	}
	// In a directory, a broken zip is a problem of the directory's load.
	db, err := Load(context.Background(), dir, LoadOptions{Packages: pkgs})
	if err != nil || len(db.Problems()) != 1 {
		t.Errorf("Load of a directory with a broken zip: %v, problems %v", err, db.Problems())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, "testdata/db", LoadOptions{Packages: pkgs}); err == nil {
		t.Error("Load with a cancelled context succeeded")
	}
}

// FuzzRecords feeds arbitrary bytes to the record walker and the index parser,
// as a damaged index file would: they may fail, never panic, and what they
// accept they accept whole; and any entry survives encoding and walking intact.
func FuzzRecords(f *testing.F) {
	var s sketch
	s.ID, s.Modified, s.Withdrawn = `GHSA-"q\u00e9"`, "2025-01-01T00:00:00Z", "x"
	s.Affected = make([]struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
	}, 2)
	s.Affected[0].Package.Ecosystem, s.Affected[0].Package.Name = "npm", `@sc\ope/'é'`
	s.Affected[1].Package.Ecosystem, s.Affected[1].Package.Name = "PyPI:x", "日本"
	seed := appendSketch(nil, 3, &s)
	seed = appendProblem(seed, 9, fmt.Errorf("bad \"entry\""))
	f.Add(seed, "X", "npm", `\"'`)
	f.Add([]byte{}, "", "", "")
	f.Fuzz(func(t *testing.T, data []byte, id, eco, name string) {
		_ = walkRecords(data, 16, func(rec *record) error {
			rec.eachPackage(func(_, _ []byte) bool { return false })
			return nil
		})
		var k [sha256.Size]byte
		_, _, _ = parseCache(data, k)

		var s sketch
		s.ID, s.Modified = id, name
		if id == "" {
			return
		}
		s.Affected = make([]struct {
			Package struct {
				Ecosystem string `json:"ecosystem"`
				Name      string `json:"name"`
			} `json:"package"`
		}, 1)
		s.Affected[0].Package.Ecosystem, s.Affected[0].Package.Name = eco, name
		n := 0
		err := walkRecords(appendSketch(nil, 5, &s), 6, func(rec *record) error {
			n++
			if rec.member != 5 || string(rec.id) != id || string(rec.modified) != name || rec.npkgs != 1 {
				t.Errorf("record %+v", rec)
			}
			rec.eachPackage(func(e, nm []byte) bool {
				if string(e) != eco || string(nm) != name {
					t.Errorf("package %q %q, want %q %q", e, nm, eco, name)
				}
				return false
			})
			return nil
		})
		if err != nil || n != 1 {
			t.Errorf("walk: %v, %d records", err, n)
		}
	})
}
