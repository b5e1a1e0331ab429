package fix

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

var (
	// reqCommentRE is a comment as pip strips it: a # at the start or after
	// white space.
	reqCommentRE = regexp.MustCompile(`(^|\s+)#.*$`)
	// reqNameRE is the PEP 508 distribution name a requirement starts with.
	reqNameRE = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)`)
	// reqPinRE is "name[extras] == version" (or ===) up to the version's end;
	// group 4 is the version.
	reqPinRE  = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(\s*\[[^\]]*\])?\s*(===|==)\s*([^\s;,\\#]+)`)
	reqNormRE = regexp.MustCompile(`[-_.]+`)
)

// pyName is PEP 503's normalised name, as the scan reports PyPI packages.
func pyName(n string) string { return strings.ToLower(reqNormRE.ReplaceAllString(n, "-")) }

// physical is one line of the file with its line ending ("\n", "\r\n" or "").
type physical struct{ text, eol string }

// Requirements raises each "name==version" pin in a requirements file (path,
// contents data) that findings name to the highest of their fixed versions,
// keeping extras, environment markers, comments and continuations. Findings are
// matched by PyPI name; pass those whose Source is this file.
//
// A pin's --hash options are removed when it is raised: they are the hashes of
// the old version's files, so pip's hash-checking mode would refuse the new
// version as tampered with; without them pip says the hashes are missing and
// names the package, and the Change says to regenerate them (pip-compile
// --generate-hashes). Requirements that are not pinned to one version
// (">=1.0", "==1.*", a bare name, "name @ url") are reported, not rewritten: a
// range is the author's decision, and pip already installs a fixed version
// when the range allows one.
func Requirements(path string, data []byte, findings []scan.Finding) ([]byte, []Change, error) {
	targets := pyTargets(findings)
	if len(targets) == 0 {
		return data, nil, nil
	}
	lines := splitPhysical(string(data))
	seen := map[string]bool{}
	var changes []Change
	var drop []int // physical lines emptied of their hashes
	for _, group := range logicalGroups(lines) {
		first := &lines[group[0]]
		bom := ""
		if group[0] == 0 && strings.HasPrefix(first.text, "\ufeff") {
			bom = "\ufeff"
		}
		text := strings.TrimPrefix(first.text, bom)
		m := reqNameRE.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		name := pyName(m[1])
		t, ok := targets[name]
		if !ok {
			continue
		}
		seen[name] = true
		if len(t.unfixed) > 0 {
			changes = append(changes, Change{File: path, Package: name, From: t.from, Fixes: t.unfixed,
				Note: "no fixed version is known: remove or replace the requirement"})
		}
		if t.version == "" {
			continue
		}
		c := Change{File: path, Package: name, From: t.from, To: t.version, Fixes: t.fixes}
		pin := reqPinRE.FindStringSubmatchIndex(text)
		if pin == nil || strings.Contains(text[pin[8]:pin[9]], "*") || strings.HasPrefix(strings.TrimSpace(text[pin[9]:]), ",") {
			c.Note = "not pinned to one version (" + strings.TrimSpace(joined(lines, group)) + "): raise its lower bound to " +
				t.version + " or pin it; left as it is"
			changes = append(changes, c)
			continue
		}
		cur := text[pin[8]:pin[9]]
		c.From = cur
		if cmp, err := version.Compare(depscan.PyPI, t.version, cur); err != nil {
			c.Note = fmt.Sprintf("cannot order %s and %s: %v; left as it is", cur, t.version, err)
			changes = append(changes, c)
			continue
		} else if cmp <= 0 {
			c.Note = "already pinned at or above the fixed version"
			changes = append(changes, c)
			continue
		}
		first.text = bom + text[:pin[8]] + t.version + text[pin[9]:]
		c.Applied = true
		if n, emptied := dropHashes(lines, group); n > 0 {
			drop = append(drop, emptied...)
			c.Note = fmt.Sprintf("removed %d --hash options, the hashes of %s's files: regenerate them (pip-compile --generate-hashes) before installing with --require-hashes", n, cur)
		}
		changes = append(changes, c)
	}
	for _, name := range sortedKeys(targets) {
		if !seen[name] {
			t := targets[name]
			changes = append(changes, Change{File: path, Package: name, From: t.from, To: t.version, Fixes: slices.Concat(t.fixes, t.unfixed),
				Note: "not named in this file (an included or constraints file may pin it); left as it is"})
		}
	}
	var out strings.Builder
	for i, l := range lines {
		if !slices.Contains(drop, i) {
			out.WriteString(l.text + l.eol)
		}
	}
	return []byte(out.String()), changes, nil
}

type pyTarget struct {
	version, from  string
	fixes, unfixed []string
}

