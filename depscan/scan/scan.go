// Package scan is perfwatch-depscan's scan: it finds the projects and their lockfiles
// under a directory (depscan/lockfile), matches every package against an OSV database
// (depscan/osv, loaded from disk or fetched by depscan/osv/osvapi), rates each finding
// (depscan/cvss, else the database's own severity, else unknown), asks the registries
// how far behind and whether deprecated each package is (depscan/registry), judges
// its licence (depscan/licence) and scores each dependency's and project's health
// (depscan/health).
//
// Each source is optional: what was not consulted or could not be reached is left
// unknown and said in the dependency's notes, so an offline scan still reports what
// it knows.
package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/health"
	"github.com/perfwatch/perfwatch/depscan/licence"
	"github.com/perfwatch/perfwatch/depscan/lockfile"
	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/registry"
)

// SchemaVersion names the JSON report's layout; it changes when a field changes
// meaning or goes, not when one is added.
const SchemaVersion = "perfwatch-depscan/report/v1"

// Report is a whole scan.
type Report struct {
	Schema   string    `json:"schema"`
	Root     string    `json:"root"`
	Scanned  time.Time `json:"scanned_at"`
	Projects []Project `json:"projects"`
	// Problems are the files that could not be read or parsed, the notes the
	// parsers left (skipped entries), as "file:line: text", and the advisories the
	// database could not use.
	Problems []string `json:"problems,omitempty"`
	// Notes say which sources the scan did not consult (registries offline, no
	// module cache for Go licences), so an unknown is read as such.
	Notes []string `json:"notes,omitempty"`
}

// Project is one project's result.
type Project struct {
	Name string `json:"name"`
	// Packages are the project's dependencies, each with what the registries and the
	// licence policy said of it.
	Packages []Dependency `json:"packages"`
	Findings []Finding    `json:"findings"`
	// Health is the project's score, 0 to 100 (docs/depscan.md).
	Health int `json:"health"`
}

// Dependency is one package of a project with its registry facts, licence verdict and
// health score. A field the scan could not learn (a registry unreachable, a licence
// not found) is empty, and Notes say why.
type Dependency struct {
	depscan.Package
	// Latest is the newest release the registry offers (not a pre-release, not
	// retracted or yanked), LatestTime when it was published and VersionTime when
	// the used version was.
	Latest      string     `json:"latest,omitempty"`
	LatestTime  *time.Time `json:"latest_time,omitempty"`
	VersionTime *time.Time `json:"version_time,omitempty"`
	// Outdated is current, patch, minor or major (how far Version is behind Latest),
	// or unknown; MajorsBehind counts major versions when it is major.
	Outdated     string `json:"outdated"`
	MajorsBehind int    `json:"majors_behind,omitempty"`
	// Deprecated is the registry's deprecation message, Yanked its yank reason (PyPI)
	// or retraction rationale (Go) for the used version; "yes" when none was given.
	Deprecated string `json:"deprecated,omitempty"`
	Yanked     string `json:"yanked,omitempty"`
	// Licence is the SPDX expression found, LicenceSource where it came from
	// (lockfile, registry, or a LICENSE file's path), LicenceVerdict the policy's
	// word: allowed, review, unknown or denied.
	Licence        string `json:"licence,omitempty"`
	LicenceSource  string `json:"licence_source,omitempty"`
	LicenceVerdict string `json:"licence_verdict"`
	// Vulnerabilities counts this package's findings.
	Vulnerabilities int `json:"vulnerabilities"`
	// Health is the dependency's score, 0 to 100, and HealthReasons the deductions
	// behind it.
	Health        int             `json:"health"`
	HealthReasons []health.Reason `json:"health_reasons,omitempty"`
	Notes         []string        `json:"notes,omitempty"`
}

// Finding is one vulnerability of one package.
type Finding struct {
	Package   string            `json:"package"`
	Version   string            `json:"version"`
	Ecosystem depscan.Ecosystem `json:"ecosystem"`
	Source    string            `json:"source"`
	ID        string            `json:"id"`
	Aliases   []string          `json:"aliases,omitempty"`
	Summary   string            `json:"summary,omitempty"`
	// Severity is critical, high, medium, low or unknown; Score the CVSS base score
	// it came from, when it came from a vector.
	Severity string   `json:"severity"`
	Score    *float64 `json:"cvss_score,omitempty"`
	Vector   string   `json:"cvss_vector,omitempty"`
	FixedIn  string   `json:"fixed_in,omitempty"`
}

