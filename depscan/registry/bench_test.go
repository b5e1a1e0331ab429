package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
)

// benchLatency is what each request to the bench registry waits before it is
// answered: about a round trip to a remote registry, so that the benchmark measures
// how well Lookup overlaps requests rather than how fast a loopback server is.
const benchLatency = 20 * time.Millisecond

// benchServer serves the recorded fixtures under many names: npm's bench-N are
// left-pad's, request's or @types/node's document in turn, and the Go module
// example.com/bench/mN is github.com/prometheus/common (list, .mod, .info), so that
// every package is a distinct one to fetch and cache, answered as the real
// registry answered. The fixture server behind it counts and delays the requests.
func benchServer(b *testing.B) (*httptest.Server, *fixtureServer) {
	fs := newFixtureServer(b)
	fs.delay = benchLatency
	inner := fs.Config.Handler
	npmDocs := []string{"/npm/left-pad", "/npm/request", "/npm/@types%2fnode"}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		switch {
		case strings.HasPrefix(p, "/npm/bench-"):
			var n int
			if _, err := fmt.Sscanf(strings.TrimPrefix(p, "/npm/bench-"), "%d", &n); err != nil {
				http.NotFound(w, r)
				return
			}
			p = npmDocs[n%len(npmDocs)]
		case strings.HasPrefix(p, "/go/example.com/bench/"):
			rest := strings.TrimPrefix(p, "/go/example.com/bench/")
			_, at, ok := strings.Cut(rest, "/")
			if !ok {
				http.NotFound(w, r)
				return
			}
			p = "/go/github.com/prometheus/common/" + at
		}
		r2 := r.Clone(r.Context())
		r2.URL.RawPath = p
		r2.URL.Path = strings.ReplaceAll(p, "%2f", "/")
		inner.ServeHTTP(w, r2)
	}))
	b.Cleanup(front.Close)
	return front, fs
}

// benchPackages are npm packages and Go modules, each distinct, at versions the
// fixtures list (so that every lookup succeeds and is compared).
func benchPackages(npm, goMods int) []depscan.Package {
	npmVersions := []string{"1.1.0", "2.88.0", "20.11.0"} // left-pad, request, @types/node
	var pkgs []depscan.Package
	for i := range npm {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Npm, Name: fmt.Sprintf("bench-%d", i), Version: npmVersions[i%len(npmVersions)]})
	}
	for i := range goMods {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Go, Name: fmt.Sprintf("example.com/bench/m%d", i), Version: "v0.62.0"})
	}
	return pkgs
}

// BenchmarkLookup looks up 500 npm packages and 200 Go modules against a registry
// answering each request after benchLatency, at several concurrencies, with an
// empty disk cache (cold: every package fetched and saved), without one (none:
// fetched, not saved) and with a filled one (warm: every answer read from disk, no
// request). A Go module takes four requests (list,
// .mod of the highest version, .info of the latest and of the used version) and an
// npm package one, so one worker needs about 500×20 ms + 200×4×20 ms = 26 s cold.
// docs/benchmarks.md has the figures and the command.
func BenchmarkLookup(b *testing.B) {
	front, fs := benchServer(b)
	pkgs := benchPackages(500, 200)
	opts := func(cacheDir string, conc int) Options {
		return Options{
			GoProxy:     front.URL + "/go",
			GoPrivate:   "-",
			NpmURL:      front.URL + "/npm",
			PyPIURL:     front.URL + "/pypi",
			CacheDir:    cacheDir,
			Concurrency: conc,
		}
	}
	check := func(b *testing.B, got map[Key]Info) {
		if len(got) != len(pkgs) {
			b.Fatalf("%d answers, want %d", len(got), len(pkgs))
		}
		for k, info := range got {
			if info.Err != nil || !info.Compared {
				b.Fatalf("%v: Err %v, Compared %v", k, info.Err, info.Compared)
			}
		}
	}
	for _, conc := range []int{1, DefaultConcurrency, 16, 32} {
		b.Run(fmt.Sprintf("cache=cold/concurrency=%d", conc), func(b *testing.B) {
			base := b.TempDir()
			start := fs.requests.Load()
			for b.Loop() {
				// Each lookup gets an empty cache directory, as a first scan does.
				b.StopTimer()
				dir, err := os.MkdirTemp(base, "cache")
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				got := New(opts(dir, conc)).Lookup(context.Background(), pkgs)
				b.StopTimer()
				check(b, got)
				b.StartTimer()
			}
			b.ReportMetric(float64(fs.requests.Load()-start)/float64(b.N), "requests/op")
		})
		if conc > 1 {
			// No disk cache at all: what the cold lookup spends saving its answers.
			b.Run(fmt.Sprintf("cache=none/concurrency=%d", conc), func(b *testing.B) {
				for b.Loop() {
					got := New(opts("", conc)).Lookup(context.Background(), pkgs)
					b.StopTimer()
					check(b, got)
					b.StartTimer()
				}
			})
		}
		b.Run(fmt.Sprintf("cache=warm/concurrency=%d", conc), func(b *testing.B) {
			dir := b.TempDir()
			// Fill the cache at full width; the answers stay fresh for DefaultTTL.
			check(b, New(opts(dir, 32)).Lookup(context.Background(), pkgs))
			start := fs.requests.Load()
			for b.Loop() {
				got := New(opts(dir, conc)).Lookup(context.Background(), pkgs)
				b.StopTimer()
				check(b, got)
				b.StartTimer()
			}
			b.ReportMetric(float64(fs.requests.Load()-start)/float64(b.N), "requests/op")
		})
	}
}
