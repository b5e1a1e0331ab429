package osv

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

// DB is a loaded advisory database indexed by (ecosystem, package name). It is
// not changed after loading, so Match is safe for concurrent use.
type DB struct {
	vulns     map[string]*Vulnerability
	index     map[pkgKey][]*entry
	problems  []Problem
	withdrawn int
}

type pkgKey struct {
	eco  string
	name string
}

// entry is one affected[] element compiled for matching: its ranges' events
// parsed and sorted once at load time, so Match only compares parsed versions.
type entry struct {
	vuln      *Vulnerability
	dbSev     string
	affected  *Affected
	ranges    []compiledRange
	versions  []string
	parsedVer []version.Version // parallel to versions; zero when unparsable
}

type compiledRange struct {
	// semver says the package's version must be read with SemVer rules: a
	// SEMVER range outside the SemVer ecosystems (a PyPI entry using it).
	semver bool
	events []compiledEvent
	limits []compiledEvent
}

type eventKind uint8

const (
	evIntroduced eventKind = iota
	evFixed
	evLastAffected
	evLimit
)

type compiledEvent struct {
	kind eventKind
	// zero is introduced "0", before every version; inf is limit "*".
	zero, inf bool
	v         version.Version
	raw       string
}

// Len returns the number of entries loaded, withdrawn ones included.
func (db *DB) Len() int { return len(db.vulns) }

// Withdrawn returns how many loaded entries are withdrawn and so never matched.
func (db *DB) Withdrawn() int { return db.withdrawn }

// Problems lists the entries, files and ranges that could not be used.
func (db *DB) Problems() []Problem { return slices.Clone(db.problems) }

// Get returns the entry with the given id, or nil.
func (db *DB) Get(id string) *Vulnerability { return db.vulns[id] }

// baseEcosystem drops a release suffix: "Debian:11" and "Ubuntu:22.04:LTS" are
// the Debian and Ubuntu ecosystems.
func baseEcosystem(eco string) string {
	base, _, _ := strings.Cut(eco, ":")
	return base
}

// NormalizeName returns the name under which a package of eco is indexed: PEP
// 503's normalised form for PyPI (lower case, runs of "-", "_" and "." as one
// "-"), and the name unchanged otherwise (npm names and Go module paths are
// case-sensitive). Go's "stdlib" and "toolchain" stay apart, as OSV's Go database
// and govulncheck keep them: depscan/lockfile reports both pseudo-packages for a
// go.mod, so each advisory is found once, under the package it is about.
func NormalizeName(eco depscan.Ecosystem, name string) string {
	switch eco {
	case depscan.PyPI:
		var b strings.Builder
		sep := false
		for _, r := range strings.ToLower(name) {
			if r == '-' || r == '_' || r == '.' {
				sep = true
				continue
			}
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(r)
		}
		return b.String()
	}
	return name
}

// supported reports whether this package can order versions of eco.
func supported(eco depscan.Ecosystem) bool {
	return eco == depscan.Go || eco == depscan.PyPI || eco == depscan.Npm
}

func (l *loader) build() *DB {
	db := &DB{vulns: l.vulns, index: make(map[pkgKey][]*entry), problems: l.problems}
	ids := make([]string, 0, len(l.vulns))
	for id := range l.vulns {
		ids = append(ids, id)
	}
	sort.Strings(ids) // a deterministic index and problem order
	for _, id := range ids {
		v := l.vulns[id]
		if v.Withdrawn != "" {
			db.withdrawn++
			continue
		}
		dbSev := databaseSeverity(v.DatabaseSpecific)
		for i := range v.Affected {
			a := &v.Affected[i]
			eco := depscan.Ecosystem(baseEcosystem(a.Package.Ecosystem))
			if a.Package.Name == "" {
				continue
			}
			e := &entry{vuln: v, dbSev: dbSev, affected: a, versions: a.Versions}
			if supported(eco) {
				e.parsedVer = make([]version.Version, len(a.Versions))
				for j, s := range a.Versions {
					// An unparsable listed version still matches by exact string.
					e.parsedVer[j], _ = version.Parse(eco, s)
				}
			}
			for _, r := range a.Ranges {
				cr, ok, err := compileRange(eco, r)
				if err != nil {
					o := l.origin[v.ID]
					db.problems = append(db.problems, Problem{File: o.file, Member: o.member, ID: v.ID, Err: fmt.Errorf("%s %s range: %w", a.Package.Ecosystem, a.Package.Name, err)})
					continue
				}
				if ok {
					e.ranges = append(e.ranges, cr)
				}
			}
			key := pkgKey{eco: string(eco), name: NormalizeName(eco, a.Package.Name)}
			db.index[key] = append(db.index[key], e)
		}
	}
	return db
}

