package lockfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

// npmWant is one expected package: name@version and its flags.
type npmWant struct {
	id          string
	direct, dev bool
}

// npmReactApp is what every format of testdata/npm's React app should yield
// with its package.json; each format's test edits the rows its format cannot
// know (yarn has no dev flag for transitive packages, v1 has no workspaces).
func npmReactApp() map[string]npmWant {
	rows := []npmWant{
		{"react@18.2.0", true, false},
		{"react-dom@18.2.0", true, false},
		{"loose-envify@1.4.0", false, false},
		{"js-tokens@4.0.0", false, false},
		{"scheduler@0.23.0", false, false},
		{"@tanstack/react-query@5.8.4", true, false},
		{"@tanstack/query-core@5.8.3", false, false},
		{"axios@1.6.2", true, false},
		{"follow-redirects@1.15.3", false, false},
		{"form-data@4.0.0", false, false},
		{"asynckit@0.4.0", false, false},
		{"combined-stream@1.0.8", false, false},
		{"delayed-stream@1.0.0", false, false},
		{"mime-types@2.1.35", false, false},
		{"mime-db@1.52.0", false, false},
		{"proxy-from-env@1.1.0", false, false},
		{"ms@2.1.3", true, false},
		{"typescript@5.3.2", true, true},
		{"@types/react@18.2.39", true, true},
		{"@types/prop-types@15.7.11", false, true},
		{"@types/scheduler@0.16.8", false, true},
		{"csstype@3.1.2", false, true},
		{"debug@4.3.4", true, true},
		{"ms@2.1.2", false, true},
		{"clsx@2.0.0", true, false}, // the packages/ui workspace's dependency
	}
	m := map[string]npmWant{}
	for _, r := range rows {
		m[r.id] = r
	}
	return m
}

// npmCase is one testdata lockfile and how its result differs from npmReactApp.
type npmCase struct {
	file  string
	parse func(path string, lock, manifest []byte) (Result, error)
	// edit adjusts the expectation; manifest says whether package.json was read.
	edit func(w map[string]npmWant, manifest bool)
	// keyLine is the text at the start of the line that names react@18.2.0.
	keyLine string
	notes   int
}

func npmSet(w map[string]npmWant, id string, direct, dev bool) {
	w[id] = npmWant{id, direct, dev}
}

func npmCases() []npmCase {
	return []npmCase{
		{
			file: "package-lock.v1.json", parse: ParsePackageLock, keyLine: `    "react": {`, notes: 1,
			edit: func(w map[string]npmWant, manifest bool) {
				delete(w, "clsx@2.0.0") // npm 6 had no workspaces: @app/ui is a file: dependency
				if !manifest {
					// debug requires ms, so the top-level ms looks transitive.
					npmSet(w, "ms@2.1.3", false, false)
				}
			},
		},
		{file: "package-lock.v2.json", parse: ParsePackageLock, keyLine: `    "node_modules/react": {`},
		{file: "package-lock.v3.json", parse: ParsePackageLock, keyLine: `    "node_modules/react": {`},
		{
			file: "yarn.classic.lock", parse: ParseYarnLock, keyLine: `react@^18.2.0:`,
			edit: func(w map[string]npmWant, manifest bool) {
				npmSet(w, "clsx@2.0.0", false, false) // classic records no workspaces
				if !manifest {
					for k := range w {
						w[k] = npmWant{id: k}
					}
				}
			},
		},
		{
			file: "yarn.berry.lock", parse: ParseYarnLock, keyLine: `"react@npm:^18.2.0":`, notes: 0,
			edit: func(w map[string]npmWant, manifest bool) {
				if !manifest {
					// Berry's workspace entries merge devDependencies into dependencies.
					for k, r := range w {
						r.dev = false
						w[k] = r
					}
				}
			},
		},
		{file: "pnpm-lock.v5.yaml", parse: ParsePnpmLock, keyLine: `  /react/18.2.0:`},
		{
			file: "pnpm-lock.v6.yaml", parse: ParsePnpmLock, keyLine: `  /react@18.2.0:`, notes: 1,
			edit: func(w map[string]npmWant, manifest bool) {
				npmSet(w, "clsx@2.0.0", false, false) // a dependency of the file: folder
			},
		},
		{
			file: "pnpm-lock.v9.yaml", parse: ParsePnpmLock, keyLine: `  react@18.2.0:`,
		},
	}
}

