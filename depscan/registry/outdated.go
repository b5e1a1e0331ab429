package registry

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/health"
	"github.com/perfwatch/perfwatch/depscan/version"
)

// Outdated says how far used is behind latest in ecosystem eco: Current when it
// is not lower (depscan/version's ordering), else Major when the major numbers
// differ, Minor when the minor ones do, else Patch (a lower patch, or a
// pre-release, post release or Go pseudo-version of the same release). majors
// counts the major versions between them when Major. The levels are structural,
// for 0.x versions too. For PyPI the major, minor and patch are the first three
// release numbers (missing ones are 0), and a different epoch, which restarts the
// numbering, counts as one major.
func Outdated(used, latest string, eco depscan.Ecosystem) (health.Behind, int, error) {
	u, err := version.Parse(eco, used)
	if err != nil {
		return health.Current, 0, err
	}
	l, err := version.Parse(eco, latest)
	if err != nil {
		return health.Current, 0, err
	}
	if u.Compare(l) >= 0 {
		return health.Current, 0, nil
	}
	var us, ls [3]string
	switch eco {
	case depscan.PyPI:
		ue, ur := pep440Release(used)
		le, lr := pep440Release(latest)
		if ue != le {
			return health.Major, 1, nil
		}
		us, ls = ur, lr
	default:
		us, ls = semverRelease(used), semverRelease(latest)
	}
	switch {
	case us[0] != ls[0]:
		return health.Major, majorsBetween(us[0], ls[0]), nil
	case us[1] != ls[1]:
		return health.Minor, 0, nil
	case us[2] != ls[2]:
		return health.Patch, 0, nil
	}
	return health.Patch, 0, nil
}

// majorsBetween is latest's major minus used's, at least 1 (and 1 when a number
// is too large to subtract).
func majorsBetween(used, latest string) int {
	u, err1 := strconv.Atoi(used)
	l, err2 := strconv.Atoi(latest)
	if err1 != nil || err2 != nil || l-u < 1 {
		return 1
	}
	return l - u
}

// semverRelease returns major, minor and patch of a version depscan/version has
// accepted (Go's shorthands "v1.2" included, through semver.Canonical).
func semverRelease(v string) [3]string {
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	c := semver.Canonical(v)
	c = strings.TrimPrefix(c, "v")
	c, _, _ = strings.Cut(c, "-")
	c, _, _ = strings.Cut(c, "+")
	parts := strings.SplitN(c, ".", 3)
	var out [3]string
	copy(out[:], parts)
	return out
}

// pep440Release returns the epoch and the first three release numbers of a
// version depscan/version has accepted, without leading zeros.
func pep440Release(v string) (string, [3]string) {
	s := strings.TrimPrefix(strings.TrimSpace(strings.ToLower(v)), "v")
	epoch := "0"
	if e, rest, ok := strings.Cut(s, "!"); ok {
		epoch, s = trimLeadingZeros(e), rest
	}
	end := 0
	for end < len(s) && (s[end] == '.' || (s[end] >= '0' && s[end] <= '9')) {
		end++
	}
	var out [3]string
	for i, p := range strings.Split(strings.Trim(s[:end], "."), ".") {
		if i < 3 {
			out[i] = trimLeadingZeros(p)
		}
	}
	for i := range out {
		if out[i] == "" {
			out[i] = "0"
		}
	}
	return epoch, out
}

func trimLeadingZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" && s != "" {
		return "0"
	}
	return t
}

// BehindString names a Behind for reports: current, patch, minor or major.
func BehindString(b health.Behind) string {
	switch b {
	case health.Current:
		return "current"
	case health.Patch:
		return "patch"
	case health.Minor:
		return "minor"
	case health.Major:
		return "major"
	}
	return fmt.Sprintf("behind(%d)", int(b))
}
