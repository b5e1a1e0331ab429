package metricsdoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSection(t *testing.T) {
	doc := "# M\n\n## A (`a`)\n\n| metric | type | labels | label bounds | emitted by |\n| --- | --- | --- | --- | --- |\n" +
		"| `a_total` | counter | `x` | two values | a |\n| `a_bytes` | gauge | | | a |\n\n## B\n\n| `b` | gauge | | | b |\n"
	path := filepath.Join(t.TempDir(), "m.md")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := Section(path, "A")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows["a_total"].Type != "counter" || rows["a_total"].Labels != "`x`" {
		t.Errorf("rows %+v", rows)
	}
	for _, tc := range []struct{ doc, heading, want string }{
		{doc, "C", "no section"},
		{"## A\n| `a` | counter |\n", "A", "want 5 columns"},
		{"## A\n| `a_{x,y}` | counter | | | |\n", "A", "one metric name"},
		{"## A\n| `a` | counter | | | |\n| `a` | counter | | | |\n", "A", "listed twice"},
	} {
		if err := os.WriteFile(path, []byte(tc.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Section(path, tc.heading); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Section(%q) err = %v, want %q", tc.heading, err, tc.want)
		}
	}
	if _, err := Section(filepath.Join(t.TempDir(), "none.md"), "A"); err == nil {
		t.Error("missing file accepted")
	}
}
