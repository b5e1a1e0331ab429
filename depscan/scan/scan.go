// Package scan is perfwatch-depscan's offline scan: it finds the projects and their
// lockfiles under a directory (depscan/lockfile), matches every package against an OSV
// database (depscan/osv), rates each finding (depscan/cvss, else the database's own
// severity, else medium) and scores each project's health (depscan/health).
//
// Registries (latest versions, deprecation) and licences are not consulted yet, so
// the health scores count vulnerabilities only; docs/depscan.md says what is to come.
package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/cvss"
	"github.com/perfwatch/perfwatch/depscan/health"
	"github.com/perfwatch/perfwatch/depscan/lockfile"
	"github.com/perfwatch/perfwatch/depscan/osv"
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
	// Problems are the files that could not be read or parsed and the notes the
	// parsers left (skipped entries), as "file:line: text".
	Problems []string `json:"problems,omitempty"`
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
	// Health is the dependency's score, 0 to 100.
	Health int      `json:"health"`
	Notes  []string `json:"notes,omitempty"`
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
// set are not consulted, and the report says so per dependency.
type Options struct {
	// Root is the directory whose projects are scanned.
	Root string
	// DB holds the advisories (offline, or fetched from the OSV API beforehand).
	DB *osv.DB
	// Now is the scan's time, for release ages; zero means time.Now().
	Now time.Time
}

// Run scans o.Root against o.DB.
func Run(ctx context.Context, o Options) (*Report, error) {
	root, db, now := o.Root, o.DB, o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if db == nil {
		return nil, errors.New("scan: no advisory database")
	}
	projects, errs := lockfile.Walk(ctx, root)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	r := &Report{Schema: SchemaVersion, Root: root, Scanned: now.UTC(), Projects: []Project{}}
	for _, err := range errs {
		r.Problems = append(r.Problems, err.Error())
	}
	for _, p := range projects {
		out := Project{Name: p.Name, Packages: []Dependency{}, Findings: []Finding{}}
		var deps []health.Dependency
		for _, pkg := range p.Packages {
			dep := health.Dependency{Vulnerabilities: map[health.Severity]int{}}
			d := Dependency{Package: pkg, Outdated: "unknown", LicenceVerdict: "unknown"}
			for _, f := range db.Match(pkg) {
				fd := rate(f)
				fd.Package, fd.Version, fd.Ecosystem, fd.Source = pkg.Name, pkg.Version, pkg.Ecosystem, pkg.Source
				out.Findings = append(out.Findings, fd)
				dep.Vulnerabilities[severityOf(fd.Severity)]++
				d.Vulnerabilities++
			}
			d.Health, _ = health.Score(dep, now)
			out.Packages = append(out.Packages, d)
			deps = append(deps, dep)
		}
		slices.SortFunc(out.Findings, func(a, b Finding) int {
			return strings.Compare(a.Package+"\x00"+a.ID, b.Package+"\x00"+b.ID)
		})
		out.Health = health.Project(deps, now)
		r.Projects = append(r.Projects, out)
	}
	return r, nil
}

// rate turns an OSV finding's severities into one rating: the highest CVSS v3 base
// score among its vectors; else the database's own word (GitHub's CRITICAL, HIGH,
// MODERATE, LOW); else unknown, which the health score counts as medium.
func rate(f osv.Finding) Finding {
	out := Finding{ID: f.ID, Aliases: f.Aliases, Summary: f.Summary, FixedIn: f.FixedIn, Severity: "unknown"}
	best := -1.0
	for _, s := range f.Severity {
		sc, err := cvss.Parse(s.Score)
		if err != nil {
			continue // a v4 or v2 vector, or a malformed one: the next source decides
		}
		if sc.Base > best {
			best, out.Vector = sc.Base, s.Score
			out.Severity = string(sc.Severity)
		}
	}
	if best >= 0 {
		out.Score = &best
		return out
	}
	switch strings.ToUpper(f.DatabaseSeverity) {
	case "CRITICAL":
		out.Severity = "critical"
	case "HIGH":
		out.Severity = "high"
	case "MODERATE", "MEDIUM":
		out.Severity = "medium"
	case "LOW":
		out.Severity = "low"
	}
	return out
}

func severityOf(s string) health.Severity {
	switch s {
	case "critical":
		return health.Critical
	case "high":
		return health.High
	case "medium":
		return health.Medium
	case "low":
		return health.Low
	case "none":
		return health.Low // a 0.0 vector still names a vulnerability
	}
	return health.Unknown
}

// severityOrder lists the ratings, most severe first.
func severityOrder() []string { return []string{"critical", "high", "medium", "low", "unknown"} }

// ErrFound is returned by Fail when a finding reaches the threshold.
var ErrFound = errors.New("vulnerabilities at or above the threshold")

// Fail reports ErrFound when r holds a finding at least as severe as threshold
// (critical, high, medium, low; unknown counts as medium, the stated policy).
func Fail(r *Report, threshold string) error {
	severities := severityOrder()
	limit := slices.Index(severities, threshold)
	if limit < 0 || threshold == "unknown" {
		return fmt.Errorf("fail-on %q: want critical, high, medium or low", threshold)
	}
	for _, p := range r.Projects {
		for _, f := range p.Findings {
			sev := f.Severity
			if sev == "unknown" {
				sev = "medium"
			}
			if i := slices.Index(severities, sev); i >= 0 && i <= limit {
				return fmt.Errorf("%w: %s %s %s (%s)", ErrFound, f.Package, f.Version, f.ID, f.Severity)
			}
		}
	}
	return nil
}