func pyTargets(findings []scan.Finding) map[string]*pyTarget {
	out := map[string]*pyTarget{}
	for _, f := range findings {
		if f.Ecosystem != depscan.PyPI {
			continue
		}
		name := pyName(f.Package)
		t, ok := out[name]
		if !ok {
			t = &pyTarget{from: f.Version}
			out[name] = t
		}
		if f.FixedIn == "" {
			t.unfixed = appendOnce(t.unfixed, f.ID)
			continue
		}
		t.fixes = appendOnce(t.fixes, f.ID)
		if t.version == "" {
			t.version = f.FixedIn
		} else if c, err := version.Compare(depscan.PyPI, f.FixedIn, t.version); err == nil && c > 0 {
			t.version = f.FixedIn
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func splitPhysical(s string) []physical {
	var out []physical
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, physical{text: s})
			break
		}
		l := physical{text: s[:i], eol: "\n"}
		if strings.HasSuffix(l.text, "\r") {
			l.text, l.eol = l.text[:len(l.text)-1], "\r\n"
		}
		out = append(out, l)
		s = s[i+1:]
	}
	return out
}

// logicalGroups groups physical lines as pip joins them: a line ending in a
// backslash (after its comment is removed) continues on the next, and a line
// holding only a comment stands alone.
func logicalGroups(lines []physical) [][]int {
	var out [][]int
	var cur []int
	for i, l := range lines {
		if len(cur) == 0 && strings.HasPrefix(strings.TrimSpace(l.text), "#") {
			out = append(out, []int{i})
			continue
		}
		cur = append(cur, i)
		if continues(l.text) && i < len(lines)-1 {
			continue
		}
		out = append(out, cur)
		cur = nil
	}
	return out
}

func continues(text string) bool {
	return strings.HasSuffix(reqCommentRE.ReplaceAllString(text, ""), `\`)
}

// joined is a logical line's text without its continuations and comments, for
// messages.
func joined(lines []physical, group []int) string {
	parts := make([]string, 0, len(group))
	for _, i := range group {
		t := reqCommentRE.ReplaceAllString(strings.TrimPrefix(lines[i].text, "\ufeff"), "")
		parts = append(parts, strings.TrimSpace(strings.TrimSuffix(t, `\`)))
	}
	return strings.Join(parts, " ")
}

// dropHashes removes the --hash options of one logical line, returning how many
// there were and the continuation lines left empty (to be dropped). The last
// line kept loses its backslash when the lines after it went, so the
// requirement does not run on into the next one.
func dropHashes(lines []physical, group []int) (int, []int) {
	n := 0
	var kept, emptied []int
	for k, i := range group {
		var removed int
		lines[i].text, removed = stripHashes(lines[i].text)
		n += removed
		if k > 0 && strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lines[i].text), `\`)) == "" {
			emptied = append(emptied, i)
			continue
		}
		kept = append(kept, i)
	}
	if n == 0 {
		return 0, nil
	}
	last := kept[len(kept)-1]
	if last != group[len(group)-1] {
		t := strings.TrimRight(lines[last].text, " \t")
		lines[last].text = strings.TrimRight(strings.TrimSuffix(t, `\`), " \t")
		// The dropped line's ending goes with it; the kept line keeps its own.
	}
	return n, emptied
}

// stripHashes removes the --hash options of one physical line with the white
// space before them, and with each the words after it up to the next option,
// comment or continuation: pip would refuse such words, the scan's parser
// ignores them, and left alone they would read as part of the new version. A
// continuation backslash glued to a removed value stays.
func stripHashes(line string) (string, int) {
	type span struct{ start, end int }
	var toks []span
	for i := 0; i < len(line); {
		if line[i] == ' ' || line[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		toks = append(toks, span{i, j})
		i = j
	}
	isCont := func(k int) bool { return k == len(toks)-1 && line[toks[k].start:toks[k].end] == `\` }
	var out strings.Builder
	n, last := 0, 0
	for k := 0; k < len(toks); k++ {
		tok := line[toks[k].start:toks[k].end]
		if tok != "--hash" && !strings.HasPrefix(tok, "--hash=") {
			continue
		}
		n++
		cut := toks[k].start
		for cut > last && (line[cut-1] == ' ' || line[cut-1] == '\t') {
			cut--
		}
		j := k + 1
		if tok == "--hash" && j < len(toks) && !isCont(j) {
			j++
		}
		for j < len(toks) && !isCont(j) && !strings.HasPrefix(line[toks[j].start:], "-") && !strings.HasPrefix(line[toks[j].start:], "#") {
			j++
		}
		out.WriteString(line[last:cut])
		end := toks[j-1].end
		if j == len(toks) && strings.HasSuffix(line, `\`) && !isCont(j-1) {
			out.WriteString(" \\") // the continuation was glued to the value
		}
		last = end
		k = j - 1
	}
	out.WriteString(line[last:])
	return out.String(), n
}
