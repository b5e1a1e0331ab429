package licence

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The cache answers as GoModule does, keeps the answers a module's own files decide,
// and survives a damaged or foreign entry by detecting again.
func TestGoLicencesCache(t *testing.T) {
	ctx := context.Background()
	modCache := t.TempDir()
	mit, err := os.ReadFile(filepath.Join("testdata", "modcache", "github.com", "jackc", "pgx", "v5@v5.13.0", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	put := func(dir, name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(modCache, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(modCache, dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("example.com/!upper@v1.0.0", "LICENSE", mit)
	put("example.com/none@v1.0.0", "README", []byte("nothing"))
	put("example.com/custom@v1.0.0", "LICENSE", []byte("Use on Tuesdays only.\n"))

	g := GoLicences{ModCache: modCache, CacheDir: t.TempDir()}
	check := func(label string) {
		t.Helper()
		if r := g.Find(ctx, "example.com/Upper", "v1.0.0"); r.Expression != "MIT" || r.Files != "LICENSE" || r.Err != nil || r.CacheErr != nil {
			t.Errorf("%s: Upper = %+v", label, r)
		}
		if r := g.Find(ctx, "example.com/none", "v1.0.0"); !errors.Is(r.Err, ErrNoLicenceFile) {
			t.Errorf("%s: none = %+v", label, r)
		}
		if r := g.Find(ctx, "example.com/custom", "v1.0.0"); !errors.Is(r.Err, ErrUnrecognised) || r.Files != "LICENSE" {
			t.Errorf("%s: custom = %+v", label, r)
		}
		if r := g.Find(ctx, "example.com/absent", "v1.0.0"); !errors.Is(r.Err, ErrNotInModCache) {
			t.Errorf("%s: absent = %+v", label, r)
		}
	}
	check("cold")
	// Answered from the cache: the module cache's copies are gone.
	if err := os.RemoveAll(modCache); err != nil {
		t.Fatal(err)
	}
	check("warm")
	// Not being downloaded is not kept: once downloaded, it is found.
	put("example.com/absent@v1.0.0", "LICENSE", mit)
	if r := g.Find(ctx, "example.com/absent", "v1.0.0"); r.Expression != "MIT" {
		t.Errorf("downloaded later: %+v", r)
	}
	// A damaged entry and one of an older format are detected again and rewritten.
	put("example.com/!upper@v1.0.0", "LICENSE", mit)
	file := filepath.Join(g.CacheDir, "example.com", "!upper@v1.0.0.json")
	for _, bad := range []string{"{not json", `{"format":"v0","expression":"GPL-3.0-only"}`, `{"format":"` + goCacheFormat + `"}`} {
		if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := g.Find(ctx, "example.com/Upper", "v1.0.0"); r.Expression != "MIT" || r.CacheErr != nil {
			t.Errorf("after %q: %+v", bad, r)
		}
		if e, ok := readGoCache(file); !ok || e.Expression != "MIT" {
			t.Errorf("after %q: not rewritten (%+v)", bad, e)
		}
	}
	// A cache that cannot be written still answers, and says so.
	ro := GoLicences{ModCache: modCache, CacheDir: filepath.Join(file, "not-a-dir")}
	if r := ro.Find(ctx, "example.com/Upper", "v1.0.0"); r.Expression != "MIT" || r.CacheErr == nil {
		t.Errorf("unwritable cache: %+v", r)
	}
	// Without a cache directory it is GoModule.
	if r := (GoLicences{ModCache: modCache}).Find(ctx, "stdlib", "v1.26.8"); r.Expression != "BSD-3-Clause" || r.Err != nil {
		t.Errorf("stdlib: %+v", r)
	}
}
