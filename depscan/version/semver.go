package version

import (
	"cmp"
	"fmt"
	"strings"
)

// semver is a parsed SemVer 2.0.0 version. Numbers stay digit strings
// (compared by length, then lexically) so no version overflows; build metadata
// is dropped because §10 says it does not take part in precedence.
type semver struct {
	major, minor, patch string
	pre                 []ident
}

// ident is one dot-separated pre-release identifier.
type ident struct {
	s   string
	num bool
}

// parseGo accepts what golang.org/x/mod/semver accepts (a leading "v", the
// vMAJOR and vMAJOR.MINOR shorthands), the same without the "v" since OSV's
// Go entries drop it, and the toolchain's own spelling ("go1.21rc2") which
// a go.mod's go and toolchain lines use for the standard library.
func parseGo(s string) (semver, error) {
	if strings.HasPrefix(s, "go") {
		return parseGoToolchain(s[2:])
	}
	return parseSemver(s, true)
}

// parseGoToolchain converts "1.21rc2" into 1.21.0-rc.2 as x/vulndb does when it
// writes stdlib advisories, then parses it.
func parseGoToolchain(s string) (semver, error) {
	rel, pre := s, ""
	for _, p := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(s, p); i >= 0 {
			rel, pre = s[:i], p+"."+s[i+len(p):]
			break
		}
	}
	parts := strings.Split(rel, ".")
	if len(parts) > 3 {
		return semver{}, fmt.Errorf("toolchain release %q: %w", rel, ErrInvalid)
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	canon := strings.Join(parts, ".")
	if pre != "" {
		canon += "-" + pre
	}
	return parseSemver(canon, false)
}

// parseSemver parses strict SemVer 2.0.0 with an optional leading "v"; short
// allows x/mod's vMAJOR and vMAJOR.MINOR forms (only without pre-release or
// build, as x/mod requires).
func parseSemver(s string, short bool) (semver, error) {
	var v semver
	rest := strings.TrimPrefix(s, "v")
	var ok bool
	if v.major, rest, ok = semNum(rest); !ok {
		return v, fmt.Errorf("major: %w", ErrInvalid)
	}
	if rest == "" && short {
		v.minor, v.patch = "0", "0"
		return v, nil
	}
	if rest == "" || rest[0] != '.' {
		return v, fmt.Errorf("minor missing: %w", ErrInvalid)
	}
	if v.minor, rest, ok = semNum(rest[1:]); !ok {
		return v, fmt.Errorf("minor: %w", ErrInvalid)
	}
	if rest == "" && short {
		v.patch = "0"
		return v, nil
	}
	if rest == "" || rest[0] != '.' {
		return v, fmt.Errorf("patch missing: %w", ErrInvalid)
	}
	if v.patch, rest, ok = semNum(rest[1:]); !ok {
		return v, fmt.Errorf("patch: %w", ErrInvalid)
	}
	if rest != "" && rest[0] == '-' {
		end := strings.IndexByte(rest, '+')
		if end < 0 {
			end = len(rest)
		}
		for _, id := range strings.Split(rest[1:end], ".") {
			if !identOK(id) {
				return v, fmt.Errorf("pre-release identifier %q: %w", id, ErrInvalid)
			}
			num := isDigits(id)
			if num && len(id) > 1 && id[0] == '0' {
				return v, fmt.Errorf("pre-release identifier %q has a leading zero: %w", id, ErrInvalid)
			}
			v.pre = append(v.pre, ident{s: id, num: num})
		}
		rest = rest[end:]
	}
	if rest != "" && rest[0] == '+' {
		for _, id := range strings.Split(rest[1:], ".") {
			if !identOK(id) {
				return v, fmt.Errorf("build identifier %q: %w", id, ErrInvalid)
			}
		}
		rest = ""
	}
	if rest != "" {
		return v, fmt.Errorf("trailing %q: %w", rest, ErrInvalid)
	}
	return v, nil
}

// semNum reads a numeric identifier without leading zeros (§2).
func semNum(s string) (n, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || (i > 1 && s[0] == '0') {
		return "", s, false
	}
	return s[:i], s[i:], true
}

func identOK(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// compare implements semver.org §11.
func (v *semver) compare(w *semver) int {
	if c := cmpNum(v.major, w.major); c != 0 {
		return c
	}
	if c := cmpNum(v.minor, w.minor); c != 0 {
		return c
	}
	if c := cmpNum(v.patch, w.patch); c != 0 {
		return c
	}
	// A pre-release is lower than the release itself (§11.3).
	switch {
	case len(v.pre) == 0 && len(w.pre) == 0:
		return 0
	case len(v.pre) == 0:
		return 1
	case len(w.pre) == 0:
		return -1
	}
	for i := 0; i < len(v.pre) && i < len(w.pre); i++ {
		a, b := v.pre[i], w.pre[i]
		switch {
		case a.num && b.num:
			if c := cmpNum(a.s, b.s); c != 0 {
				return c
			}
		case a.num:
			return -1 // numeric identifiers are lower than alphanumeric ones
		case b.num:
			return 1
		default:
			if c := strings.Compare(a.s, b.s); c != 0 {
				return c
			}
		}
	}
	// With every shared identifier equal, the longer set is higher (§11.4.4).
	return cmp.Compare(len(v.pre), len(w.pre))
}
