package registry

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/health"
)

// Defaults for the Options left zero. A first lookup waits on the registries, not the
// CPU: BenchmarkLookup (docs/benchmarks.md) speeds up almost linearly to 32 at once;
// 16 is about what npm's own client opens, and halves a first scan against 8.
const (
	DefaultGoProxy     = "https://proxy.golang.org,direct"
	DefaultNpmURL      = "https://registry.npmjs.org"
	DefaultPyPIURL     = "https://pypi.org"
	DefaultConcurrency = 16
	DefaultTimeout     = 10 * time.Second
	DefaultTTL         = 24 * time.Hour
)

// Why nothing (or nothing fresh) is known of a package; Info.Err wraps one of them.
var (
	// ErrNotFound: the registry answered 404 or 410 for the package.
	ErrNotFound = errors.New("not found")
	// ErrUnreachable: the registry could not be reached, or kept failing (5xx, 429)
	// through every retry.
	ErrUnreachable = errors.New("unreachable")
	// ErrPrivate: a Go module matching the GOPRIVATE/GONOPROXY patterns, which is
	// not sent to any proxy.
	ErrPrivate = errors.New("private module (GOPRIVATE), not looked up")
	// ErrOffline: offline (Options.Offline or GOPROXY=off) and nothing cached.
	ErrOffline = errors.New("offline and not cached")
	// ErrDirect: GOPROXY leaves the module to "direct", which needs a version
	// control client that a scan does not run.
	ErrDirect = errors.New("GOPROXY=direct cannot be served without a version control client")
	// ErrUnsupported: an ecosystem this package has no registry for.
	ErrUnsupported = errors.New("no registry for ecosystem")
)

// Options configure a Client. Zero fields take the documented defaults.
type Options struct {
	// HTTPClient makes the requests; nil means one with http.DefaultTransport's
	// settings keeping Concurrency idle connections per host (Timeout bounds each
	// request, so the client needs no timeout of its own).
	HTTPClient *http.Client
	// GoProxy is a GOPROXY value: proxy URLs, "direct" and "off" separated by
	// commas or pipes. Empty means $GOPROXY, else DefaultGoProxy.
	GoProxy string
	// GoPrivate holds comma-separated module path prefix patterns
	// (module.MatchPrefixPatterns syntax) of modules never sent to a proxy. Empty
	// means $GONOPROXY, else $GOPRIVATE, as the go command reads them; "-" means none.
	GoPrivate string
	// NpmURL and PyPIURL are the registries' base URLs; empty means DefaultNpmURL
	// and DefaultPyPIURL.
	NpmURL, PyPIURL string
	// CacheDir holds the disk cache; empty disables it.
	CacheDir string
	// TTL is how long a cached answer is used without asking again; zero means
	// DefaultTTL.
	TTL time.Duration
	// Concurrency bounds how many packages are looked up at once; zero means
	// DefaultConcurrency.
	Concurrency int
	// Timeout bounds each HTTP request, body included; zero means DefaultTimeout.
	Timeout time.Duration
	// Offline answers from the cache only, whatever its age.
	Offline bool
	// Progress, when set, is called after each distinct package is looked up, with
	// how many are done out of how many. Calls are serialised.
	Progress func(done, total int)
}

// Client looks packages up in the registries. It holds no state between Lookups
// beyond its options and the disk cache, and is safe for concurrent use.
type Client struct {
	o       Options
	http    *http.Client
	proxies []proxyEntry
	cache   cache
	now     func() time.Time
	// retry backoff: attempts and the first wait (doubled each time), and the most
	// a Retry-After is honoured; tests shorten them.
	attempts int
	backoff  time.Duration
	maxWait  time.Duration
}

