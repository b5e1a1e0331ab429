package licence

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
	"go.yaml.in/yaml/v3"

	"github.com/perfwatch/perfwatch/depscan/health"
	"github.com/perfwatch/perfwatch/internal/yamlstrict"
)

// defaultPolicyYAML is DefaultPolicy's source, also a starting point for a
// policy file of one's own.
//
//go:embed default-policy.yml
var defaultPolicyYAML []byte

// DefaultPolicyYAML returns the text of the default policy, to start a policy file from.
func DefaultPolicyYAML() []byte {
	return append([]byte(nil), defaultPolicyYAML...)
}

// Verdict is the policy's decision on one package's licence and why.
type Verdict struct {
	Licence health.Licence `json:"licence"`
	// Expression is the canonical SPDX expression judged, empty when the
	// declared licence was missing or not understood.
	Expression string `json:"expression,omitempty"`
	Reason     string `json:"reason"`
}

// Policy decides licences: each licence is allowed, to review or denied by the
// lists it is on, per project where the file says so.
type Policy struct {
	global   lists
	unknown  health.Licence
	projects map[string]*project
}

type project struct {
	lists
	ignore map[string]bool
}

// lists is one level of allow/review/deny entries: exact ids (or "id WITH
// exception", or an exception id alone) and prefix wildcards ("GPL-*").
type lists struct {
	exact map[string]health.Licence
	wild  []wildcard // longest prefix first
}

type wildcard struct {
	prefix string
	v      health.Licence
}

// policyFile is the YAML form of a Policy.
type policyFile struct {
	Allow    []string               `yaml:"allow"`
	Review   []string               `yaml:"review"`
	Deny     []string               `yaml:"deny"`
	Unknown  string                 `yaml:"unknown"`
	Projects map[string]projectFile `yaml:"projects"`
}

type projectFile struct {
	Allow  []string `yaml:"allow"`
	Review []string `yaml:"review"`
	Deny   []string `yaml:"deny"`
	Ignore []string `yaml:"ignore"`
}

// DefaultPolicy is the policy used without a policy file: permissive licences
// allowed, weak and strong copyleft to review, network copyleft and
// source-available licences denied, unknown licences reported as unknown.
// default-policy.yml in this package is its text.
func DefaultPolicy() *Policy {
	p, err := ParsePolicy("default-policy.yml", defaultPolicyYAML)
	if err != nil {
		// The embedded file is tested; failing here is a build defect.
		panic(fmt.Sprintf("licence: default policy: %v", err))
	}
	return p
}

// LoadPolicy reads a policy file (see ParsePolicy).
func LoadPolicy(file string) (*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read licence policy: %w", err)
	}
	return ParsePolicy(file, data)
}

// ParsePolicy parses a policy: top-level allow, review and deny lists, unknown
// (unknown, review or deny: what a missing or unreadable licence counts as) and
// projects, keyed by project directory as the scan names it ("." for the root),
// each with allow, review and deny entries that take precedence over the
// top-level ones and ignore, the package names accepted whatever their licence.
// Entries are SPDX licence ids, "id WITH exception", exception ids (any licence
// with that exception), LicenseRefs, or a prefix ending in "*". Errors name the
// field and its line.
func ParsePolicy(name string, data []byte) (*Policy, error) {
	var f policyFile
	if err := yamlstrict.Decode(data, &f); err != nil && !errors.Is(err, yamlstrict.ErrEmpty) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lines := fieldLines(data)
	fail := func(field string, err error) error {
		if l, ok := lines[field]; ok {
			return fmt.Errorf("%s: %s (line %d): %w", name, field, l, err)
		}
		return fmt.Errorf("%s: %s: %w", name, field, err)
	}
	p := &Policy{unknown: health.LicenceUnknown, projects: map[string]*project{}}
	switch f.Unknown {
	case "", "unknown":
	case "review":
		p.unknown = health.LicenceReview
	case "deny":
		p.unknown = health.LicenceDenied
	default:
		return nil, fail("unknown", fmt.Errorf("%q: want unknown, review or deny", f.Unknown))
	}
	var err error
	if p.global, err = buildLists("", f.Allow, f.Review, f.Deny, fail); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(f.Projects))
	for n := range f.Projects {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pf := f.Projects[n]
		key := projectKey(n)
		prefix := "projects." + n + "."
		if _, dup := p.projects[key]; dup {
			return nil, fail("projects."+n, fmt.Errorf("names the same directory as another project (%s)", key))
		}
		l, err := buildLists(prefix, pf.Allow, pf.Review, pf.Deny, fail)
		if err != nil {
			return nil, err
		}
		pr := &project{lists: l, ignore: map[string]bool{}}
		for i, pkg := range pf.Ignore {
			if strings.TrimSpace(pkg) == "" {
				return nil, fail(fmt.Sprintf("%signore[%d]", prefix, i), errors.New("empty package name"))
			}
			pr.ignore[pkg] = true
		}
		p.projects[key] = pr
	}
	return p, nil
}