// Options say what a scan consults. Root and DB are required; the parts that are not
// set are not consulted, and the report says so.
type Options struct {
	// Root is the directory whose projects are scanned.
	Root string
	// Found, when set, is what Find already found under Root, so a caller that
	// walked first (to narrow the database or ask the OSV API about the packages
	// found) does not walk twice.
	Found *Found
	// DB holds the advisories (offline, or fetched from the OSV API beforehand).
	DB *osv.DB
	// Registry answers latest versions, release times and deprecation; nil leaves
	// them unknown.
	Registry *registry.Client
	// Policy judges licences; nil means licence.DefaultPolicy().
	Policy *licence.Policy
	// GoLicences detects Go modules' licences in the module cache; nil leaves
	// them unknown (npm and PyPI licences come from the lockfile or registry).
	GoLicences *licence.GoLicences
	// Concurrency bounds the Go licence detections run at once; zero means
	// GOMAXPROCS.
	Concurrency int
	// Now is the scan's time, for release ages; zero means time.Now().
	Now time.Time
}

// Found is what a walk of a directory found.
type Found struct {
	Root     string
	Projects []depscan.Project
	// Problems are the files that could not be read or parsed and the parsers'
	// notes, as Report.Problems carries them.
	Problems []string
}

// Find walks root for projects and their lockfiles. Unreadable or malformed files are
// Problems, not errors; only a cancelled ctx is one.
func Find(ctx context.Context, root string) (*Found, error) {
	projects, errs := lockfile.Walk(ctx, root)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	f := &Found{Root: root, Projects: projects}
	for _, err := range errs {
		f.Problems = append(f.Problems, err.Error())
	}
	return f, nil
}

// Packages lists every package of every project found, for narrowing a database
// load or an OSV API query to them.
func (f *Found) Packages() []depscan.Package {
	n := 0
	for _, p := range f.Projects {
		n += len(p.Packages)
	}
	out := make([]depscan.Package, 0, n)
	for _, p := range f.Projects {
		out = append(out, p.Packages...)
	}
	return out
}

// Run scans o.Root (or o.Found) against o.DB and the sources o names.
func Run(ctx context.Context, o Options) (*Report, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.DB == nil {
		return nil, errors.New("scan: no advisory database")
	}
	found := o.Found
	if found == nil {
		var err error
		if found, err = Find(ctx, o.Root); err != nil {
			return nil, err
		}
	}
	r := &Report{Schema: SchemaVersion, Root: found.Root, Scanned: now.UTC(), Projects: []Project{}}
	r.Problems = append(r.Problems, found.Problems...)
	for _, p := range o.DB.Problems() {
		r.Problems = append(r.Problems, p.Error())
	}
	facts, err := gather(ctx, o, found)
	if err != nil {
		return nil, err
	}
	r.Notes = facts.notes
	for _, p := range found.Projects {
		out := Project{Name: p.Name, Packages: []Dependency{}, Findings: []Finding{}}
		deps := make([]health.Dependency, 0, len(p.Packages))
		for _, pkg := range p.Packages {
			var findings []Finding
			for _, f := range o.DB.Match(pkg) {
				fd := rate(f)
				fd.Package, fd.Version, fd.Ecosystem, fd.Source = pkg.Name, pkg.Version, pkg.Ecosystem, pkg.Source
				findings = append(findings, fd)
			}
			d, hd := facts.dependency(p.Name, pkg, findings)
			d.Health, d.HealthReasons = health.Score(hd, now)
			out.Packages = append(out.Packages, d)
			out.Findings = append(out.Findings, findings...)
			deps = append(deps, hd)
		}
		slices.SortFunc(out.Findings, func(a, b Finding) int {
			return strings.Compare(a.Package+"\x00"+a.ID, b.Package+"\x00"+b.ID)
		})
		out.Health = health.Project(deps, now)
		r.Projects = append(r.Projects, out)
	}
	return r, nil
}
