package fix

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// diffCases are compared with GNU diff -u, the reference implementation.
var diffCases = map[string][2]string{
	"go.mod raise": {
		"module example.com/m\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.1.0\n\tgolang.org/x/text v0.3.5 // indirect\n)\n",
		"module example.com/m\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.1.0\n\tgolang.org/x/text v0.3.8 // indirect\n)\n",
	},
	"two hunks": {
		lines(1, 30, nil), lines(1, 30, map[int]string{2: "two", 25: "twenty-five"}),
	},
	// Changes six unchanged lines apart share a hunk; seven apart do not.
	"gap of six":              {lines(1, 20, nil), lines(1, 20, map[int]string{5: "x", 12: "y"})},
	"gap of seven":            {lines(1, 20, nil), lines(1, 20, map[int]string{5: "x", 13: "y"})},
	"insert at start":         {"b\nc\n", "a\nb\nc\n"},
	"delete at end":           {"a\nb\nc\n", "a\nb\n"},
	"from empty":              {"", "a\nb\n"},
	"to empty":                {"a\nb\n", ""},
	"no newline at end, old":  {"a\nb", "a\nc\n"},
	"no newline at end, both": {"a\nb", "a\nc"},
	"newline added":           {"a\nb", "a\nb\n"},
	"replace block":           {"a\nb\nc\nd\ne\n", "a\nx\ny\nz\ne\n"},
	"requirements": {
		"Django==3.2.5 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n    # via -r requirements.in\nrequests==2.31.0\n",
		"Django==3.2.14\n    # via -r requirements.in\nrequests==2.31.0\n",
	},
	"multi-byte and quotes": {"名前 = \"値\"\n'x' \\ y\n", "名前 = \"値2\"\n'x' \\ y\n"},
}

// lines returns numbered lines from..to, with some replaced.
func lines(from, to int, replace map[int]string) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if s, ok := replace[i]; ok {
			b.WriteString(s + "\n")
		} else {
			b.WriteString("line " + string(rune('a'+i%26)) + strings.Repeat("!", i) + "\n")
		}
	}
	return b.String()
}

func TestUnifiedMatchesGNUDiff(t *testing.T) {
	diff, err := exec.LookPath("diff")
	if err != nil {
		t.Fatalf("GNU diff (Debian's diffutils) is the reference for this test: %v", err)
	}
	dir := t.TempDir()
	for name, c := range diffCases {
		t.Run(name, func(t *testing.T) {
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if err := os.WriteFile(a, []byte(c[0]), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(b, []byte(c[1]), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(diff, "-u", a, b).Output()
			var exit *exec.ExitError
			if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
				t.Fatalf("diff: %v", err)
			}
			want := "--- old\n+++ new\n" + dropHeader(string(out))
			got := Unified("old", "new", []byte(c[0]), []byte(c[1]))
			if got != want {
				t.Errorf("got\n%s\nGNU diff -u\n%s", got, want)
			}
		})
	}
}

// dropHeader removes diff's "---" and "+++" lines, which carry timestamps.
func dropHeader(s string) string {
	for range 2 {
		_, s, _ = strings.Cut(s, "\n")
	}
	return s
}

func TestUnifiedEqual(t *testing.T) {
	if d := Unified("a", "b", []byte("x\n"), []byte("x\n")); d != "" {
		t.Errorf("equal inputs gave %q", d)
	}
}

// Past the LCS bound the diff is still correct: applying it gives b.
func TestUnifiedLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		a.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b" + strings.Repeat("y", i%5) + "\n")
	}
	d := Unified("a", "b", []byte(a.String()), []byte(b.String()))
	if strings.Count(d, "\n-") != 3000 || strings.Count(d, "\n+") != 3001 {
		t.Errorf("large diff: %d deletions, %d insertions", strings.Count(d, "\n-"), strings.Count(d, "\n+")-1)
	}
}