// projectKey cleans a project directory so "./rum/" and "rum" are one project.
func projectKey(dir string) string {
	return path.Clean(strings.ReplaceAll(dir, "\\", "/"))
}

func buildLists(prefix string, allow, review, deny []string, fail func(string, error) error) (lists, error) {
	l := lists{exact: map[string]health.Licence{}}
	where := map[string]string{}
	for _, list := range []struct {
		name    string
		entries []string
		v       health.Licence
	}{{"allow", allow, health.LicenceAllowed}, {"review", review, health.LicenceReview}, {"deny", deny, health.LicenceDenied}} {
		for i, raw := range list.entries {
			field := fmt.Sprintf("%s%s[%d]", prefix, list.name, i)
			key, wild, err := entryKey(raw)
			if err != nil {
				return lists{}, fail(field, err)
			}
			if other, dup := where[key]; dup {
				return lists{}, fail(field, fmt.Errorf("%s is already listed as %s", key, other))
			}
			where[key] = field
			if wild {
				l.wild = append(l.wild, wildcard{key, list.v})
			} else {
				l.exact[key] = list.v
			}
		}
	}
	sort.SliceStable(l.wild, func(i, j int) bool { return len(l.wild[i].prefix) > len(l.wild[j].prefix) })
	return l, nil
}

// entryKey canonicalises a list entry: a wildcard prefix, an exception id, or
// one licence (with "+" or WITH) as the expression parser writes it.
func entryKey(raw string) (key string, wild bool, err error) {
	s := strings.TrimSpace(raw)
	if p, ok := strings.CutSuffix(s, "*"); ok {
		if p == "" || strings.ContainsAny(p, " *()") {
			return "", false, fmt.Errorf("wildcard %q: want a prefix then *, like GPL-*", raw)
		}
		return p, true, nil
	}
	if ok, canon := spdxlicenses.IsException(s); ok {
		return canon, false, nil
	}
	e, err := parseExpr(s)
	if err != nil {
		return "", false, fmt.Errorf("%q: %w", raw, err)
	}
	if e.op != opLicence {
		return "", false, fmt.Errorf("%q is a compound expression: list its licences one by one", raw)
	}
	return e.String(), false, nil
}

// fieldLines maps each field path of a YAML document (projects.rum.allow[2])
// to its line, for errors about values that decode but do not validate.
// yamlstrict.FieldPaths goes the other way and keeps one path per line, which
// loses the items of a list written on the line of its key.
func fieldLines(data []byte) map[string]int {
	out := map[string]int{}
	yamlstrict.Walk(data, func(path string, key, value *yaml.Node) {
		if key != nil {
			out[path] = key.Line
		} else {
			out[path] = value.Line
		}
	})
	return out
}

