package fix

import (
	"fmt"
	"strings"
)

// contextLines is the number of unchanged lines a hunk shows around a change, as
// diff -u shows by default.
const contextLines = 3

// maxLCSCells bounds the LCS table (the product of the changed regions' line
// counts after the common head and tail are set aside): go.mod and requirements
// files are far below it; beyond it the changed region is shown as one
// replacement, still a correct diff, only not a minimal one.
const maxLCSCells = 4 << 20

// Unified returns the differences from a to b as a unified diff the way GNU
// diff -u writes it, headed "--- oldName" and "+++ newName" (without the
// timestamps diff adds); "" when they are equal. A last line without a newline
// is marked "\ No newline at end of file".
func Unified(oldName, newName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	x, y := splitLines(string(a)), splitLines(string(b))
	ops := lineOps(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks(ops) {
		writeHunk(&out, ops[h[0]:h[1]])
	}
	return out.String()
}

// splitLines splits s after each newline; a last line without one is kept
// as it is, so "a" and "a\n" differ as diff says they do.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

type opKind byte

const (
	opEqual  opKind = ' '
	opDelete opKind = '-'
	opInsert opKind = '+'
)

// op is one line of the edit script, with its 1-based numbers in a and b
// (the number it would have, for a line absent from that side).
type op struct {
	kind   opKind
	line   string
	ai, bi int
}

// lineOps computes an edit script from x to y: the common head and tail, and
// between them a longest common subsequence, deletions before insertions.
func lineOps(x, y []string) []op {
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	mx, my := x[head:len(x)-tail], y[head:len(y)-tail]
	var ops []op
	ai, bi := 1, 1
	emit := func(k opKind, s string) {
		ops = append(ops, op{kind: k, line: s, ai: ai, bi: bi})
		if k != opInsert {
			ai++
		}
		if k != opDelete {
			bi++
		}
	}
	for _, s := range x[:head] {
		emit(opEqual, s)
	}
	n, m := len(mx), len(my)
	if n*m > maxLCSCells {
		for _, s := range mx {
			emit(opDelete, s)
		}
		for _, s := range my {
			emit(opInsert, s)
		}
	} else {
		// lcs[i*(m+1)+j] is the length of the LCS of mx[i:] and my[j:].
		lcs := make([]int32, (n+1)*(m+1))
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if mx[i] == my[j] {
					lcs[i*(m+1)+j] = lcs[(i+1)*(m+1)+j+1] + 1
				} else {
					lcs[i*(m+1)+j] = max(lcs[(i+1)*(m+1)+j], lcs[i*(m+1)+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && mx[i] == my[j]:
				emit(opEqual, mx[i])
				i, j = i+1, j+1
			case j == m || (i < n && lcs[(i+1)*(m+1)+j] >= lcs[i*(m+1)+j+1]):
				emit(opDelete, mx[i])
				i++
			default:
				emit(opInsert, my[j])
				j++
			}
		}
	}
	for _, s := range x[len(x)-tail:] {
		emit(opEqual, s)
	}
	return ops
}

// hunks returns [start, end) ranges of ops: each change with up to contextLines
// equal lines either side, changes closer than 2*contextLines+1 lines sharing one.
func hunks(ops []op) [][2]int {
	var out [][2]int
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		start := max(i-contextLines, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != opEqual {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == opEqual {
				run++
			}
			if run == len(ops) || run-end > 2*contextLines {
				end = min(end+contextLines, len(ops))
				break
			}
			end = run
		}
		out = append(out, [2]int{start, end})
		i = end
	}
	return out
}

func writeHunk(out *strings.Builder, ops []op) {
	var na, nb int
	for _, o := range ops {
		if o.kind != opInsert {
			na++
		}
		if o.kind != opDelete {
			nb++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(ops[0].ai, na), hunkRange(ops[0].bi, nb))
	for _, o := range ops {
		out.WriteByte(byte(o.kind))
		out.WriteString(o.line)
		if !strings.HasSuffix(o.line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange writes a hunk's start and length as diff does: the length is left
// out when it is 1, and an empty range starts at the line before it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
