package registry

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/health"
)

// want is the part of an Info a fixture test checks; times as RFC 3339 text,
// empty for zero.
type want struct {
	latest, latestTime, versionTime string
	behind                          health.Behind
	majors                          int
	deprecated                      string // the message; "-" for not deprecated
	yanked                          string // the reason; "-" for not yanked
	license                         string
}

func check(t *testing.T, name string, got Info, w want) {
	t.Helper()
	if got.Err != nil {
		t.Fatalf("%s: Err = %v", name, got.Err)
	}
	if got.Latest != w.latest {
		t.Errorf("%s: Latest = %q, want %q", name, got.Latest, w.latest)
	}
	for _, tc := range []struct {
		what string
		got  time.Time
		want string
	}{{"LatestTime", got.LatestTime, w.latestTime}, {"VersionTime", got.VersionTime, w.versionTime}} {
		if tc.want == "" {
			if !tc.got.IsZero() {
				t.Errorf("%s: %s = %v, want zero", name, tc.what, tc.got)
			}
		} else if !tc.got.Equal(mustTime(t, tc.want)) {
			t.Errorf("%s: %s = %v, want %s", name, tc.what, tc.got, tc.want)
		}
	}
	if !got.Compared || got.Behind != w.behind || got.MajorsBehind != w.majors {
		t.Errorf("%s: Compared %v Behind %s MajorsBehind %d, want %s %d", name, got.Compared, BehindString(got.Behind), got.MajorsBehind, BehindString(w.behind), w.majors)
	}
	if dep := w.deprecated != "-"; got.Deprecated != dep || (dep && got.DeprecationMessage != w.deprecated) {
		t.Errorf("%s: Deprecated %v %q, want %q", name, got.Deprecated, got.DeprecationMessage, w.deprecated)
	}
	if y := w.yanked != "-"; got.Yanked != y || (y && got.YankReason != w.yanked) {
		t.Errorf("%s: Yanked %v %q, want %q", name, got.Yanked, got.YankReason, w.yanked)
	}
	if got.License != w.license {
		t.Errorf("%s: License = %q, want %q", name, got.License, w.license)
	}
}

