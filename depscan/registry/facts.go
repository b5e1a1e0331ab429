package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/semver"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

// facts is what one registry says of one package: the part of its documents the
// answers need, and all the disk cache keeps.
type facts struct {
	Latest string `json:"latest,omitempty"`
	// Deprecated and DeprecationMessage are a whole-package deprecation (Go's
	// module comment); npm deprecates per version (release.Deprecated).
	Deprecated         bool   `json:"deprecated,omitempty"`
	DeprecationMessage string `json:"deprecation_message,omitempty"`
	// License is a package-wide licence (PyPI's latest release).
	License  string             `json:"license,omitempty"`
	Releases map[string]release `json:"releases,omitempty"`
	// Retracted are a Go module's retract directives.
	Retracted []retraction `json:"retracted,omitempty"`
	// Alias maps a version as reported (Go's "v1.22.0") to the one the registry
	// serves it under (golang.org/toolchain's "v0.0.1-go1.22.0.linux-amd64").
	Alias map[string]string `json:"alias,omitempty"`
	Notes []string          `json:"notes,omitempty"`
}

type release struct {
	Time               time.Time `json:"time,omitzero"`
	Deprecated         bool      `json:"deprecated,omitempty"`
	DeprecationMessage string    `json:"deprecation_message,omitempty"`
	Yanked             bool      `json:"yanked,omitempty"`
	YankReason         string    `json:"yank_reason,omitempty"`
	License            string    `json:"license,omitempty"`
	// Unlisted marks a version the registry was asked about and does not have,
	// so that it is not asked again until the entry expires.
	Unlisted bool `json:"unlisted,omitempty"`
}

type retraction struct {
	Low       string `json:"low"`
	High      string `json:"high"`
	Rationale string `json:"rationale,omitempty"`
}

func (r retraction) covers(v string) bool {
	return semver.IsValid(v) && semver.Compare(r.Low, v) <= 0 && semver.Compare(v, r.High) <= 0
}

// source is one registry's protocol.
type source interface {
	// fetch asks the registry about the package; used are the versions in use,
	// for registries that answer per version.
	fetch(ctx context.Context, r *run, name string, used []string) (*facts, error)
	// complete asks for what cached facts lack about versions used since (Go's
	// per-version .info) and reports whether it added anything.
	complete(ctx context.Context, r *run, name string, f *facts, used []string) (bool, error)
}

// lookup answers one distinct package for each version used of it.
func (r *run) lookup(ctx context.Context, t *target) map[string]Info {
	out := map[string]Info{}
	fail := func(err error) map[string]Info {
		for _, v := range t.used {
			out[v] = Info{Err: err}
		}
		return out
	}
	src, cacheName, offline, err := r.c.source(t.eco, t.name)
	if err != nil {
		return fail(err)
	}
	f, fromCache, stale, notes, err := r.facts(ctx, t.eco, cacheName, src, t.used, offline || r.c.o.Offline)
	if err != nil {
		return fail(fmt.Errorf("%s %s: %w", t.eco, t.name, err))
	}
	for _, v := range t.used {
		info := f.answer(t.eco, v)
		info.FromCache, info.Stale = fromCache, stale
		info.Notes = append(append(info.Notes, notes...), f.Notes...)
		out[v] = info
	}
	return out
}