// databaseSeverity returns database_specific.severity as given: the string
// itself when it is one (GitHub's "HIGH"), else its JSON text.
func databaseSeverity(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var ds struct {
		Severity json.RawMessage `json:"severity"`
	}
	if err := json.Unmarshal(raw, &ds); err != nil || len(ds.Severity) == 0 || string(ds.Severity) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(ds.Severity, &s); err == nil {
		return s
	}
	return string(ds.Severity)
}

// compileRange parses and sorts a range's events. ok is false for a range this
// package cannot evaluate and deliberately ignores: GIT ranges (they need the
// repository's commit graph) and ECOSYSTEM ranges of ecosystems without an
// ordering here (their versions lists still match).
func compileRange(eco depscan.Ecosystem, r Range) (compiledRange, bool, error) {
	var cr compiledRange
	var parse func(string) (version.Version, error)
	switch r.Type {
	case RangeGit:
		return cr, false, nil
	case RangeSemver:
		if eco == depscan.Go || eco == depscan.Npm {
			parse = func(s string) (version.Version, error) { return version.Parse(eco, s) }
		} else {
			cr.semver = true
			parse = version.ParseSemver
		}
	case RangeEcosystem:
		if !supported(eco) {
			return cr, false, nil
		}
		parse = func(s string) (version.Version, error) { return version.Parse(eco, s) }
	default:
		return cr, false, fmt.Errorf("unknown range type %q", r.Type)
	}
	for _, ev := range r.Events {
		var ce compiledEvent
		switch {
		case ev.Introduced != "":
			ce.kind, ce.raw = evIntroduced, ev.Introduced
			ce.zero = ev.Introduced == "0"
		case ev.Fixed != "":
			ce.kind, ce.raw = evFixed, ev.Fixed
		case ev.LastAffected != "":
			ce.kind, ce.raw = evLastAffected, ev.LastAffected
		case ev.Limit != "":
			ce.kind, ce.raw = evLimit, ev.Limit
			ce.inf = strings.Contains(ev.Limit, "*")
		default:
			return cr, false, errors.New("event with no version")
		}
		if !ce.zero && !ce.inf {
			v, err := parse(ce.raw)
			if err != nil {
				// A range with one unreadable bound cannot be evaluated
				// correctly, so it is dropped and reported as a whole.
				return cr, false, fmt.Errorf("event %q: %w", ce.raw, err)
			}
			ce.v = v
		}
		if ce.kind == evLimit {
			cr.limits = append(cr.limits, ce)
		} else {
			cr.events = append(cr.events, ce)
		}
	}
	sort.SliceStable(cr.events, func(i, j int) bool { return cr.events[i].less(&cr.events[j]) })
	return cr, true, nil
}

func (e *compiledEvent) less(f *compiledEvent) bool {
	if e.zero || f.zero {
		return e.zero && !f.zero
	}
	return e.v.Compare(f.v) < 0
}

// includes is the OSV spec's IncludedInRanges for one range, plus the lowest
// fixed version above v when v is included.
func (cr *compiledRange) includes(v version.Version) (bool, *compiledEvent) {
	if len(cr.limits) > 0 {
		before := false
		for i := range cr.limits {
			if cr.limits[i].inf || v.Compare(cr.limits[i].v) < 0 {
				before = true
				break
			}
		}
		if !before {
			return false, nil
		}
	}
	vulnerable := false
	for i := range cr.events {
		ev := &cr.events[i]
		switch ev.kind {
		case evIntroduced:
			if ev.zero || v.Compare(ev.v) >= 0 {
				vulnerable = true
			}
		case evFixed:
			if v.Compare(ev.v) >= 0 {
				vulnerable = false
			}
		case evLastAffected:
			if v.Compare(ev.v) > 0 {
				vulnerable = false
			}
		}
	}
	if !vulnerable {
		return false, nil
	}
	// Events are sorted, so the first fixed event above v is the lowest.
	for i := range cr.events {
		ev := &cr.events[i]
		if ev.kind == evFixed && v.Compare(ev.v) < 0 {
			return true, ev
		}
	}
	return true, nil
}
