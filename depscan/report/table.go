package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/perfwatch/perfwatch/depscan/scan"
)

// TableOptions say how Table writes.
type TableOptions struct {
	// Color adds ANSI colours (ColorFor decides): critical and high red, medium
	// yellow, low dim, and a health below 70 red.
	Color bool
}

// ANSI SGR sequences (ECMA-48).
const (
	sgrReset   = "\x1b[0m"
	sgrBoldRed = "\x1b[1;31m"
	sgrRed     = "\x1b[31m"
	sgrYellow  = "\x1b[33m"
	sgrDim     = "\x1b[2m"
)

// severityRank orders the ratings, most severe first; anything else sorts last.
func severityRank(s string) int {
	switch s {
	case "critical":
		return 0
	case "high":
		return 1
	case "medium":
		return 2
	case "low":
		return 3
	case "none":
		return 4
	}
	return 5
}

func severityColor(s string) string {
	switch s {
	case "critical":
		return sgrBoldRed
	case "high":
		return sgrRed
	case "medium":
		return sgrYellow
	case "low", "none":
		return sgrDim
	}
	return ""
}

// Table writes r for a person: per project its health, its findings most severe
// first, and a summary of outdated, deprecated and licence facts; then the
// problems, the sources not consulted and a total. Text from lockfiles and advisories is shown with control
// characters escaped, so a hostile package name cannot move the cursor.
func Table(w io.Writer, r *scan.Report, o TableOptions) error {
	bw := bufio.NewWriter(w)
	t := tableWriter{w: bw, color: o.Color}
	t.printf("perfwatch-depscan: %s, scanned %s\n", clean(r.Root), r.Scanned.UTC().Format("2006-01-02 15:04:05 MST"))
	total := map[string]int{}
	for _, p := range r.Projects {
		t.project(p)
		for _, f := range p.Findings {
			total[f.Severity]++
		}
	}
	if len(r.Problems) > 0 {
		t.printf("\nproblems:\n")
		for _, pr := range r.Problems {
			t.printf("  %s\n", clean(pr))
		}
	}
	if len(r.Notes) > 0 {
		t.printf("\nnot consulted:\n")
		for _, n := range r.Notes {
			t.printf("  %s\n", clean(n))
		}
	}
	t.printf("\n%s\n", t.totals(total, len(r.Projects)))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

type tableWriter struct {
	w     *bufio.Writer
	color bool
}

func (t *tableWriter) printf(format string, args ...any) {
	fmt.Fprintf(t.w, format, args...) // bufio keeps the first error for Flush
}

func (t *tableWriter) paint(sgr, s string) string {
	if !t.color || sgr == "" {
		return s
	}
	return sgr + s + sgrReset
}

func (t *tableWriter) project(p scan.Project) {
	health := strconv.Itoa(p.Health) + "/100"
	if p.Health < 70 {
		health = t.paint(sgrRed, health)
	}
	vulns := "no vulnerabilities"
	if n := len(p.Findings); n == 1 {
		vulns = "1 vulnerability"
	} else if n > 1 {
		vulns = strconv.Itoa(n) + " vulnerabilities"
	}
	t.printf("\nproject %s: health %s, %s, %s\n", clean(p.Name), health, plural(len(p.Packages), "package"), vulns)
	if len(p.Findings) > 0 {
		findings := slices.Clone(p.Findings)
		slices.SortStableFunc(findings, func(a, b scan.Finding) int {
			return cmp.Compare(severityRank(a.Severity), severityRank(b.Severity))
		})
		lineOf := lines(p)
		rows := [][]string{{"SEVERITY", "SCORE", "PACKAGE", "VERSION", "FIXED IN", "ID", "SOURCE"}}
		for _, f := range findings {
			score, fixed, source := "-", "-", f.Source
			if f.Score != nil {
				score = strconv.FormatFloat(*f.Score, 'f', 1, 64)
			}
			if f.FixedIn != "" {
				fixed = f.FixedIn
			}
			if line := lineOf[keyOf(f)]; line > 0 {
				source += ":" + strconv.Itoa(line)
			}
			rows = append(rows, []string{f.Severity, score, f.Package, f.Version, fixed, f.ID, source})
		}
		t.rows(rows)
	}
	t.summary(p)
}

// rows aligns cells in columns two spaces apart. text/tabwriter would count the
// colour escapes as width, so the padding is computed on the plain text and the
// colour wraps the first column's cell alone.
func (t *tableWriter) rows(rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(clean(c)))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range row {
			c = clean(c)
			pad := ""
			if i < len(row)-1 {
				pad = strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2)
			}
			if i == 0 && n > 0 {
				c = t.paint(severityColor(c), c)
			}
			b.WriteString(c + pad)
		}
		t.printf("%s\n", b.String())
	}
}

