package fix

import (
	"bytes"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

// FuzzRequirements: no panic; a file the scan's parser reads still reads after
// the fix, with every package at its version except the raised ones, which are
// at least at the fix; a file with nothing applied comes back byte for byte.
func FuzzRequirements(f *testing.F) {
	for _, s := range []struct{ data, name, fixed string }{
		{"Django==3.2.5\n", "django", "3.2.14"},
		{"Django==4.2.16 \\\n    --hash=sha256:1d \\\n    --hash=sha256:6f\n    # via -r requirements.in\n", "django", "4.2.17"},
		{"Pillow[webp]==10.4.0 ; python_version < \"3.13\" \\\n    --hash=sha256:4d\n", "pillow", "10.4.1"},
		{"x==1.0 ; platform_release == 'a\\\\b' # \"quoted\" \\\n", "x", "1.1"},
		{"\ufeffzope.interface===7.1.0\r\nnamé==1\n", "zope-interface", "7.2"},
		{"a==1\\\n==2\n", "a", "3"},
		{"a==1 \\", "a", "2"},
		{"a==1 --hash=sha256:x\\\n\\\n", "a", "2"},
		{"requests==2.32.*\ncelery>=5.3,<6\n", "requests", "2.32.4"},
		{"# a==1\n-r other.txt\n", "a", "2"},
	} {
		f.Add(s.data, s.name, s.fixed)
	}
	f.Fuzz(func(t *testing.T, data, name, fixed string) {
		findings := []scan.Finding{{Package: name, Ecosystem: depscan.PyPI, ID: "F", FixedIn: fixed}}
		out, changes, err := Requirements("requirements.txt", []byte(data), findings)
		if err != nil {
			return
		}
		applied := map[string]string{}
		for _, c := range changes {
			if c.Applied {
				applied[c.Package] = c.To
			}
		}
		if len(applied) == 0 && !bytes.Equal(out, []byte(data)) {
			t.Fatalf("nothing applied but the file changed:\n%q\n%q", data, out)
		}
		before, err := parsedList(t, []byte(data))
		if err != nil {
			return
		}
		after, err := parsedList(t, out)
		if err != nil {
			t.Fatalf("input parsed, output does not: %v\nin  %q\nout %q", err, data, out)
		}
		if len(before) != len(after) {
			t.Fatalf("%d packages before, %d after\nin  %q\nout %q", len(before), len(after), data, out)
		}
		for i := range before {
			b, a := before[i], after[i]
			if a.Name != b.Name {
				t.Fatalf("package %d: %s became %s\nin  %q\nout %q", i, b.Name, a.Name, data, out)
			}
			to, raised := applied[b.Name]
			if !raised {
				if a.Version != b.Version {
					t.Fatalf("%s: %q became %q unasked\nin  %q\nout %q", b.Name, b.Version, a.Version, data, out)
				}
				continue
			}
			if a.Version == b.Version {
				continue // another pin of the same name, already fixed or a range
			}
			if c, err := version.Compare(depscan.PyPI, a.Version, to); err != nil || c < 0 {
				t.Fatalf("%s: %q after the fix, want %s or above\nin  %q\nout %q", b.Name, a.Version, to, data, out)
			}
		}
	})
}

func parsedList(t *testing.T, data []byte) ([]depscan.Package, error) {
	t.Helper()
	for _, p := range lockfileParsers() {
		if p.Name == "requirements.txt" {
			res, err := p.Parse("/nonexistent/requirements.txt", data)
			return res.Packages, err
		}
	}
	t.Fatal("no requirements.txt parser")
	return nil, nil
}

// FuzzGoMod: no panic; when it succeeds the result parses, holds every applied
// change (GoModWith verifies that itself) and nothing else moved: with nothing
// applied the file comes back byte for byte.
func FuzzGoMod(f *testing.F) {
	for _, s := range []struct{ data, module, fixed string }{
		{"module m\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.5 // indirect\n", "golang.org/x/text", "0.3.8"},
		{"module m\nrequire (\n\t\"golang.org/x/text\" \"v0.3.5\"\n)\n", "golang.org/x/text", "0.3.8"},
		{"module m\r\nrequire golang.org/x/text v0.3.5\r\n", "golang.org/x/text", "0.3.8"},
		{"module m\nreplace a => b v1.0.0\n", "b", "1.0.1"},
		{"module m\ngo 1.16\n", "golang.org/x/text", "0.3.8"},
		{"module \"m\\\"é\"\ngo 1.21\n", "stdlib", "1.21.5"},
		{"module m\nrequire 例え.jp/x v1.0.0 // ' \" \\\n", "例え.jp/x", "1.0.1"},
	} {
		f.Add(s.data, s.module, s.fixed)
	}
	f.Fuzz(func(t *testing.T, data, module, fixed string) {
		findings := []scan.Finding{{Package: module, Ecosystem: depscan.Go, ID: "F", FixedIn: fixed}}
		out, changes, err := GoModWith("go.mod", []byte(data), findings, GoOptions{Toolchain: true})
		if err != nil {
			return
		}
		if _, err := modfile.Parse("go.mod", out, nil); err != nil {
			t.Fatalf("result does not parse: %v\nin  %q\nout %q", err, data, out)
		}
		applied := false
		for _, c := range changes {
			applied = applied || c.Applied
		}
		if !applied && !bytes.Equal(out, []byte(data)) {
			t.Fatalf("nothing applied but the file changed:\n%q\n%q", data, out)
		}
	})
}
