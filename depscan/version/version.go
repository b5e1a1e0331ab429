// Package version parses and orders package versions the way each ecosystem
// does: Semantic Versioning 2.0.0 for npm, the same with a leading "v" (and
// the shorthands golang.org/x/mod/semver accepts) for Go, and PEP 440 for PyPI.
//
// Versions are parsed once into a Version so that matching many packages
// against many advisory ranges compares parsed values, not strings.
//
// OSV's introduced "0" ("before every version") is not a version: for Go it
// would parse as v0.0.0, which sorts after every v0.0.0 pseudo-version, so
// depscan/osv handles it before any version is parsed.
package version

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/perfwatch/perfwatch/depscan"
)

// ErrInvalid is wrapped by every parse error, so callers can tell a version the
// ecosystem would reject from other failures.
var ErrInvalid = errors.New("invalid version")

// ErrUnsupported is wrapped when an ecosystem has no ordering in this package.
var ErrUnsupported = errors.New("no version ordering for ecosystem")

// scheme says which ordering a Version follows.
type scheme uint8

const (
	schemeNone scheme = iota
	schemeSemver
	schemePEP440
)

// Version is a parsed version of one ecosystem. The zero Version is not valid.
type Version struct {
	scheme scheme
	raw    string
	sem    semver
	pep    pep440
}

// String returns the version as it was written.
func (v Version) String() string { return v.raw }

// IsZero reports whether v is the zero Version (nothing parsed).
func (v Version) IsZero() bool { return v.scheme == schemeNone }

// Parse parses s as a version of the ecosystem eco. Ecosystems other than Go,
// npm and PyPI are refused with ErrUnsupported, since guessing their ordering
// would produce wrong matches.
func Parse(eco depscan.Ecosystem, s string) (Version, error) {
	switch eco {
	case depscan.Go:
		sv, err := parseGo(s)
		if err != nil {
			return Version{}, fmt.Errorf("go version %q: %w", s, err)
		}
		return Version{scheme: schemeSemver, raw: s, sem: sv}, nil
	case depscan.Npm:
		sv, err := parseSemver(s, false)
		if err != nil {
			return Version{}, fmt.Errorf("npm version %q: %w", s, err)
		}
		return Version{scheme: schemeSemver, raw: s, sem: sv}, nil
	case depscan.PyPI:
		pv, err := parsePEP440(s)
		if err != nil {
			return Version{}, fmt.Errorf("pypi version %q: %w", s, err)
		}
		return Version{scheme: schemePEP440, raw: s, pep: pv}, nil
	}
	return Version{}, fmt.Errorf("%q: %w %q", s, ErrUnsupported, eco)
}

// ParseSemver parses s as a strict SemVer 2.0.0 version (an optional leading
// "v" allowed), which is what OSV's SEMVER range type specifies whatever the
// ecosystem.
func ParseSemver(s string) (Version, error) {
	sv, err := parseSemver(s, false)
	if err != nil {
		return Version{}, fmt.Errorf("semver %q: %w", s, err)
	}
	return Version{scheme: schemeSemver, raw: s, sem: sv}, nil
}

// Valid reports whether s is a valid version of eco.
func Valid(eco depscan.Ecosystem, s string) bool {
	_, err := Parse(eco, s)
	return err == nil
}

// Compare parses a and b as versions of eco and returns -1, 0 or +1 as a is
// lower than, equal to or higher than b.
func Compare(eco depscan.Ecosystem, a, b string) (int, error) {
	va, err := Parse(eco, a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(eco, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than w.
// Versions of different schemes are not comparable; they order by scheme so
// that sorting stays consistent, and callers should not mix them.
func (v Version) Compare(w Version) int {
	if v.scheme != w.scheme {
		return cmp.Compare(int(v.scheme), int(w.scheme))
	}
	switch v.scheme {
	case schemeSemver:
		return v.sem.compare(&w.sem)
	case schemePEP440:
		return v.pep.compare(&w.pep)
	}
	return 0
}

// cmpNum compares two decimal digit strings of any length without converting
// them, so a 30-digit date-like segment cannot overflow. Leading zeros must
// already be trimmed.
func cmpNum(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func trimZeros(s string) string {
	i := 0
	for i < len(s)-1 && s[i] == '0' {
		i++
	}
	return s[i:]
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