func npmRead(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "npm", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// npmLineOf is the 1-based line starting with prefix, or 0.
func npmLineOf(data []byte, prefix string) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(l, []byte(prefix)) {
			return i + 1
		}
	}
	return 0
}

func TestNpmFormats(t *testing.T) {
	manifest := npmRead(t, "package.json")
	for _, c := range npmCases() {
		for _, withManifest := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/manifest=%v", c.file, withManifest), func(t *testing.T) {
				lock := npmRead(t, c.file)
				var m []byte
				if withManifest {
					m = manifest
				}
				path := "testdata/npm/" + c.file
				res, err := c.parse(path, lock, m)
				if err != nil {
					t.Fatal(err)
				}
				want := npmReactApp()
				if c.edit != nil {
					c.edit(want, withManifest)
				}
				got := map[string]npmWant{}
				for _, p := range res.Packages {
					id := p.Name + "@" + p.Version
					if _, dup := got[id]; dup {
						t.Errorf("%s reported twice", id)
					}
					got[id] = npmWant{id, p.Direct, p.Dev}
					if p.Ecosystem != depscan.Npm || p.Source != path || p.Line <= 0 {
						t.Errorf("%s: ecosystem %q source %q line %d", id, p.Ecosystem, p.Source, p.Line)
					}
					if id == "react@18.2.0" {
						if wl := npmLineOf(lock, c.keyLine); p.Line != wl {
							t.Errorf("react line %d, want %d", p.Line, wl)
						}
					}
				}
				var diffs []string
				for id, w := range want {
					if g, ok := got[id]; !ok {
						diffs = append(diffs, "missing "+id)
					} else if g != w {
						diffs = append(diffs, fmt.Sprintf("%s: direct %v dev %v, want direct %v dev %v", id, g.direct, g.dev, w.direct, w.dev))
					}
				}
				for id := range got {
					if _, ok := want[id]; !ok {
						diffs = append(diffs, "unexpected "+id)
					}
				}
				sort.Strings(diffs)
				for _, d := range diffs {
					t.Error(d)
				}
				if len(res.Notes) != c.notes {
					t.Errorf("notes %v, want %d", res.Notes, c.notes)
				}
			})
		}
	}
}