// facts returns the package's facts from the cache while fresh, else from the
// registry, else (the registry failing) from a stale cache entry.
func (r *run) facts(ctx context.Context, eco depscan.Ecosystem, name string, src source, used []string, offline bool) (f *facts, fromCache, stale bool, notes []string, err error) {
	cached, fetched, cerr := r.c.cache.load(eco, name)
	if cerr != nil {
		notes = append(notes, cerr.Error())
	}
	now := r.c.now()
	fresh := cached != nil && now.Sub(fetched) < r.c.o.TTL
	if offline {
		if cached == nil {
			return nil, false, false, notes, ErrOffline
		}
		return cached, true, !fresh, notes, nil
	}
	if fresh {
		changed, err := src.complete(ctx, r, name, cached, used)
		if err != nil {
			notes = append(notes, fmt.Sprintf("used version not looked up: %v", err))
		}
		if changed {
			if err := r.c.cache.save(eco, name, cached, fetched); err != nil {
				notes = append(notes, err.Error())
			}
		}
		return cached, true, false, notes, nil
	}
	f, err = src.fetch(ctx, r, name, used)
	if err != nil {
		if cached != nil && !errors.Is(err, ErrNotFound) {
			notes = append(notes, fmt.Sprintf("stale cache used: %v", err))
			return cached, true, true, notes, nil
		}
		return nil, false, false, notes, err
	}
	if err := r.c.cache.save(eco, name, f, now); err != nil {
		notes = append(notes, err.Error())
	}
	return f, false, false, notes, nil
}

// release returns the facts of version v, matching by the ecosystem's equality
// when the spelling differs (PyPI's "1.0" is "1.0.0").
func (f *facts) release(eco depscan.Ecosystem, v string) (release, bool) {
	if rel, ok := f.Releases[v]; ok {
		return rel, !rel.Unlisted
	}
	pv, err := version.Parse(eco, v)
	if err != nil {
		return release{}, false
	}
	for k, rel := range f.Releases {
		if kv, err := version.Parse(eco, k); err == nil && kv.Compare(pv) == 0 && !rel.Unlisted {
			return rel, true
		}
	}
	return release{}, false
}

// answer is the Info for version used of the package.
func (f *facts) answer(eco depscan.Ecosystem, used string) Info {
	info := Info{Latest: f.Latest, License: f.License, Deprecated: f.Deprecated, DeprecationMessage: f.DeprecationMessage}
	if rel, ok := f.release(eco, f.Latest); ok {
		info.LatestTime = rel.Time
	}
	if used == "" {
		info.Notes = append(info.Notes, "no version pinned: not compared with the latest")
		return info
	}
	if rel, ok := f.release(eco, used); ok {
		info.VersionTime = rel.Time
		if rel.Deprecated {
			info.Deprecated, info.DeprecationMessage = true, rel.DeprecationMessage
		}
		info.Yanked, info.YankReason = rel.Yanked, rel.YankReason
		if rel.License != "" {
			info.License = rel.License
		}
	} else if rel, known := f.Releases[used]; eco != depscan.Go || (known && rel.Unlisted) {
		info.Notes = append(info.Notes, fmt.Sprintf("version %s is not known to the registry", used))
	}
	for _, rt := range f.Retracted {
		if rt.covers(used) {
			info.Yanked, info.YankReason = true, rt.Rationale
			break
		}
	}
	if f.Latest != "" {
		behind, majors, err := Outdated(used, f.Latest, eco)
		if err != nil {
			info.Notes = append(info.Notes, err.Error())
		} else {
			info.Compared, info.Behind, info.MajorsBehind = true, behind, majors
		}
	}
	return info
}

// source picks the registry for a package: the source, the name it is cached
// under, and whether it can only be answered from the cache.
func (c *Client) source(eco depscan.Ecosystem, name string) (source, string, bool, error) {
	switch eco {
	case depscan.Go:
		if name == "stdlib" || name == "toolchain" {
			return goSource{c.proxies, true}, toolchainModule, goOffline(c.proxies), nil
		}
		if matchPrivate(c.o.GoPrivate, name) {
			return nil, "", false, fmt.Errorf("%s: %w", name, ErrPrivate)
		}
		return goSource{c.proxies, false}, name, goOffline(c.proxies), nil
	case depscan.Npm:
		return npmSource{c.o.NpmURL}, name, false, nil
	case depscan.PyPI:
		n := normalizePyPI(name)
		return pypiSource{c.o.PyPIURL}, n, false, nil
	}
	return nil, "", false, fmt.Errorf("%s %s: %w %q", eco, name, ErrUnsupported, eco)
}