func TestLookupFixtures(t *testing.T) {
	fs := newFixtureServer(t)
	c := New(fs.options(t))
	const protobufDeprecation = `Use the "google.golang.org/protobuf" module instead.`
	tests := []struct {
		pkg  depscan.Package
		want want
	}{
		{depscan.Package{Ecosystem: depscan.Go, Name: "github.com/golang/protobuf", Version: "v1.3.2"},
			want{"v1.5.4", "2024-03-06T06:45:40Z", "2019-07-01T18:22:01Z", health.Minor, 0, protobufDeprecation, "-", ""}},
		{depscan.Package{Ecosystem: depscan.Go, Name: "github.com/golang/protobuf", Version: "v1.5.4"},
			want{"v1.5.4", "2024-03-06T06:45:40Z", "2024-03-06T06:45:40Z", health.Current, 0, protobufDeprecation, "-", ""}},
		// The go command's answers (testdata/README.md): latest v0.74.0 although
		// v1.20.99 is higher, and v0.50.0 retracted with this rationale.
		{depscan.Package{Ecosystem: depscan.Go, Name: "github.com/prometheus/common", Version: "v0.50.0"},
			want{"v0.74.0", "2026-11-12T10:52:23Z", "2024-03-07T08:27:23Z", health.Minor, 0, "-", "Critical bug in counter suffixes, please read issue https://github.com/prometheus/common/issues/605", ""}},
		{depscan.Package{Ecosystem: depscan.Go, Name: "github.com/prometheus/common", Version: "v0.62.0"},
			want{"v0.74.0", "2026-11-12T10:52:23Z", "2025-01-16T15:26:11Z", health.Minor, 0, "-", "-", ""}},
		// A retracted version above the latest is not "behind"; its retraction
		// carries no rationale of its own in the go.mod block.
		{depscan.Package{Ecosystem: depscan.Go, Name: "github.com/prometheus/common", Version: "v1.20.1"},
			want{"v0.74.0", "2026-11-12T10:52:23Z", "", health.Current, 0, "-", "", ""}},
		{depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/text", Version: "v0.3.7"},
			want{"v0.44.0", "2026-11-09T16:29:39Z", "2021-08-10T18:28:16Z", health.Minor, 0, "-", "-", ""}},
		// A pseudo-version is a pre-release of v0.0.0: minor releases behind.
		{depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/text", Version: "v0.0.0-20170915032832-14c0d48ead0c"},
			want{"v0.44.0", "2026-11-09T16:29:39Z", "", health.Minor, 0, "-", "-", ""}},
		// Upper case is case-encoded (go.dev/ref/mod#goproxy-protocol): the
		// fixture tree has only github.com/!burnt!sushi/toml.
		{depscan.Package{Ecosystem: depscan.Go, Name: "github.com/BurntSushi/toml", Version: "v1.4.0"},
			want{"v1.6.0", "2025-12-18T12:15:22Z", "2024-05-23T12:37:56Z", health.Minor, 0, "-", "-", ""}},
		{depscan.Package{Ecosystem: depscan.Go, Name: "stdlib", Version: "v1.22.0"},
			want{"v1.27.4", "2026-11-02T20:36:20Z", "2024-02-02T18:09:55Z", health.Minor, 0, "-", "-", ""}},
		{depscan.Package{Ecosystem: depscan.Go, Name: "toolchain", Version: "v1.27.4"},
			want{"v1.27.4", "2026-11-02T20:36:20Z", "2026-11-02T20:36:20Z", health.Current, 0, "-", "-", ""}},
		{depscan.Package{Ecosystem: depscan.Npm, Name: "request", Version: "2.88.0"},
			want{"2.88.2", "2024-03-13T20:02:36.49Z", "2024-11-22T23:22:40.68Z", health.Patch, 0, "request has been deprecated, see https://github.com/request/request/issues/3142", "-", "Apache-2.0"}},
		{depscan.Package{Ecosystem: depscan.Npm, Name: "request", Version: "2.9.3"},
			want{"2.88.2", "2024-03-13T20:02:36.49Z", "2024-12-13T05:44:06.671Z", health.Minor, 0, "request has been deprecated, see https://github.com/request/request/issues/3142", "-", ""}},
		{depscan.Package{Ecosystem: depscan.Npm, Name: "left-pad", Version: "0.0.3"},
			want{"1.3.0", "2024-09-05T00:40:51.026Z", "2024-11-22T23:22:31.73Z", health.Major, 1, "-", "-", "BSD"}},
		{depscan.Package{Ecosystem: depscan.Npm, Name: "left-pad", Version: "1.1.3"},
			want{"1.3.0", "2024-09-05T00:40:51.026Z", "2024-12-07T08:27:35.695Z", health.Minor, 0, "-", "-", "WTFPL"}},
		{depscan.Package{Ecosystem: depscan.Npm, Name: "@types/node", Version: "18.0.0"},
			want{"26.6.11", "2026-11-26T00:49:59Z", "2024-12-04T22:57:31.147Z", health.Major, 8, "-", "-", "MIT"}},
		{depscan.Package{Ecosystem: depscan.PyPI, Name: "sampleproject", Version: "1.2.0"},
			want{"4.0.0", "2024-11-06T22:37:09.220617Z", "2015-06-14T14:37:56.383366Z", health.Major, 3, "-", "-", "MIT"}},
		{depscan.Package{Ecosystem: depscan.PyPI, Name: "yanked-example", Version: "2.0.0"},
			want{"2.1.0", "2024-06-01T12:00:00Z", "2024-03-02T10:00:00Z", health.Minor, 0, "-", "Broken on Python 3.12, use 2.0.1", "MIT OR Apache-2.0"}},
		// PEP 440 equality: the lockfile's 1.0.0 is the registry's "1.0".
		{depscan.Package{Ecosystem: depscan.PyPI, Name: "yanked-example", Version: "1.0.0"},
			want{"2.1.0", "2024-06-01T12:00:00Z", "2023-01-10T09:00:00Z", health.Major, 1, "-", "-", "MIT OR Apache-2.0"}},
		{depscan.Package{Ecosystem: depscan.PyPI, Name: "yanked-example", Version: "2.2.0"},
			want{"2.1.0", "2024-06-01T12:00:00Z", "2024-07-01T12:00:00Z", health.Current, 0, "-", "", "MIT OR Apache-2.0"}},
	}
	var pkgs []depscan.Package
	for _, tc := range tests {
		pkgs = append(pkgs, tc.pkg)
	}
	got := c.Lookup(context.Background(), pkgs)
	if len(got) != len(tests) {
		t.Errorf("Lookup returned %d answers, want %d", len(got), len(tests))
	}
	for _, tc := range tests {
		check(t, tc.pkg.Name+"@"+tc.pkg.Version, got[KeyOf(tc.pkg)], tc.want)
	}
}

