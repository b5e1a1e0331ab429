package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

// summary renders a package compactly: name@version, then "direct"/"indirect",
// "dev" when set, and base(source):line.
func summary(p depscan.Package) string {
	s := fmt.Sprintf("%s@%s ", p.Name, p.Version)
	if p.Direct {
		s += "direct"
	} else {
		s += "indirect"
	}
	if p.Dev {
		s += " dev"
	}
	return fmt.Sprintf("%s %s:%d", s, filepath.Base(p.Source), p.Line)
}

func summaries(ps []depscan.Package) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = summary(p)
	}
	return out
}

func noteTexts(ns []Note) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fmt.Sprintf("%s:%d: %s", filepath.Base(n.File), n.Line, n.Text)
	}
	return out
}

func parseFile(t *testing.T, p Parser, path string) Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Parse(path, data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func parserNamed(t *testing.T, name string) Parser {
	t.Helper()
	for _, p := range Parsers() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no parser %s", name)
	return Parser{}
}

func TestParsers(t *testing.T) {
	tests := []struct {
		parser, path string
		want         []string
		notes        []string
	}{
		{
			parser: "go.mod", path: "testdata/gomod/new/go.mod",
			want: []string{
				"github.com/gorilla/mux@v1.8.1 direct go.mod:8",
				"golang.org/x/text@v0.14.0 indirect go.mod:9",
				"github.com/someone/forked@v1.0.1 direct go.mod:10",
				"github.com/google/uuid@v1.6.0 direct go.mod:14",
				"stdlib@v1.22.5 direct go.mod:5",
				"toolchain@v1.22.5 direct go.mod:5",
			},
			notes: []string{"go.mod:11: example.com/local v0.0.0 is replaced by the directory ../local: skipped"},
		},
		{
			// go 1.16: go.sum's fully hashed modules join go.mod's requires.
			parser: "go.mod", path: "testdata/gomod/old/go.mod",
			want: []string{
				"github.com/pkg/errors@v0.9.1 direct go.mod:5",
				"stdlib@v1.16.0 direct go.mod:3",
				"toolchain@v1.16.0 direct go.mod:3",
				"golang.org/x/sys@v0.1.0 indirect go.sum:6",
			},
		},
		{
			parser: "go.sum", path: "testdata/gomod/old/go.sum",
			want: []string{
				"github.com/pkg/errors@v0.9.1 indirect go.sum:2",
				"golang.org/x/sys@v0.1.0 indirect go.sum:6",
			},
		},
		{
			parser: "requirements.txt", path: "testdata/requirements/requirements.txt",
			want: []string{
				"asgiref@3.8.1 direct base.txt:1",
				"sqlparse@0.5.1 direct base.txt:2",
				"certifi@2024.8.30 direct common.txt:2",
				"django@4.2.16 direct requirements.txt:7",
				"psycopg2-binary@2.9.9 direct requirements.txt:11",
				"pillow@10.4.0 direct requirements.txt:12",
				"zope-interface@7.1.0 direct requirements.txt:14",
				"celery@5.4.0 direct requirements.txt:15", // pinned by constraints.txt
				"gunicorn@ direct requirements.txt:16",
				"typing-extensions@ direct requirements.txt:17",
				"requests@ direct requirements.txt:18",
				"whitenoise@6.7.0 direct requirements.txt:19",
				"mylib@ direct requirements.txt:21",
			},
			notes: []string{
				"requirements.txt:20: editable requirement git+https://github.com/example/django-extra.git@v1.0#egg=django-extra skipped: it names no released version",
				"requirements.txt:21: mylib comes from https://example.com/mylib-1.0.tar.gz: reported without a version",
				"requirements.txt:22: requirement ./vendor/localpkg skipped: a URL or path names no released version",
			},
		},
		{
			parser: "poetry.lock", path: "testdata/poetry/poetry.lock",
			want: []string{
				"certifi@2024.8.30 direct poetry.lock:3",
				"django@4.2.16 direct poetry.lock:14",
				"pytest@8.3.3 direct dev poetry.lock:31",
				"zope-interface@7.1.0 indirect poetry.lock:39",
			},
		},
		{
			parser: "poetry.lock", path: "testdata/poetry/poetry1.lock",
			want: []string{
				"requests@2.25.1 indirect poetry1.lock:1",
				"pytest@6.2.2 direct dev poetry1.lock:9",
			},
		},
		{
			parser: "Pipfile.lock", path: "testdata/pipfile/Pipfile.lock",
			want: []string{
				"certifi@2024.8.30 indirect Pipfile.lock:19",
				"flask@3.0.3 direct Pipfile.lock:26",
				"requests@2.32.3 direct Pipfile.lock:31",
				"pytest@8.3.3 direct dev Pipfile.lock:45",
				"iniconfig@2.0.0 indirect dev Pipfile.lock:48",
			},
			notes: []string{"Pipfile.lock:36: mylib (https://github.com/example/mylib.git) has no pinned version: skipped"},
		},
		{
			parser: "uv.lock", path: "testdata/uv/uv.lock",
			want: []string{
				"anyio@4.6.2.post1 indirect uv.lock:5",
				"httpx@0.27.2 direct uv.lock:37",
				"pytest@8.3.3 direct dev uv.lock:47",
				"mylib@0.2.0 indirect uv.lock:52",
			},
			notes: []string{"uv.lock:57: sibling comes from the local path ../sibling: skipped"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := parseFile(t, parserNamed(t, tt.parser), tt.path)
			if got := summaries(res.Packages); !slices.Equal(got, tt.want) {
				t.Errorf("packages:\n got %q\nwant %q", got, tt.want)
			}
			if got := noteTexts(res.Notes); !slices.Equal(got, tt.notes) && len(got)+len(tt.notes) > 0 {
				t.Errorf("notes:\n got %q\nwant %q", got, tt.notes)
			}
		})
	}
}

// TestOwnGoMod reads this repository's own go.mod files.
func TestOwnGoMod(t *testing.T) {
	p := parserNamed(t, "go.mod")
	tests := []struct {
		path string
		want []string // name@version direct|indirect
	}{
		{"../../go.mod", []string{
			"github.com/gorilla/mux@v1.8.1 direct",
			"golang.org/x/net@v0.62.0 indirect",
			"stdlib@v1.26.", // the go line, whichever 1.26 release it names
			"toolchain@v1.26.",
		}},
		{"../../instrument/go.mod", []string{"stdlib@", "toolchain@"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := parseFile(t, p, tt.path)
			var got []string
			for _, pkg := range res.Packages {
				got = append(got, summary(pkg))
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					if strings.HasPrefix(g, w) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no package %q in %q", tt.path, w, got)
				}
			}
			// The local instrument modules are replaced by directories.
			for _, g := range got {
				if strings.HasPrefix(g, "github.com/perfwatch/perfwatch/instrument") {
					t.Errorf("directory replacement reported: %s", g)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	noFiles := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	tests := []struct {
		name, file, data, want string
	}{
		{"go.mod syntax", "go.mod", "module m\n\nrequire (\n\tfoo\n)\n", "go.mod:4: "},
		{"go.mod version", "go.mod", "module m\ngo 1.21\nrequire example.com/a 1.0\n", "go.mod:3: require example.com/a: "},
		{"go.sum fields", "go.sum", "example.com/a v1.0.0 h1:x=\nexample.com/b v1.0.0\n", "go.sum:2: want \"module version hash\", got 2 fields"},
		{"go.sum version", "go.sum", "example.com/a 1.0 h1:x=\n", "go.sum:1: "},
		{"requirements spec", "requirements.txt", "a==1\n\nflask=>2.0\n", "requirements.txt:3: bad version specifier \"=>2.0\""},
		{"requirements version", "requirements.txt", "a==1 \\\n  --hash=sha256:00\nb==not-a-version\n", "requirements.txt:3: bad version \"not-a-version\""},
		{"requirements option", "requirements.txt", "--frobnicate\n", "requirements.txt:1: unknown option --frobnicate"},
		{"requirements include", "requirements.txt", "a==1\n-r missing.txt\n", "requirements.txt:2: included file missing.txt does not exist"},
		{"requirements name", "requirements.txt", "[x]==1\n", "requirements.txt:1: \"[x]==1\" does not start with a package name"},
		{"poetry syntax", "poetry.lock", "[[package]]\nname = \"a\"\nversion = 1.2.3\n", "poetry.lock:3: "},
		{"poetry type", "poetry.lock", "[[package]]\nname = 3\n", "poetry.lock:2: incompatible types"},
		{"poetry missing", "poetry.lock", "[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\nversion = \"1\"\n", "poetry.lock:1: package without name or version"},
		{"uv no version", "uv.lock", "version = 1\n\n[[package]]\nname = \"a\"\nsource = { registry = \"x\" }\n", "uv.lock:3: package a has no version"},
		{"pipfile syntax", "Pipfile.lock", "{\n  \"default\": {\n    \"a\": {\"version\": \"==1\",}\n  }\n}\n", "Pipfile.lock:3: "},
		{"pipfile type", "Pipfile.lock", "{\n  \"default\": {\n    \"a\": {\"version\": 1}\n  }\n}\n", "Pipfile.lock:3: "},
		{"pipfile truncated", "Pipfile.lock", "{\n  \"default\": {\n", "Pipfile.lock:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			switch tt.file {
			case "go.mod":
				_, err = parseGoMod(tt.file, []byte(tt.data), "go.sum", nil)
			case "go.sum":
				_, err = parseGoSum(tt.file, []byte(tt.data))
			case "requirements.txt":
				_, err = parseRequirements(tt.file, []byte(tt.data), noFiles)
			case "poetry.lock":
				_, err = parsePoetry(tt.file, []byte(tt.data), nil)
			case "uv.lock":
				_, err = parseUV(tt.file, []byte(tt.data))
			case "Pipfile.lock":
				_, err = parsePipfileLock(tt.file, []byte(tt.data), nil)
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *ParseError", err)
			}
		})
	}
}

func TestRequirementsIncludeCycle(t *testing.T) {
	p := parserNamed(t, "requirements.txt")
	path := "testdata/requirements/nested/requirements.txt"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Parse(path, data)
	want := "testdata/requirements/nested/cycle.txt:2: include cycle: requirements.txt -> cycle.txt -> requirements.txt"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestRequirementsDepth(t *testing.T) {
	// Each file includes the next, distinct one: no cycle, but too deep.
	read := func(path string) ([]byte, error) {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(path), "r%d.txt", &n); err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, "p%d==1.0\n-r r%d.txt\n", n, n+1), nil
	}
	_, err := parseRequirements("r0.txt", []byte("-r r1.txt\n"), read)
	if err == nil || !strings.Contains(err.Error(), "includes nested deeper than 16") {
		t.Errorf("error %v, want the depth bound", err)
	}
}

func TestRequirementNames(t *testing.T) {
	tests := []struct{ line, name, version string }{
		{"Django==4.2", "django", "4.2"},
		{"Foo_Bar.baz == 1.0.post1", "foo-bar-baz", "1.0.post1"},
		{"a[x, y]==2 ; python_version < \"3.11\" and os_name == 'posix'", "a", "2"},
		{"b (==1.0)", "b", "1.0"},
		{"c>=1,<2", "c", ""},
		{"d==1.*", "d", ""},
		{"e~=1.4", "e", ""},
		{"f==1.0,!=1.0.1", "f", "1.0"},
		{"g==1.0+local.7", "g", "1.0+local.7"},
		{"h===weird-1", "h", "weird-1"},
		{"i==1.0rc1 --hash=sha256:aa --hash=sha256:bb", "i", "1.0rc1"},
	}
	for _, tt := range tests {
		req, err := parseRequirement(tt.line)
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if req.name != tt.name || req.version != tt.version {
			t.Errorf("%q: got %s@%s, want %s@%s", tt.line, req.name, req.version, tt.name, tt.version)
		}
	}
}

func TestGoSemver(t *testing.T) {
	tests := map[string]string{
		"1.21": "v1.21.0", "1.21.3": "v1.21.3", "1.22rc1": "v1.22.0-rc.1",
		"1.18beta2": "v1.18.0-beta.2", "1.16": "v1.16.0", "x": "",
	}
	for in, want := range tests {
		if got := goSemver(in); got != want {
			t.Errorf("goSemver(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWalk(t *testing.T) {
	root := t.TempDir()
	write := func(rel, data string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module m\n\ngo 1.23\n\nrequire example.com/a v1.0.0\n")
	write("go.sum", "example.com/a v1.0.0 h1:x=\nexample.com/old v0.1.0 h1:y=\n") // go 1.23: not read
	write("sumonly/go.sum", "example.com/z v1.0.0 h1:x=\n")
	write("requirements.txt", "flask==3.0.3\n")
	write("svc/requirements.txt", "ignored==1.0\n")
	write("svc/poetry.lock", "[[package]]\nname = \"attrs\"\nversion = \"24.2.0\"\n")
	write("broken/requirements.txt", "ok==1\nbad=>1\n")
	write("node_modules/x/requirements.txt", "skipped==1\n")
	write("vendor/example.com/a/go.mod", "module example.com/a\n")
	write(".git/requirements.txt", "skipped==1\n")
	write("pkg/testdata/requirements.txt", "skipped==1\n")
	write(".venv/lib/requirements.txt", "skipped==1\n")
	write("editable/requirements.txt", "-e .\nsix==1.16.0\n")

	projects, errs := Walk(context.Background(), root)
	var got []string
	for _, pr := range projects {
		for _, p := range pr.Packages {
			got = append(got, pr.Name+" "+p.Name+"@"+p.Version+" "+p.Source)
		}
	}
	want := []string{
		". example.com/a@v1.0.0 go.mod",
		". stdlib@v1.23.0 go.mod",
		". toolchain@v1.23.0 go.mod",
		". flask@3.0.3 requirements.txt",
		"editable six@1.16.0 editable/requirements.txt",
		"sumonly example.com/z@v1.0.0 sumonly/go.sum",
		"svc attrs@24.2.0 svc/poetry.lock",
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages:\n got %q\nwant %q", got, want)
	}
	var failures, notes []string
	for _, err := range errs {
		var n *Note
		if errors.As(err, &n) {
			notes = append(notes, n.Text)
			continue
		}
		rel, _ := filepath.Rel(root, err.Error())
		failures = append(failures, filepath.ToSlash(rel))
	}
	if len(failures) != 1 || !strings.HasPrefix(failures[0], "broken/requirements.txt:2: bad version specifier") {
		t.Errorf("failures %q, want broken/requirements.txt:2", failures)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "editable requirement .") {
		t.Errorf("notes %q", notes)
	}
}

func TestWalkCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, errs := Walk(ctx, "testdata")
	if len(errs) == 0 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("errors %v, want context.Canceled", errs)
	}
}
