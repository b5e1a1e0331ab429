package osvapi

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/osv/osvtest"
)

func TestCaches(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cache func(t *testing.T) Cache
	}{
		{"memory", func(*testing.T) Cache { return &MemoryCache{} }},
		{"dir", func(t *testing.T) Cache { return DirCache{Dir: filepath.Join(t.TempDir(), "osv")} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			entries := testdataEntries(t)
			pkgs := probePackages(entries)
			cache := tt.cache(t)
			s := osvtest.New(entries)
			c := fast(s)
			c.Cache = cache
			first, err := c.Query(ctx, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			fetched := s.Requests("vulns")
			if fetched == 0 || fetched != first.Len() {
				t.Fatalf("%d entries fetched for %d", fetched, first.Len())
			}
			s.Close()

			// A server whose entries changed: one modified later, the rest as before.
			changed := make([]*osv.Vulnerability, len(entries))
			for i, e := range entries {
				cp := *e
				changed[i] = &cp
			}
			var bumped string
			for _, e := range changed {
				if first.Get(e.ID) != nil {
					e.Modified = "2099-01-01T00:00:00Z"
					bumped = e.ID
					break
				}
			}
			s2 := osvtest.New(changed)
			defer s2.Close()
			c.BaseURL, c.HTTP = s2.URL, s2.Client()
			second, err := c.Query(ctx, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if got := s2.Requests("vulns"); got != 1 {
				t.Errorf("%d entries fetched again, want only %s", got, bumped)
			}
			compare(t, first, second, pkgs)
			if second.Get(bumped).Modified != "2099-01-01T00:00:00Z" {
				t.Errorf("%s: the stale cached copy was used", bumped)
			}
		})
	}
}

func TestDirCacheBadFilesAndIDs(t *testing.T) {
	dir := t.TempDir()
	c := DirCache{Dir: dir}
	v := &osv.Vulnerability{ID: "GO-2022-0969", Modified: "2023-01-01T00:00:00Z"}
	if err := c.Put(v); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("GO-2022-0969", "2023-01-01T00:00:00Z"); !ok {
		t.Error("stored entry not found")
	}
	if _, ok := c.Get("GO-2022-0969", "2024-01-01T00:00:00Z"); ok {
		t.Error("entry found under another modified time")
	}
	if err := os.WriteFile(filepath.Join(dir, "GO-2022-0969.json"), []byte(`{"id": "GO-`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("GO-2022-0969", "2023-01-01T00:00:00Z"); ok {
		t.Error("a truncated file is a hit")
	}
	for _, id := range []string{"../escape", "a/b", ".hidden", ""} {
		if err := c.Put(&osv.Vulnerability{ID: id}); err != nil {
			t.Errorf("Put(%q): %v", id, err)
		}
		if _, ok := c.Get(id, ""); ok {
			t.Errorf("Get(%q) hit", id)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Errorf("cache holds %d files, want 1", len(files))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.json")); err == nil {
		t.Error("an id wrote outside the cache")
	}
}