func (t *tableWriter) summary(p scan.Project) {
	outdated := map[string]int{}
	verdicts := map[string]int{}
	var deprecated, yanked, denied []string
	for _, d := range p.Packages {
		outdated[cmp.Or(d.Outdated, "unknown")]++
		verdicts[cmp.Or(d.LicenceVerdict, "unknown")]++
		name := clean(d.Name) + " " + clean(d.Version)
		if d.Deprecated != "" {
			deprecated = append(deprecated, name+reason(d.Deprecated))
		}
		if d.Yanked != "" {
			yanked = append(yanked, name+reason(d.Yanked))
		}
		if d.LicenceVerdict == "denied" {
			denied = append(denied, name+" ("+clean(cmp.Or(d.Licence, "unknown licence"))+")")
		}
	}
	if len(p.Packages) == 0 {
		return
	}
	t.printf("  outdated: %s\n", counts(outdated, "major", "minor", "patch", "current", "unknown"))
	t.printf("  licences: %s\n", counts(verdicts, "denied", "review", "unknown", "allowed"))
	for _, l := range []struct {
		label string
		names []string
		sgr   string
	}{{"denied licence", denied, sgrRed}, {"deprecated", deprecated, sgrYellow}, {"yanked", yanked, sgrYellow}} {
		for _, n := range l.names {
			t.printf("  %s: %s\n", t.paint(l.sgr, l.label), n)
		}
	}
}

func (t *tableWriter) totals(bySeverity map[string]int, projects int) string {
	n := 0
	for _, c := range bySeverity {
		n += c
	}
	head := fmt.Sprintf("%s in %s", plural(n, "vulnerability"), plural(projects, "project"))
	if n == 0 {
		return head
	}
	var parts []string
	for _, s := range []string{"critical", "high", "medium", "low", "none", "unknown"} {
		if c := bySeverity[s]; c > 0 {
			parts = append(parts, t.paint(severityColor(s), fmt.Sprintf("%d %s", c, s)))
		}
	}
	return head + ": " + strings.Join(parts, ", ")
}

// reason is a deprecation or yank message in parentheses; "yes" means the
// registry gave none.
func reason(s string) string {
	if s == "yes" {
		return ""
	}
	return " (" + clean(s) + ")"
}

// counts lists the keys in order with their counts, zeros included, so the line
// has the same shape for every project.
func counts(m map[string]int, keys ...string) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// clean escapes control characters (C0, DEL, C1, and invalid UTF-8) as Go's
// quoting does, so text from a lockfile or an advisory prints as it is and never
// as a terminal command.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// depKey identifies a dependency within a project the way a Finding names it.
type depKey struct{ eco, name, version, source string }

// lines maps each dependency of p to the lockfile line naming it (a Finding does
// not carry the line); a finding missing from the map has line 0, unknown.
func lines(p scan.Project) map[depKey]int {
	m := make(map[depKey]int, len(p.Packages))
	for _, d := range p.Packages {
		if d.Line > 0 {
			m[depKey{string(d.Ecosystem), d.Name, d.Version, d.Source}] = d.Line
		}
	}
	return m
}

func keyOf(f scan.Finding) depKey {
	return depKey{string(f.Ecosystem), f.Package, f.Version, f.Source}
}
