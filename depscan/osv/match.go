package osv

import (
	"sort"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

// Finding is one vulnerability affecting a package: entries describing the
// same vulnerability under different ids (GO-, GHSA-, CVE-) merged into one.
type Finding struct {
	// ID is the id the ecosystem's own database uses when one of the merged
	// entries has it (GO- for Go, PYSEC- for PyPI, GHSA- for npm).
	ID string `json:"id"`
	// Aliases are every other id and alias of the merged entries, sorted.
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	// Severity is the entries' severity lists (top level and the matching
	// affected[] ones) as given, without duplicates; scoring is done elsewhere.
	Severity []Severity `json:"severity,omitempty"`
	// DatabaseSeverity is database_specific.severity as given ("HIGH" for GitHub).
	DatabaseSeverity string `json:"database_severity,omitempty"`
	// FixedIn is the lowest fixed version above the package's version in the
	// matching ranges, as the advisory writes it, or empty when none has a fix.
	// Merged entries that disagree give the highest of their answers, the
	// first version every one of them calls fixed.
	FixedIn    string      `json:"fixed_in,omitempty"`
	References []Reference `json:"references,omitempty"`
}

// hit is one matching entry before alias merging.
type hit struct {
	vuln     *Vulnerability
	dbSev    string
	affected []*Affected
	fixed    *compiledEvent
}

// Match returns the findings for pkg, sorted by id. A package without a
// version (an unpinned requirement) matches nothing, since every OSV rule is
// about versions; one whose version does not parse matches only by the exact
// strings of affected[].versions.
func (db *DB) Match(pkg depscan.Package) []Finding {
	if pkg.Version == "" {
		return nil
	}
	entries := db.index[pkgKey{eco: string(pkg.Ecosystem), name: NormalizeName(pkg.Ecosystem, pkg.Name)}]
	if len(entries) == 0 {
		return nil
	}
	pv, perr := version.Parse(pkg.Ecosystem, pkg.Version)
	var sv version.Version
	var serr error
	semverDone := false
	// A package has a handful of entries, so hits are found by a linear scan
	// rather than a map allocated on every call.
	var hits []*hit
	for _, e := range entries {
		matched := false
		var fixed *compiledEvent
		for i, s := range e.versions {
			if s == pkg.Version || (perr == nil && !e.parsedVer[i].IsZero() && e.parsedVer[i].Compare(pv) == 0) {
				matched = true
				break
			}
		}
		for i := range e.ranges {
			cr := &e.ranges[i]
			v, err := pv, perr
			if cr.semver {
				if !semverDone {
					sv, serr = version.ParseSemver(pkg.Version)
					semverDone = true
				}
				v, err = sv, serr
			}
			if err != nil {
				continue
			}
			in, f := cr.includes(v)
			if !in {
				continue
			}
			matched = true
			if f != nil && (fixed == nil || f.v.Compare(fixed.v) < 0) {
				fixed = f
			}
		}
		if !matched {
			continue
		}
		var h *hit
		for _, old := range hits {
			if old.vuln == e.vuln {
				h = old
				break
			}
		}
		if h == nil {
			h = &hit{vuln: e.vuln, dbSev: e.dbSev}
			hits = append(hits, h)
		}
		h.affected = append(h.affected, e.affected)
		if fixed != nil && (h.fixed == nil || fixed.v.Compare(h.fixed.v) < 0) {
			h.fixed = fixed
		}
	}
	if len(hits) == 0 {
		return nil
	}
	return merge(pkg.Ecosystem, hits)
}

// merge groups hits sharing any id or alias (union-find over the names) into
// one Finding each.
func merge(eco depscan.Ecosystem, hits []*hit) []Finding {
	if len(hits) == 1 {
		return []Finding{finding(eco, hits)}
	}
	parent := make([]int, len(hits))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := make(map[string]int)
	for i, h := range hits {
		names := append([]string{h.vuln.ID}, h.vuln.Aliases...)
		for _, n := range names {
			if j, ok := owner[n]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[n] = i
			}
		}
	}
	groups := make(map[int][]*hit)
	var roots []int
	for i, h := range hits {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], h)
	}
	findings := make([]Finding, 0, len(roots))
	for _, r := range roots {
		findings = append(findings, finding(eco, groups[r]))
	}
	sort.Slice(findings, func(i, j int) bool { return findings[i].ID < findings[j].ID })
	return findings
}

// homePrefix is the id prefix of the database each ecosystem maintains.
func homePrefix(eco depscan.Ecosystem) string {
	switch eco {
	case depscan.Go:
		return "GO-"
	case depscan.PyPI:
		return "PYSEC-"
	case depscan.Npm:
		return "GHSA-"
	}
	return ""
}

// idRank orders candidate ids for a merged finding: the ecosystem's own
// database first, then GitHub's, then any other database, and CVE last since
// it names the vulnerability, not an advisory about this package.
func idRank(eco depscan.Ecosystem, id string) int {
	switch {
	case homePrefix(eco) != "" && strings.HasPrefix(id, homePrefix(eco)):
		return 0
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	case strings.HasPrefix(id, "CVE-"):
		return 3
	}
	return 2
}

func finding(eco depscan.Ecosystem, group []*hit) Finding {
	sort.Slice(group, func(i, j int) bool {
		ri, rj := idRank(eco, group[i].vuln.ID), idRank(eco, group[j].vuln.ID)
		if ri != rj {
			return ri < rj
		}
		return group[i].vuln.ID < group[j].vuln.ID
	})
	lead := group[0]
	f := Finding{ID: lead.vuln.ID, DatabaseSeverity: lead.dbSev}
	names := make(map[string]bool)
	sevSeen := make(map[Severity]bool)
	refSeen := make(map[string]bool)
	var fixed *compiledEvent
	addSev := func(list []Severity) {
		for _, s := range list {
			if !sevSeen[s] {
				sevSeen[s] = true
				f.Severity = append(f.Severity, s)
			}
		}
	}
	for _, h := range group {
		v := h.vuln
		names[v.ID] = true
		for _, a := range v.Aliases {
			names[a] = true
		}
		if f.Summary == "" {
			f.Summary = v.Summary
		}
		if f.DatabaseSeverity == "" {
			f.DatabaseSeverity = h.dbSev
		}
		addSev(v.Severity)
		for _, a := range h.affected {
			addSev(a.Severity)
		}
		for _, r := range v.References {
			if !refSeen[r.URL] {
				refSeen[r.URL] = true
				f.References = append(f.References, r)
			}
		}
		if h.fixed != nil && (fixed == nil || h.fixed.v.Compare(fixed.v) > 0) {
			fixed = h.fixed
		}
	}
	delete(names, f.ID)
	for n := range names {
		f.Aliases = append(f.Aliases, n)
	}
	sort.Strings(f.Aliases)
	if fixed != nil {
		f.FixedIn = fixed.raw
	}
	return f
}
