package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
)

// clock is a settable now for TTL tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestCacheTTLStaleAndOffline(t *testing.T) {
	fs := newFixtureServer(t)
	o := fs.options(t)
	o.TTL = time.Hour
	clk := &clock{time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
	newClient := func(o Options) *Client {
		c := fastRetries(New(o))
		c.now = clk.now
		return c
	}
	lookup := func(c *Client) Info {
		return c.Lookup(context.Background(), []depscan.Package{leftPadPkg})[KeyOf(leftPadPkg)]
	}

	first := lookup(newClient(o))
	if first.Err != nil || first.FromCache || first.Latest != "1.3.0" {
		t.Fatalf("first lookup: %+v", first)
	}
	if n := fs.requests.Load(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}

	clk.t = clk.t.Add(59 * time.Minute)
	if got := lookup(newClient(o)); !got.FromCache || got.Stale || got.Latest != "1.3.0" || fs.requests.Load() != 1 {
		t.Errorf("within the TTL: %+v after %d requests, want the cached answer and no request", got, fs.requests.Load())
	}

	clk.t = clk.t.Add(2 * time.Minute)
	if got := lookup(newClient(o)); got.FromCache || fs.requests.Load() != 2 {
		t.Errorf("past the TTL: FromCache %v after %d requests, want a refetch", got.FromCache, fs.requests.Load())
	}

	// The registry down: the expired entry is used, marked stale, with a note.
	clk.t = clk.t.Add(2 * time.Hour)
	down := o
	down.NpmURL = "http://127.0.0.1:1"
	got := lookup(newClient(down))
	if got.Err != nil || !got.FromCache || !got.Stale || got.Latest != "1.3.0" {
		t.Errorf("registry down: %+v, want the stale cached answer", got)
	}
	if !strings.Contains(strings.Join(got.Notes, "\n"), "unreachable") {
		t.Errorf("notes %q do not say the registry is unreachable", got.Notes)
	}

	// Offline: the cache whatever its age, and ErrOffline without one.
	off := o
	off.Offline = true
	before := fs.requests.Load()
	if got := lookup(newClient(off)); got.Err != nil || !got.Stale || got.Latest != "1.3.0" {
		t.Errorf("offline with a stale entry: %+v", got)
	}
	other := depscan.Package{Ecosystem: depscan.Npm, Name: "request", Version: "2.88.2"}
	if err := newClient(off).Lookup(context.Background(), []depscan.Package{other})[KeyOf(other)].Err; !errors.Is(err, ErrOffline) {
		t.Errorf("offline without a cache entry: Err = %v, want ErrOffline", err)
	}
	if fs.requests.Load() != before {
		t.Error("offline lookups made requests")
	}
}

func TestCacheUnreachableWithoutEntry(t *testing.T) {
	c := fastRetries(New(Options{NpmURL: "http://127.0.0.1:1", CacheDir: t.TempDir()}))
	got := c.Lookup(context.Background(), []depscan.Package{leftPadPkg})[KeyOf(leftPadPkg)]
	if !errors.Is(got.Err, ErrUnreachable) || !strings.Contains(got.Err.Error(), "127.0.0.1:1 unreachable") {
		t.Errorf("Err = %v, want the registry named unreachable", got.Err)
	}
}

func TestCacheCorruptReplaced(t *testing.T) {
	fs := newFixtureServer(t)
	o := fs.options(t)
	c := New(o)
	p := c.cache.path(depscan.Npm, "left-pad")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"{not json", `{"schema":1}`, "", `{"schema":1,"fetched":"2026-12-02T08:00:00Z","facts":null}`} {
		if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		got := c.Lookup(context.Background(), []depscan.Package{leftPadPkg})[KeyOf(leftPadPkg)]
		if got.Err != nil || got.FromCache || got.Latest != "1.3.0" {
			t.Errorf("cache %q: %+v, want a fresh answer", bad, got)
		}
		if !strings.Contains(strings.Join(got.Notes, "\n"), "corrupt") {
			t.Errorf("cache %q: notes %q do not mention the corrupt file", bad, got.Notes)
		}
		if f, _, err := c.cache.load(depscan.Npm, "left-pad"); err != nil || f == nil {
			t.Errorf("cache %q not replaced: %v", bad, err)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestCacheWriteFailureIsANote(t *testing.T) {
	fs := newFixtureServer(t)
	o := fs.options(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o.CacheDir = filepath.Join(file, "cache") // below a file: cannot be created
	got := New(o).Lookup(context.Background(), []depscan.Package{leftPadPkg})[KeyOf(leftPadPkg)]
	if got.Err != nil || got.Latest != "1.3.0" {
		t.Fatalf("%+v", got)
	}
	if !strings.Contains(strings.Join(got.Notes, "\n"), "cache:") {
		t.Errorf("notes %q do not report the cache write failure", got.Notes)
	}
}

func TestCachePaths(t *testing.T) {
	c := cache{dir: "/c"}
	tests := []struct {
		eco  depscan.Ecosystem
		name string
		want string
	}{
		{depscan.Npm, "@types/node", "/c/npm/%40types%2Fnode.json"},
		{depscan.Go, "github.com/BurntSushi/toml", "/c/Go/github.com%2F%21burnt%21sushi%2Ftoml.json"},
		{depscan.Go, "github.com/burntsushi/toml", "/c/Go/github.com%2Fburntsushi%2Ftoml.json"},
		{depscan.PyPI, "../../etc/passwd", "/c/PyPI/..%2F..%2Fetc%2Fpasswd.json"},
	}
	for _, tc := range tests {
		if got := c.path(tc.eco, tc.name); got != tc.want {
			t.Errorf("path(%s, %q) = %q, want %q", tc.eco, tc.name, got, tc.want)
		}
	}
}

// A version first used after the module was cached gets its release time from
// one .info request, not a refetch of the module.
func TestGoCacheCompletesNewVersion(t *testing.T) {
	fs := newFixtureServer(t)
	o := fs.options(t)
	a := depscan.Package{Ecosystem: depscan.Go, Name: "github.com/prometheus/common", Version: "v0.62.0"}
	b := depscan.Package{Ecosystem: depscan.Go, Name: "github.com/prometheus/common", Version: "v0.50.0"}
	New(o).Lookup(context.Background(), []depscan.Package{a})
	before := len(fs.paths())
	got := New(o).Lookup(context.Background(), []depscan.Package{b})[KeyOf(b)]
	if !got.FromCache || got.VersionTime.IsZero() || !got.Yanked {
		t.Errorf("%+v, want the cached module with v0.50.0's time and retraction", got)
	}
	if p := fs.paths()[before:]; len(p) != 1 || p[0] != "/go/github.com/prometheus/common/@v/v0.50.0.info" {
		t.Errorf("requests %v, want only v0.50.0.info", p)
	}
}
