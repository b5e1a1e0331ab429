package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/health"
	"github.com/perfwatch/perfwatch/depscan/licence"
	"github.com/perfwatch/perfwatch/depscan/registry"
)

// facts is what the registries and the module cache said of the packages found,
// asked once per distinct package however many projects use it.
type facts struct {
	policy   *licence.Policy
	registry map[registry.Key]registry.Info // nil when not consulted
	goLic    map[registry.Key]licence.GoResult
	notes    []string
}

// gather asks the registries about every package found and detects the Go modules'
// licences, concurrently with each other. Neither fails the scan: what could not be
// learnt becomes a note.
func gather(ctx context.Context, o Options, found *Found) (*facts, error) {
	f := &facts{policy: o.Policy}
	if f.policy == nil {
		f.policy = licence.DefaultPolicy()
	}
	pkgs := found.Packages()
	var wg sync.WaitGroup
	if o.Registry != nil {
		wg.Go(func() { f.registry = o.Registry.Lookup(ctx, pkgs) })
	} else {
		f.notes = append(f.notes, "registries not consulted: latest versions, release ages and deprecation are unknown")
	}
	if o.GoLicences != nil {
		wg.Go(func() { f.goLic = goLicences(ctx, *o.GoLicences, pkgs, o.Concurrency) })
	} else if hasGo(pkgs) {
		f.notes = append(f.notes, "Go module licences not detected (no module cache): their licences are unknown")
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("scan %s: %w", found.Root, err)
	}
	return f, nil
}

func hasGo(pkgs []depscan.Package) bool {
	for _, p := range pkgs {
		if p.Ecosystem == depscan.Go {
			return true
		}
	}
	return false
}

// goLicences detects the licence of each distinct Go module version, at most
// concurrency at a time (licensecheck is CPU-bound).
func goLicences(ctx context.Context, g licence.GoLicences, pkgs []depscan.Package, concurrency int) map[registry.Key]licence.GoResult {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	var keys []registry.Key
	seen := map[registry.Key]bool{}
	for _, p := range pkgs {
		k := registry.KeyOf(p)
		if p.Ecosystem != depscan.Go || p.Version == "" || seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
	}
	out := make(map[registry.Key]licence.GoResult, len(keys))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency)
	for _, k := range keys {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := g.Find(ctx, k.Name, k.Version)
			mu.Lock()
			out[k] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// dependency fills one package's registry facts, licence verdict and notes, and the
// health inputs they give.
func (f *facts) dependency(project string, pkg depscan.Package, findings []Finding) (Dependency, health.Dependency) {
	d := Dependency{Package: pkg, Outdated: "unknown", Vulnerabilities: len(findings)}
	hd := health.Dependency{Vulnerabilities: map[health.Severity]int{}}
	for _, fd := range findings {
		hd.Vulnerabilities[severityOf(fd.Severity)]++
	}
	key := registry.KeyOf(pkg)
	info, asked := f.registry[key]
	if f.registry != nil {
		f.fromRegistry(&d, &hd, info, asked)
	}

	raw, source := pkg.License, "lockfile"
	if raw == "" && asked && info.Err == nil && info.License != "" {
		raw, source = info.License, "registry"
		if pkg.Ecosystem == depscan.PyPI {
			source = "registry (latest release)" // PyPI's JSON API tells only the latest's
		}
	}
	if raw == "" && pkg.Ecosystem == depscan.Go {
		if gr, ok := f.goLic[key]; ok {
			switch {
			case gr.Err != nil:
				d.Notes = append(d.Notes, "licence: "+gr.Err.Error())
			default:
				raw, source = gr.Expression, "module cache"
				if gr.Files != "" {
					source = "module cache: " + gr.Files
				}
			}
			if gr.CacheErr != nil {
				d.Notes = append(d.Notes, gr.CacheErr.Error())
			}
		}
	}
	v := f.policy.Evaluate(project, pkg.Name, raw)
	d.Licence, d.LicenceVerdict = v.Expression, verdictName(v.Licence)
	if raw != "" {
		d.LicenceSource = source
	}
	if v.Licence != health.LicenceAllowed && v.Reason != "" {
		d.Notes = append(d.Notes, "licence "+d.LicenceVerdict+": "+v.Reason)
	}
	hd.Licence = v.Licence
	return d, hd
}

// fromRegistry copies what the registry said of the used version.
func (f *facts) fromRegistry(d *Dependency, hd *health.Dependency, info registry.Info, asked bool) {
	switch {
	case !asked:
		d.Notes = append(d.Notes, "registry: not asked")
		return
	case info.Err != nil && errors.Is(info.Err, registry.ErrUnsupported):
		return
	case info.Err != nil:
		d.Notes = append(d.Notes, "registry: "+info.Err.Error())
		return
	}
	d.Latest = info.Latest
	if !info.LatestTime.IsZero() {
		t := info.LatestTime.UTC()
		d.LatestTime = &t
		hd.LatestRelease = info.LatestTime
	}
	if !info.VersionTime.IsZero() {
		t := info.VersionTime.UTC()
		d.VersionTime = &t
	}
	if info.Compared {
		d.Outdated = registry.BehindString(info.Behind)
		hd.Behind = info.Behind
		if info.Behind == health.Major {
			d.MajorsBehind = max(info.MajorsBehind, 1)
			hd.MajorsBehind = d.MajorsBehind
		}
	}
	if info.Deprecated {
		d.Deprecated = orYes(info.DeprecationMessage)
		hd.Deprecated = true
	}
	if info.Yanked {
		// A yanked or retracted version is withdrawn by its authors: the score counts
		// it as deprecated.
		d.Yanked = orYes(info.YankReason)
		hd.Deprecated = true
	}
	if info.Stale {
		d.Notes = append(d.Notes, "registry: unreachable, answered from an older cached copy")
	}
	d.Notes = append(d.Notes, info.Notes...)
}

func orYes(s string) string {
	if s == "" {
		return "yes"
	}
	return s
}

// verdictName is the report's word for a licence verdict.
func verdictName(l health.Licence) string {
	switch l {
	case health.LicenceAllowed:
		return "allowed"
	case health.LicenceReview:
		return "review"
	case health.LicenceDenied:
		return "denied"
	}
	return "unknown"
}
