package report

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, the output as reviewed by a person.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestTablePlain(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *scan.Report
	}{
		{"table.golden", decorated(t)},
		{"table-scan.golden", scanned(t)},
		{"table-empty.golden", &scan.Report{Schema: scan.SchemaVersion, Root: "empty", Scanned: scanTime}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Table(&b, tc.r, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b.Bytes(), []byte("\x1b")) {
				t.Error("plain table holds an escape sequence")
			}
			golden(t, tc.name, b.Bytes())
		})
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// The coloured table is the plain one with SGR sequences added: the colours ECMA-48
// assigns (31 red, 33 yellow, 2 faint) on the cells the severity names.
func TestTableColor(t *testing.T) {
	r := decorated(t)
	var plain, colored bytes.Buffer
	if err := Table(&plain, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Table(&colored, r, TableOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if got := sgr.ReplaceAll(colored.Bytes(), nil); !bytes.Equal(got, plain.Bytes()) {
		t.Errorf("colour changed the text:\n%s\nplain:\n%s", got, plain.Bytes())
	}
	for _, want := range []string{
		"\x1b[1;31mcritical\x1b[0m", "\x1b[31mhigh\x1b[0m", "\x1b[31m40/100\x1b[0m",
		"\x1b[31mdenied licence\x1b[0m", "\x1b[33mdeprecated\x1b[0m",
	} {
		if !strings.Contains(colored.String(), want) {
			t.Errorf("coloured table lacks %q:\n%s", want, colored.String())
		}
	}
	if strings.Contains(colored.String(), "\x1b[31munknown") {
		t.Error("unknown severity painted red")
	}
}

// A package name with an escape sequence or a newline prints quoted, not as a
// terminal command or a fake row.
func TestTableEscapesControlCharacters(t *testing.T) {
	r := scanned(t)
	r.Projects[0].Findings[0].Package = "evil\x1b[2J\nfake row"
	r.Problems = []string{"bad\rname: \u00e9t\u00e9 \"quoted\" \\ back"}
	var b bytes.Buffer
	if err := Table(&b, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\r") || strings.Contains(out, "\nfake row") {
		t.Fatalf("control characters passed through:\n%q", out)
	}
	for _, want := range []string{`evil\x1b[2J\nfake row`, `bad\rname: été \"quoted\" \\ back`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestTableWriteError(t *testing.T) {
	if err := Table(failingWriter{}, scanned(t), TableOptions{}); err == nil {
		t.Error("a failing writer went unreported")
	}
}
