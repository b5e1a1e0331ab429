package version

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
)

// pep440Pattern is PEP 440's own "VERSION_PATTERN" (Appendix B), which accepts
// every spelling the normalisation rules map to a canonical version. It is
// compiled once and only ever read (a Regexp is safe for concurrent use).
var pep440Pattern = regexp.MustCompile(`^\s*v?` +
	`(?:([0-9]+)!)?` + // 1 epoch
	`([0-9]+(?:\.[0-9]+)*)` + // 2 release
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?` + // 3, 4 pre
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` + // 5 implicit post, 6, 7 post
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?` + // 8, 9 dev
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?` + // 10 local
	`\s*$`)

// Pre-release ranks. A dev release of a final version sorts before all its
// pre-releases, and a final (or post) release after them, so both are folded
// into the same rank as PEP 440's "Summary of permitted suffixes" describes.
const (
	preDevOnly = iota // 1.0.dev1: no pre, no post, a dev
	preAlpha
	preBeta
	preRC
	preNone // final, post or dev of a post
)

// pep440 is a parsed, normalised PEP 440 version.
type pep440 struct {
	epoch   string
	release []string // trailing zeros removed: 1.0 == 1.0.0
	preRank int
	preNum  string
	hasPost bool
	postNum string
	hasDev  bool
	devNum  string
	local   []ident // local segments; num marks a numeric one
}

func parsePEP440(s string) (pep440, error) {
	var v pep440
	m := pep440Pattern.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return v, fmt.Errorf("not PEP 440: %w", ErrInvalid)
	}
	v.epoch = "0"
	if m[1] != "" {
		v.epoch = trimZeros(m[1])
	}
	for _, r := range strings.Split(m[2], ".") {
		v.release = append(v.release, trimZeros(r))
	}
	for len(v.release) > 1 && v.release[len(v.release)-1] == "0" {
		v.release = v.release[:len(v.release)-1]
	}
	if len(v.release) == 1 && v.release[0] == "0" {
		v.release = nil
	}
	v.preRank = preNone
	switch m[3] {
	case "a", "alpha":
		v.preRank = preAlpha
	case "b", "beta":
		v.preRank = preBeta
	case "rc", "c", "pre", "preview":
		v.preRank = preRC
	}
	v.preNum = num0(m[4])
	switch {
	case m[5] != "":
		v.hasPost, v.postNum = true, trimZeros(m[5])
	case m[6] != "":
		v.hasPost, v.postNum = true, num0(m[7])
	}
	if m[8] != "" {
		v.hasDev, v.devNum = true, num0(m[9])
	}
	if v.hasDev && !v.hasPost && v.preRank == preNone {
		v.preRank = preDevOnly
	}
	if m[10] != "" {
		for _, seg := range strings.FieldsFunc(m[10], func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			if isDigits(seg) {
				v.local = append(v.local, ident{s: trimZeros(seg), num: true})
			} else {
				v.local = append(v.local, ident{s: seg})
			}
		}
	}
	return v, nil
}

// num0 is PEP 440's implicit number: "1.0a" is "1.0a0".
func num0(s string) string {
	if s == "" {
		return "0"
	}
	return trimZeros(s)
}

// compare orders by epoch, release, pre-release, post-release, dev release and
// local version, as PEP 440's "Summary of permitted suffixes and relative
// ordering" and packaging's sort key do.
func (v *pep440) compare(w *pep440) int {
	if c := cmpNum(v.epoch, w.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(v.release) || i < len(w.release); i++ {
		a, b := "0", "0"
		if i < len(v.release) {
			a = v.release[i]
		}
		if i < len(w.release) {
			b = w.release[i]
		}
		if c := cmpNum(a, b); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(v.preRank, w.preRank); c != 0 {
		return c
	}
	if v.preRank != preNone && v.preRank != preDevOnly {
		if c := cmpNum(v.preNum, w.preNum); c != 0 {
			return c
		}
	}
	// No post release is lower than any post release.
	if v.hasPost != w.hasPost {
		if v.hasPost {
			return 1
		}
		return -1
	}
	if v.hasPost {
		if c := cmpNum(v.postNum, w.postNum); c != 0 {
			return c
		}
	}
	// No dev release is higher than any dev release of the same version.
	if v.hasDev != w.hasDev {
		if v.hasDev {
			return -1
		}
		return 1
	}
	if v.hasDev {
		if c := cmpNum(v.devNum, w.devNum); c != 0 {
			return c
		}
	}
	return compareLocal(v.local, w.local)
}

// compareLocal follows PEP 440's local version ordering: no local is lowest,
// numeric segments beat alphanumeric ones, alphanumeric segments compare
// lexically (already lower-cased), and a longer local wins when the shorter is
// its prefix.
func compareLocal(a, b []ident) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.num && y.num:
			if c := cmpNum(x.s, y.s); c != 0 {
				return c
			}
		case x.num:
			return 1
		case y.num:
			return -1
		default:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(a), len(b))
}