// One fetch per distinct package, however many projects and versions use it.
func TestLookupOneFetchPerPackage(t *testing.T) {
	fs := newFixtureServer(t)
	c := New(fs.options(t))
	var pkgs []depscan.Package
	for i := range 50 {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Npm, Name: "left-pad", Version: []string{"1.3.0", "1.1.3"}[i%2], Source: "p" + string(rune('a'+i%26))})
	}
	got := c.Lookup(context.Background(), pkgs)
	if len(got) != 2 {
		t.Errorf("%d answers, want 2 (one per used version)", len(got))
	}
	if n := fs.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1: %v", n, fs.paths())
	}
}

func TestLookupNotFoundAndUnsupported(t *testing.T) {
	fs := newFixtureServer(t)
	c := New(fs.options(t))
	pkgs := []depscan.Package{
		{Ecosystem: depscan.Npm, Name: "no-such-package", Version: "1.0.0"},
		{Ecosystem: depscan.Go, Name: "example.com/none", Version: "v1.0.0"},
		{Ecosystem: depscan.PyPI, Name: "nonexistent", Version: "1.0"},
		{Ecosystem: "crates.io", Name: "serde", Version: "1.0.0"},
	}
	got := c.Lookup(context.Background(), pkgs)
	for i, p := range pkgs {
		want := ErrNotFound
		if i == 3 {
			want = ErrUnsupported
		}
		if err := got[KeyOf(p)].Err; !errors.Is(err, want) {
			t.Errorf("%s: Err = %v, want %v", p.Name, err, want)
		}
	}
}

func TestLookupProgress(t *testing.T) {
	fs := newFixtureServer(t)
	o := fs.options(t)
	var calls []int
	o.Progress = func(done, total int) {
		if total != 3 {
			t.Errorf("total = %d, want 3", total)
		}
		calls = append(calls, done)
	}
	c := New(o)
	c.Lookup(context.Background(), []depscan.Package{
		{Ecosystem: depscan.Npm, Name: "left-pad", Version: "1.3.0"},
		{Ecosystem: depscan.Npm, Name: "request", Version: "2.88.2"},
		{Ecosystem: depscan.PyPI, Name: "sampleproject", Version: "4.0.0"},
		{Ecosystem: depscan.PyPI, Name: "sampleproject", Version: "1.2.0"},
	})
	if !slices.Equal(calls, []int{1, 2, 3}) {
		t.Errorf("Progress calls %v, want 1, 2, 3", calls)
	}
}

func TestUnpinnedVersion(t *testing.T) {
	fs := newFixtureServer(t)
	c := New(fs.options(t))
	p := depscan.Package{Ecosystem: depscan.PyPI, Name: "sampleproject"}
	info := c.Lookup(context.Background(), []depscan.Package{p})[KeyOf(p)]
	if info.Err != nil || info.Latest != "4.0.0" || info.Compared {
		t.Errorf("unpinned: %+v, want Latest 4.0.0 and no comparison", info)
	}
}
