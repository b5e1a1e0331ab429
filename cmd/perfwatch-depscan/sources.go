package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/perfwatch/perfwatch/depscan/licence"
	"github.com/perfwatch/perfwatch/depscan/registry"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

// sourceFlags are what scan and serve consult besides the advisories: the
// registries, the licence policy and the module cache, and where answers are cached.
type sourceFlags struct {
	cacheDir    *string
	registry    *bool
	offline     *bool
	ttl         *time.Duration
	concurrency *int
	timeout     *time.Duration
	npmURL      *string
	pypiURL     *string
	policy      *string
	goLicences  *bool
}

func addSourceFlags(cmd *kingpin.CmdClause) *sourceFlags {
	defaultCache := ""
	if d, err := os.UserCacheDir(); err == nil {
		defaultCache = filepath.Join(d, "perfwatch-depscan")
	}
	return &sourceFlags{
		cacheDir: cmd.Flag("cache.dir", "Where registry answers, OSV API entries, the all.zip indexes and Go licences are kept between runs; empty keeps nothing.").
			Default(defaultCache).String(),
		registry: cmd.Flag("registry", "Ask the registries (Go module proxy, npm, PyPI) for latest versions, release ages and deprecation (--no-registry: leave them unknown).").
			Default("true").Bool(),
		offline: cmd.Flag("registry.offline", "Answer registry questions from the cache only, however old; nothing is sent.").Bool(),
		ttl: cmd.Flag("registry.ttl", "How long a cached registry answer is used without asking again.").
			Default(registry.DefaultTTL.String()).Duration(),
		concurrency: cmd.Flag("registry.concurrency", "Packages looked up at once.").
			Default(fmt.Sprint(registry.DefaultConcurrency)).Int(),
		timeout: cmd.Flag("registry.timeout", "Timeout of each registry request.").
			Default(registry.DefaultTimeout.String()).Duration(),
		npmURL: cmd.Flag("registry.npm-url", "The npm registry (or a mirror of it). The Go module proxy is GOPROXY's, with GOPRIVATE and GONOPROXY honoured, as for the go command.").
			Default(registry.DefaultNpmURL).String(),
		pypiURL: cmd.Flag("registry.pypi-url", "PyPI's JSON API (or a mirror serving /pypi/<name>/json).").
			Default(registry.DefaultPyPIURL).String(),
		policy: cmd.Flag("licence.policy", "Licence policy file (allow, review and deny lists, per-project overrides; docs/depscan.md); empty uses the default policy.").
			Default("").String(),
		goLicences: cmd.Flag("licence.go", "Detect Go modules' licences from their LICENSE files in the module cache (GOMODCACHE) with licensecheck (--no-licence.go: leave them unknown).").
			Default("true").Bool(),
	}
}

// options fills o's registry, policy and Go licence sources from the flags. A
// module cache that cannot be found leaves Go licences unknown (the report says so)
// and is told on warn, not failed.
func (f *sourceFlags) options(ctx context.Context, o *scan.Options, progress func(done, total int), warn func(string)) error {
	if *f.policy != "" {
		p, err := licence.LoadPolicy(*f.policy)
		if err != nil {
			return fmt.Errorf("licence.policy: %w", err)
		}
		o.Policy = p
	}
	if *f.registry {
		o.Registry = registry.New(registry.Options{
			NpmURL:      *f.npmURL,
			PyPIURL:     *f.pypiURL,
			CacheDir:    f.sub("registry"),
			TTL:         *f.ttl,
			Concurrency: *f.concurrency,
			Timeout:     *f.timeout,
			Offline:     *f.offline,
			Progress:    progress,
		})
	}
	if *f.goLicences {
		modCache, err := licence.ModCache(ctx)
		if err != nil {
			warn(fmt.Sprintf("Go module licences not detected: %v", err))
		} else {
			o.GoLicences = &licence.GoLicences{ModCache: modCache, CacheDir: f.sub("licence-go")}
		}
	}
	return nil
}

// sub is a directory under --cache.dir, or "" without one.
func (f *sourceFlags) sub(name string) string {
	if *f.cacheDir == "" {
		return ""
	}
	return filepath.Join(*f.cacheDir, name)
}