// Evaluate judges the licence a package declares (raw: an SPDX expression or
// any form Normalize reads) for a project. OR takes the best alternative, AND
// the worst term; a licence WITH an exception is judged by an entry naming
// both, else one naming the exception, else the licence alone; "X+" and
// "X-or-later" fall back to X's (or X-only's) entry, one of the choices they
// give. A licence on no list is to review; a missing or unreadable one is what
// the policy's unknown says.
func (p *Policy) Evaluate(project, pkgName, raw string) Verdict {
	pr := p.projects[projectKey(project)]
	if pr != nil && pr.ignore[pkgName] {
		return Verdict{Licence: health.LicenceAllowed, Reason: fmt.Sprintf("%s is ignored by the policy of project %s", pkgName, projectKey(project))}
	}
	e, ok := normalize(raw)
	if !ok {
		return Verdict{Licence: p.unknown, Reason: unknownReason(raw)}
	}
	v, why := p.judge(pr, e)
	return Verdict{Licence: v, Expression: e.String(), Reason: why}
}

func unknownReason(raw string) string {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "no licence declared"
	case strings.EqualFold(s, "UNLICENSED"):
		return "UNLICENSED: the package grants no licence to others"
	case len(s) > 15 && strings.EqualFold(s[:15], "SEE LICENSE IN "):
		return fmt.Sprintf("licence only in a file of the package (%q)", s)
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return fmt.Sprintf("%q is not an SPDX licence expression", s)
}

// judge returns the verdict on e and the reason of the term that decided it.
func (p *Policy) judge(pr *project, e *expr) (health.Licence, string) {
	if e.op == opLicence {
		return p.judgeLicence(pr, e)
	}
	var best health.Licence
	var why string
	for i, t := range e.terms {
		v, w := p.judge(pr, t)
		// health.Licence orders verdicts from best (Allowed) to worst (Denied).
		if i == 0 || e.op == opOr && v < best || e.op == opAnd && v > best {
			best, why = v, w
		}
	}
	return best, why
}

func verdictWord(v health.Licence) string {
	switch v {
	case health.LicenceAllowed:
		return "allowed"
	case health.LicenceDenied:
		return "denied"
	}
	return "on the review list"
}

func (p *Policy) judgeLicence(pr *project, e *expr) (health.Licence, string) {
	name := e.String()
	levels := []*lists{&p.global}
	if pr != nil {
		levels = []*lists{&pr.lists, &p.global}
	}
	cands := candidates(e)
	for _, l := range levels {
		if v, entry, ok := l.lookup(cands); ok {
			if entry != name {
				return v, fmt.Sprintf("%s %s (policy entry %s)", name, verdictWord(v), entry)
			}
			return v, fmt.Sprintf("%s %s", name, verdictWord(v))
		}
	}
	return health.LicenceReview, fmt.Sprintf("%s is on none of the policy's lists: review", name)
}

// candidate is a policy entry that may decide a licence; only licence ids
// are matched against wildcards, so "GPL-*" does not catch an exception.
type candidate struct {
	key string
	id  bool
}

// candidates lists the entries that may decide a licence, most specific first.
func candidates(e *expr) []candidate {
	base := &expr{id: e.id, plus: e.plus}
	var out []candidate
	if e.exception != "" {
		out = append(out, candidate{e.String(), false}, candidate{e.exception, false})
	}
	out = append(out, candidate{base.String(), true})
	if e.plus {
		out = append(out, candidate{e.id, true})
	}
	if b, ok := strings.CutSuffix(e.id, "-or-later"); ok {
		out = append(out, candidate{b + "-only", true})
	}
	return out
}

// lookup finds the first candidate among the exact entries, then among the wildcards.
func (l *lists) lookup(cands []candidate) (health.Licence, string, bool) {
	for _, c := range cands {
		if v, ok := l.exact[c.key]; ok {
			return v, c.key, true
		}
	}
	for _, c := range cands {
		if !c.id {
			continue
		}
		for _, w := range l.wild {
			if strings.HasPrefix(c.key, w.prefix) {
				return w.v, w.prefix + "*", true
			}
		}
	}
	return 0, "", false
}