// New returns a Client for o, its zero fields filled with the defaults.
func New(o Options) *Client {
	if o.GoProxy == "" {
		o.GoProxy = os.Getenv("GOPROXY")
	}
	if o.GoProxy == "" {
		o.GoProxy = DefaultGoProxy
	}
	if o.GoPrivate == "" {
		o.GoPrivate = os.Getenv("GONOPROXY")
	}
	if o.GoPrivate == "" {
		o.GoPrivate = os.Getenv("GOPRIVATE")
	}
	if o.GoPrivate == "-" {
		o.GoPrivate = ""
	}
	if o.NpmURL == "" {
		o.NpmURL = DefaultNpmURL
	}
	if o.PyPIURL == "" {
		o.PyPIURL = DefaultPyPIURL
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	hc := o.HTTPClient
	if hc == nil {
		// The default transport keeps 2 idle connections per host, so at a
		// higher concurrency most requests would open a new connection.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = o.Concurrency
		hc = &http.Client{Transport: tr}
	}
	return &Client{
		o: o, http: hc, proxies: parseGoProxy(o.GoProxy), cache: cache{dir: o.CacheDir},
		now: time.Now, attempts: 4, backoff: 250 * time.Millisecond, maxWait: 10 * time.Second,
	}
}

// Key names one used version of one package: Lookup answers per used version,
// since deprecation, yanks, release time and how far behind depend on it.
type Key struct {
	Ecosystem depscan.Ecosystem
	Name      string
	Version   string
}

// KeyOf returns the Key Lookup files p's answer under.
func KeyOf(p depscan.Package) Key { return Key{p.Ecosystem, p.Name, p.Version} }

// Info is what the registry says of one used version of a package.
type Info struct {
	// Latest is the newest release (not a pre-release unless there is nothing
	// else, not retracted or yanked), LatestTime when it was published and
	// VersionTime when the used version was (zero when unknown).
	Latest      string
	LatestTime  time.Time
	VersionTime time.Time
	// Compared says Behind and MajorsBehind were computed: both versions known
	// and valid for the ecosystem.
	Compared     bool
	Behind       health.Behind
	MajorsBehind int
	// Deprecated is the registry's deprecation of the used version (npm) or of the
	// whole module (Go's "// Deprecated:" comment), with its message if it gave one.
	Deprecated         bool
	DeprecationMessage string
	// Yanked is a PyPI yank or a Go retraction covering the used version, with
	// its reason or rationale if one was given.
	Yanked     bool
	YankReason string
	// License is the licence the registry declares, as an SPDX expression where
	// the registry gives one: npm's for the used version, PyPI's for the latest
	// release (its JSON API tells no other); empty for Go, whose proxy declares none.
	License string
	// FromCache says the answer came from the disk cache; Stale that it is older
	// than the TTL, used because the registry could not be asked.
	FromCache, Stale bool
	// Err says why nothing is known (ErrNotFound, ErrUnreachable, ErrPrivate,
	// ErrOffline, ErrDirect, ErrUnsupported are wrapped); nil when Info is known.
	Err error
	// Notes tell what is worth knowing but not an error (a cache that could not
	// be written, a used version the registry does not list).
	Notes []string
}

// target is one distinct package to fetch, with the versions used of it.
type target struct {
	eco  depscan.Ecosystem
	name string
	used []string
}

// Lookup asks the registries about pkgs, one fetch per distinct (ecosystem, name),
// and returns an Info for every distinct KeyOf(pkg). It never fails as a whole:
// what could not be learnt is an Info with Err set. Cancelling ctx stops every
// request; the packages not yet answered then carry ctx's error.
func (c *Client) Lookup(ctx context.Context, pkgs []depscan.Package) map[Key]Info {
	type id struct {
		eco  depscan.Ecosystem
		name string
	}
	byID := map[id]*target{}
	var order []id
	for _, p := range pkgs {
		k := id{p.Ecosystem, p.Name}
		t := byID[k]
		if t == nil {
			t = &target{eco: p.Ecosystem, name: p.Name}
			byID[k] = t
			order = append(order, k)
		}
		t.used = append(t.used, p.Version)
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].eco != order[j].eco {
			return order[i].eco < order[j].eco
		}
		return order[i].name < order[j].name
	})

	r := &run{c: c, down: map[string]error{}}
	out := make(map[Key]Info, len(pkgs))
	var mu sync.Mutex
	done := 0
	work := make(chan *target)
	var wg sync.WaitGroup
	for range min(c.o.Concurrency, max(len(order), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				infos := r.lookup(ctx, t)
				mu.Lock()
				for v, info := range infos {
					out[Key{t.eco, t.name, v}] = info
				}
				done++
				if c.o.Progress != nil {
					c.o.Progress(done, len(order))
				}
				mu.Unlock()
			}
		}()
	}
	for _, k := range order {
		work <- byID[k]
	}
	close(work)
	wg.Wait()
	return out
}
