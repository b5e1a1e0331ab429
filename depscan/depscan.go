// Package depscan holds what every part of perfwatch-depscan shares: the packages a
// lockfile names and the ecosystems they belong to. The parsers (depscan/lockfile),
// the advisory matching (depscan/osv), the registries, licences, scores and reports
// build on these types; see issue #16 and docs/depscan.md.
package depscan

// Ecosystem is an OSV ecosystem name (https://ossf.github.io/osv-schema/#affectedpackage-field).
type Ecosystem string

// The ecosystems perfwatch-depscan reads.
const (
	Go   Ecosystem = "Go"
	PyPI Ecosystem = "PyPI"
	Npm  Ecosystem = "npm"
)

// Package is one resolved dependency of a project, as a lockfile names it.
type Package struct {
	// Name as the ecosystem spells it: a Go module path, a normalised PyPI name
	// (PEP 503: lower case, runs of -_. as -), an npm name with its scope.
	Name string `json:"name"`
	// Version is the resolved version as the ecosystem writes it (Go "v1.2.3",
	// PyPI "1.2.3", npm "1.2.3"); empty when the lockfile pins none (an unpinned
	// requirement), which the report shows as such.
	Version   string    `json:"version"`
	Ecosystem Ecosystem `json:"ecosystem"`
	// Direct is true for a dependency the project names itself (go.mod's require
	// without // indirect, package.json's dependencies, a requirements line).
	Direct bool `json:"direct"`
	// Dev marks a development-only dependency where the lockfile says so.
	Dev bool `json:"dev,omitempty"`
	// Source is the lockfile, relative to the scanned root, and Line the line that
	// names the package (0 when the format has no useful line).
	Source string `json:"source"`
	Line   int    `json:"line,omitempty"`
	// License is the licence the lockfile declares for the package, as written
	// (package-lock.json's "license", an SPDX expression as a rule); empty when the
	// format declares none, and the licence is then looked up elsewhere.
	License string `json:"license,omitempty"`
}

// Project is one scanned project: a directory with its lockfiles.
type Project struct {
	// Name is the project's directory relative to the scanned root ("." for the root).
	Name     string    `json:"name"`
	Packages []Package `json:"packages"`
}