// TestNpmParsers runs the registered parsers the way Walk does, reading the
// package.json beside the lockfile.
func TestNpmParsers(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.v3.json", "yarn.berry.lock", "pnpm-lock.v9.yaml"} {
		name := map[string]string{"package-lock.v3.json": "package-lock.json", "yarn.berry.lock": "yarn.lock", "pnpm-lock.v9.yaml": "pnpm-lock.yaml"}[f]
		if name == "" {
			name = f
		}
		if err := os.WriteFile(filepath.Join(dir, name), npmRead(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range npmParsers() {
		base := p.Name
		if !p.Match(base) {
			t.Fatalf("%s does not match its own name", base)
		}
		path := filepath.Join(dir, base)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Parse(path, data)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		direct := 0
		for _, pk := range res.Packages {
			if pk.Direct {
				direct++
			}
		}
		if len(res.Packages) != 25 || direct != 9 {
			t.Errorf("%s: %d packages, %d direct; want 25, 9", base, len(res.Packages), direct)
		}
	}
	// A broken package.json costs the direct marks it would have given, not the packages.
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte("{\n  \"dependencies\": {,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "package-lock.json")
	res, err := npmParsers()[0].Parse(path, npmRead(t, "package-lock.v3.json"))
	if err != nil || len(res.Packages) != 25 || len(res.Notes) != 1 ||
		!strings.Contains(res.Notes[0].Error(), "package.json:2: note: invalid JSON") {
		t.Errorf("broken package.json: %d packages, notes %v, error %v", len(res.Packages), res.Notes, err)
	}
	if !npmParsers()[0].Match("npm-shrinkwrap.json") {
		t.Error("npm-shrinkwrap.json not matched")
	}
}

func TestNpmErrors(t *testing.T) {
	for _, c := range []struct {
		name, file, lock, manifest string
		parse                      func(string, []byte, []byte) (Result, error)
		want                       string
	}{
		{"json syntax", "package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {,\n", "", ParsePackageLock,
			"package-lock.json:4: invalid JSON: invalid character ','"},
		{"json truncated", "package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n", "", ParsePackageLock,
			"package-lock.json:4: invalid JSON: unexpected end of JSON input"},
		{"json type", "package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1}\n  }\n}\n", "", ParsePackageLock,
			"package-lock.json:4: packages.version is a JSON number, want a string"},
		{"lockfileVersion", "package-lock.json", "{\n  \"name\": \"x\",\n  \"lockfileVersion\": 7\n}\n", "", ParsePackageLock,
			"package-lock.json:3: lockfileVersion 7: want 1, 2 or 3"},
		{"workspace deps", "package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\n      \"dependencies\": [1]\n    }\n  }\n}\n", "", ParsePackageLock,
			`package-lock.json:4: packages[""]: dependencies: json: cannot unmarshal array`},
		{"manifest", "app/package-lock.json", `{"lockfileVersion": 3}`, "{\n  \"dependencies\": {\n    \"a\": 1\n  }\n}\n", ParsePackageLock,
			"app/package.json:3: dependencies is a JSON number, want a string"},
		{"yarn no version", "yarn.lock", "# yarn lockfile v1\n\na@^1.0.0:\n  resolved \"https://x/a.tgz\"\n", "", ParseYarnLock,
			"yarn.lock:3: entry a has no version"},
		{"yarn header colon", "yarn.lock", "a@^1.0.0\n  version \"1.0.0\"\n", "", ParseYarnLock,
			`yarn.lock:1: entry header "a@^1.0.0" does not end with a colon`},
		{"yarn indentation", "yarn.lock", "a@^1.0.0:\n  version \"1.0.0\"\n   resolved \"x\"\n", "", ParseYarnLock,
			"yarn.lock:3: unexpected indentation of 3 spaces"},
		{"yarn tab", "yarn.lock", "a@^1.0.0:\n\tversion \"1.0.0\"\n", "", ParseYarnLock,
			"yarn.lock:2: tab indentation"},
		{"yarn quote", "yarn.lock", "\"a@^1.0.0:\n  version \"1.0.0\"\n", "", ParseYarnLock,
			"yarn.lock:1: unterminated quote"},
		{"yarn descriptor", "yarn.lock", "nameonly:\n  version \"1.0.0\"\n", "", ParseYarnLock,
			`yarn.lock:1: descriptor "nameonly" is not name@range`},
		{"yarn orphan", "yarn.lock", "  version \"1.0.0\"\n", "", ParseYarnLock,
			"yarn.lock:1: indented line outside an entry"},
		{"yarn list", "yarn.lock", "a@^1.0.0:\n  version \"1.0.0\"\n    b \"^1\"\n", "", ParseYarnLock,
			"yarn.lock:3: indented line outside a dependency list"},
		{"berry yaml", "yarn.lock", "__metadata:\n  version: 8\n\n\"a@npm:^1.0.0\":\n  version: [1\n", "", ParseYarnLock,
			"yarn.lock:4: invalid YAML: did not find expected"},
		{"berry resolution", "yarn.lock", "__metadata:\n  version: 8\n\n\"a@npm:^1.0.0\":\n  version: 1.0.0\n", "", ParseYarnLock,
			`yarn.lock:4: entry "a@npm:^1.0.0" has no name@reference resolution`},
		{"berry version", "yarn.lock", "__metadata:\n  version: 8\n\n\"a@npm:^1.0.0\":\n  resolution: \"a@npm:1.0.0\"\n", "", ParseYarnLock,
			`yarn.lock:4: entry "a@npm:^1.0.0" has no version`},
		{"pnpm yaml", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {\n", "", ParsePnpmLock,
			"pnpm-lock.yaml:3: invalid YAML: did not find expected node content"},
		{"pnpm no version", "pnpm-lock.yaml", "packages:\n  a@1.0.0: {}\n", "", ParsePnpmLock,
			"pnpm-lock.yaml:1: no lockfileVersion"},
		{"pnpm old", "pnpm-lock.yaml", "\nlockfileVersion: 4.0\n", "", ParsePnpmLock,
			`pnpm-lock.yaml:2: lockfileVersion "4.0": want 5.x, 6.x or 9.x`},
		{"pnpm packages", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  - a\n", "", ParsePnpmLock,
			"pnpm-lock.yaml:3: packages is not a mapping"},
		{"pnpm importer", "pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: [a]\n", "", ParsePnpmLock,
			"pnpm-lock.yaml:4: dependencies is not a mapping"},
		{"pnpm top", "pnpm-lock.yaml", "- a\n", "", ParsePnpmLock,
			"pnpm-lock.yaml:1: top level is not a mapping"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m []byte
			if c.manifest != "" {
				m = []byte(c.manifest)
			}
			_, err := c.parse(c.file, []byte(c.lock), m)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestNpmKeys covers the key and descriptor spellings the testdata does not.
func TestNpmKeys(t *testing.T) {
	for key, want := range map[string]string{
		"/a/1.0.0":                       "a 1.0.0",
		"/@s/a/1.0.0_react@18.2.0":       "@s/a 1.0.0",
		"/a_b/1.0.0_@types+react@18.0.0": "a_b 1.0.0",
		"/@s/a@1.0.0(react@18.2.0)":      "@s/a 1.0.0",
		"a@1.0.0(b@2.0.0)(c@3.0.0)":      "a 1.0.0",
		"@s/a@1.0.0":                     "@s/a 1.0.0",
		"github.com/u/r/abc":             " ",
		"@s":                             " ",
		"/a/":                            " ",
	} {
		n, v, _ := pnpmKey(key)
		if got := n + " " + v; got != want {
			t.Errorf("pnpmKey(%q) = %q, want %q", key, got, want)
		}
	}
	// An alias in a yarn classic header and in a package-lock's packages.
	res, err := ParseYarnLock("yarn.lock", []byte("\"str@npm:string-width@^4.2.0\":\n  version \"4.2.3\"\n"), []byte(`{"dependencies":{"str":"npm:string-width@^4.2.0"}}`))
	if err != nil || len(res.Packages) != 1 || res.Packages[0].Name != "string-width" || !res.Packages[0].Direct {
		t.Errorf("yarn alias: %+v %v", res.Packages, err)
	}
	res, err = ParsePackageLock("package-lock.json", []byte(`{"lockfileVersion":3,"packages":{"":{"dependencies":{"str":"npm:string-width@^4.2.0"}},"node_modules/str":{"name":"string-width","version":"4.2.3"}}}`), nil)
	if err != nil || len(res.Packages) != 1 || res.Packages[0].Name != "string-width" || !res.Packages[0].Direct || res.Packages[0].Line != 0 {
		t.Errorf("package-lock alias: %+v %v", res.Packages, err)
	}
}

func npmFuzz(f *testing.F, parse func(string, []byte, []byte) (Result, error), files ...string) {
	for _, name := range files {
		f.Add(npmRead(f, name), true)
	}
	manifest := npmRead(f, "package.json")
	f.Fuzz(func(t *testing.T, lock []byte, withManifest bool) {
		var m []byte
		if withManifest {
			m = manifest
		}
		res, err := parse("lock", lock, m)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "lock") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, p := range res.Packages {
			if p.Ecosystem != depscan.Npm || p.Source != "lock" || p.Line < 0 {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzPackageLock(f *testing.F) {
	npmFuzz(f, ParsePackageLock, "package-lock.v1.json", "package-lock.v2.json", "package-lock.v3.json")
}

func FuzzYarnLock(f *testing.F) {
	npmFuzz(f, ParseYarnLock, "yarn.classic.lock", "yarn.berry.lock")
}

func FuzzPnpmLock(f *testing.F) {
	npmFuzz(f, ParsePnpmLock, "pnpm-lock.v5.yaml", "pnpm-lock.v6.yaml", "pnpm-lock.v9.yaml")
}

// npmBigLock writes a lockfileVersion 3 package-lock of n packages the way npm
// does: about one in ten nested under another at a second version, a quarter dev.
func npmBigLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"name\": \"big\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"name\": \"big\",\n      \"version\": \"1.0.0\",\n      \"dependencies\": {\n")
	for i := 0; i < 50; i++ {
		sep := ","
		if i == 49 {
			sep = ""
		}
		fmt.Fprintf(&b, "        \"pkg-%d\": \"^1.0.0\"%s\n", i, sep)
	}
	b.WriteString("      }\n    }")
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("node_modules/pkg-%d", i)
		version := fmt.Sprintf("1.%d.%d", i%17, i%5)
		if i%10 == 9 {
			key = fmt.Sprintf("node_modules/pkg-%d/node_modules/pkg-%d", i-1, i-9)
			version = "2.0.0"
		} else if i%7 == 0 {
			key = fmt.Sprintf("node_modules/@scope-%d/pkg-%d", i%13, i)
		}
		fmt.Fprintf(&b, ",\n    %q: {\n      \"version\": %q,\n      \"resolved\": \"https://registry.npmjs.org/pkg-%d/-/pkg-%d-%s.tgz\",\n      \"integrity\": \"sha512-%064d==\",\n", key, version, i, i, version, i)
		if i%4 == 0 {
			b.WriteString("      \"dev\": true,\n")
		}
		fmt.Fprintf(&b, "      \"dependencies\": {\n        \"pkg-%d\": \"^1.0.0\",\n        \"pkg-%d\": \"^1.0.0\"\n      },\n      \"engines\": {\n        \"node\": \">=14\"\n      }\n    }", (i+1)%n, (i+2)%n)
	}
	b.WriteString("\n  }\n}\n")
	return b.Bytes()
}

func BenchmarkPackageLockV3(b *testing.B) {
	lock := npmBigLock(20000)
	manifest := []byte(`{"dependencies":{"pkg-1":"^1.0.0","pkg-2":"^1.0.0"}}`)
	b.SetBytes(int64(len(lock)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := ParsePackageLock("package-lock.json", lock, manifest)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Packages) != 20000 {
			b.Fatalf("%d packages", len(res.Packages))
		}
	}
}

// BenchmarkWalkPackageLockV3 is the scan's lockfile stage end to end: Walk
// finding, reading and parsing the same 20,000-package lock and its package.json.
func BenchmarkWalkPackageLockV3(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), npmBigLock(20000), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"dependencies":{"pkg-1":"^1.0.0"}}`), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		projects, errs := Walk(context.Background(), dir)
		if len(errs) != 0 || len(projects) != 1 || len(projects[0].Packages) != 20000 {
			b.Fatalf("%d projects, errors %v", len(projects), errs)
		}
	}
}

// TestNpmSpecialEntries covers entries that are not plain registry packages:
// berry patches (the same package again), local folders, tarballs and git.
func TestNpmSpecialEntries(t *testing.T) {
	for _, c := range []struct {
		name  string
		parse func(string, []byte, []byte) (Result, error)
		lock  string
		want  []string // name@version:line
		notes int
	}{
		{"berry patch and link", ParseYarnLock, `__metadata:
  version: 8

"resolve@npm:^1.22.1":
  version: 1.22.1
  resolution: "resolve@npm:1.22.1"

"resolve@patch:resolve@npm%3A^1.22.1#~builtin<compat/resolve>":
  version: 1.22.1
  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=c3c19d"

"local@link:./local::locator=app%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "local@link:./local::locator=app%40workspace%3A."
  languageName: node
  linkType: soft
`, []string{"resolve@1.22.1:4"}, 1},
		{"classic file", ParseYarnLock, `# yarn lockfile v1


"local@file:./local":
  version "1.0.0"

left-pad@^1.3.0:
  version "1.3.0"
`, []string{"left-pad@1.3.0:7"}, 1},
		{"pnpm v9 tarball", ParsePnpmLock, `lockfileVersion: '9.0'

packages:

  tar@https://example.com/tar-1.0.0.tgz:
    resolution: {tarball: https://example.com/tar-1.0.0.tgz}
    version: 1.0.0

  git-thing@git+https://example.com/x.git#abc:
    resolution: {type: git, repo: https://example.com/x.git, commit: abc}
`, []string{"tar@1.0.0:5"}, 1},
		{"pnpm v5 git", ParsePnpmLock, `lockfileVersion: 5.4

packages:

  github.com/u/r/abc123:
    resolution: {tarball: https://codeload.github.com/u/r/tar.gz/abc123}
    name: r
    version: 2.0.0
    dev: true

  registry.example.com/x/1.0.0:
    resolution: {integrity: sha512-x}
`, []string{"r@2.0.0:5"}, 1},
		{"package-lock v1 alias", ParsePackageLock, `{
  "lockfileVersion": 1,
  "dependencies": {
    "str": {
      "version": "npm:string-width@4.2.3"
    }
  }
}
`, []string{"string-width@4.2.3:4"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.parse("lock", []byte(c.lock), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Packages {
				got = append(got, fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Line))
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") || len(res.Notes) != c.notes {
				t.Errorf("got %v notes %v, want %v and %d notes", got, res.Notes, c.want, c.notes)
			}
		})
	}
}

// TestNpmNullEntries: JSON null decodes to a nil entry, which must not panic.
func TestNpmNullEntries(t *testing.T) {
	for _, lock := range []string{
		`{"lockfileVersion":3,"packages":{"":null,"packages/a":null,"node_modules/a":null,"node_modules/b":{"version":"1.0.0"}}}`,
		`{"lockfileVersion":1,"dependencies":{"a":null,"b":{"version":"1.0.0","dependencies":{"c":null}}}}`,
	} {
		res, err := ParsePackageLock("package-lock.json", []byte(lock), nil)
		if err != nil || len(res.Packages) != 1 || res.Packages[0].Name != "b" {
			t.Errorf("%s: %+v %v", lock, res.Packages, err)
		}
	}
}

// TestNpmYAMLNulls: "packages:" with nothing after it is an empty section.
func TestNpmYAMLNulls(t *testing.T) {
	res, err := ParsePnpmLock("pnpm-lock.yaml", []byte("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\npackages:\n"), nil)
	if err != nil || len(res.Packages) != 0 {
		t.Errorf("%+v %v", res, err)
	}
}

// TestNpmLicense: package-lock.json's "license" (npm's documented field of a
// "packages" entry, copied from the package's package.json) is kept as
// written; legacy object and list forms are kept as their JSON text for
// depscan/licence to read; a nested copy of the same name@version that
// declares nothing does not erase the hoisted one's.
func TestNpmLicense(t *testing.T) {
	for _, tt := range []struct {
		name, lock string
		want       map[string]string // name@version -> License
	}{
		{
			"v3", `{"lockfileVersion":3,"packages":{
				"": {"name":"app","license":"UNLICENSED"},
				"node_modules/a": {"version":"1.0.0","license":"MIT"},
				"node_modules/b": {"version":"2.0.0","license":"(MIT OR Apache-2.0)"},
				"node_modules/c": {"version":"1.0.0","license":{"type" : "BSD-3-Clause", "url":"https://x/y"}},
				"node_modules/d": {"version":"1.0.0","license":[{"type":"MIT"},{"type":"GPL-2.0"}]},
				"node_modules/e": {"version":"1.0.0","license":null},
				"node_modules/f": {"version":"1.0.0"},
				"node_modules/g": {"version":"1.0.0","license":"SEE LICENSE IN \"LICENSE\" \\ ü"},
				"node_modules/x/node_modules/a": {"version":"1.0.0"},
				"node_modules/y/node_modules/h": {"version":"1.0.0","license":"ISC"},
				"node_modules/h": {"version":"1.0.0"}
			}}`,
			map[string]string{
				"a@1.0.0": "MIT", "b@2.0.0": "(MIT OR Apache-2.0)",
				"c@1.0.0": `{"type":"BSD-3-Clause","url":"https://x/y"}`,
				"d@1.0.0": `[{"type":"MIT"},{"type":"GPL-2.0"}]`,
				"e@1.0.0": "", "f@1.0.0": "", "g@1.0.0": `SEE LICENSE IN "LICENSE" \ ü`, "h@1.0.0": "ISC",
			},
		},
		{
			"v1", `{"lockfileVersion":1,"dependencies":{
				"a": {"version":"1.0.0","license":"MIT"},
				"b": {"version":"1.0.0","dependencies":{"c":{"version":"1.0.0","license":"ISC"}}}
			}}`,
			map[string]string{"a@1.0.0": "MIT", "b@1.0.0": "", "c@1.0.0": "ISC"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParsePackageLock("package-lock.json", []byte(tt.lock), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range res.Packages {
				got[p.Name+"@"+p.Version] = p.License
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("licences = %v\nwant       %v", got, tt.want)
			}
		})
	}
}

// TestNpmLicenseWrongType: a "license" that is a number is no licence; the
// package is still reported (bad input loses nothing).
func TestNpmLicenseWrongType(t *testing.T) {
	res, err := ParsePackageLock("package-lock.json", []byte(`{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0","license":42}}}`), nil)
	if err != nil || len(res.Packages) != 1 {
		t.Fatalf("%+v %v", res.Packages, err)
	}
	if res.Packages[0].License != "42" {
		t.Errorf("License = %q, want the raw text 42 (which depscan/licence reports as unknown)", res.Packages[0].License)
	}
}

// FuzzNpmLicense puts any JSON string or value in a v3 entry's "license": the
// lockfile still parses, the package is still reported, and a string value
// comes back exactly.
func FuzzNpmLicense(f *testing.F) {
	for _, s := range []string{`"MIT"`, `"(MIT OR Apache-2.0)"`, `{"type":"MIT"}`, `[{"type":"MIT"},"ISC"]`, `null`, `42`, `"\"\\'ü"`, `"SEE LICENSE IN LICENSE"`, `{}`, `[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		if !json.Valid([]byte(value)) {
			return
		}
		lock := `{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0","license":` + value + `}}}`
		res, err := ParsePackageLock("package-lock.json", []byte(lock), nil)
		if err != nil || len(res.Packages) != 1 {
			t.Fatalf("%s: %+v %v", lock, res.Packages, err)
		}
		var s string
		if json.Unmarshal([]byte(value), &s) == nil && res.Packages[0].License != s {
			t.Fatalf("%s: License %q, want %q", value, res.Packages[0].License, s)
		}
	})
}
