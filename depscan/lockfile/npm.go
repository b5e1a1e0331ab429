// The npm formats. package-lock.json (lockfileVersion 1 to 3, also
// npm-shrinkwrap.json), yarn.lock (classic v1 and berry v2+) and pnpm-lock.yaml
// (v5.x, v6, v9) each have one parser; all three read the package.json next to
// the lockfile to tell direct dependencies from transitive ones. A package is
// Direct when package.json names it in dependencies, devDependencies,
// optionalDependencies or peerDependencies, and only the copy the project itself
// resolves is marked: the hoisted node_modules/<name> entry of a package-lock,
// the yarn entry whose header lists the package.json range, the pnpm version the
// importer resolves. Without a package.json each format falls back to its own
// record of the project: package-lock v2/v3's "" root entry, yarn berry's
// workspace entries and pnpm's importers (or v5's top-level dependencies); a v1
// package-lock marks the top-level entries no other entry requires, and a yarn
// classic lock, which has no record of the project, marks none. Workspace and
// link entries are the project itself and are not reported, and so is every
// workspace's own dependency list: those are direct too.
//
// Each (name, version) is reported once, Dev only when every copy of it is a
// development dependency. package-lock.json and pnpm v5/v6 record that per
// package (npm's devOptional, dev in one place and optional in another, is not
// Dev: a production install with optional dependencies has it). yarn.lock and
// pnpm v9 do not, so Dev there means reachable from package.json's (or the
// importers') devDependencies and not from the other lists; a berry lock read
// without package.json merges the lists and so marks nothing Dev.
package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
)

// npmParsers lists the npm formats for Parsers.
func npmParsers() []Parser {
	return []Parser{
		{
			Name:      "package-lock.json",
			Ecosystem: depscan.Npm,
			Rank:      2,
			Match: func(base string) bool {
				return base == "package-lock.json" || base == "npm-shrinkwrap.json"
			},
			Parse: npmWithManifest(ParsePackageLock),
		},
		{
			Name:      "yarn.lock",
			Ecosystem: depscan.Npm,
			Rank:      2,
			Match:     func(base string) bool { return base == "yarn.lock" },
			Parse:     npmWithManifest(ParseYarnLock),
		},
		{
			Name:      "pnpm-lock.yaml",
			Ecosystem: depscan.Npm,
			Rank:      2,
			Match:     func(base string) bool { return base == "pnpm-lock.yaml" },
			Parse:     npmWithManifest(ParsePnpmLock),
		},
	}
}

// npmWithManifest adapts a lockfile parser to Parser.Parse by reading the
// package.json beside the lockfile. A missing package.json is not an error,
// since the lockfile alone still names every package; an unreadable or broken
// one is a Note, and Direct then comes from the lockfile's own record, because
// losing every package of the lockfile over it would hide more than it tells.
func npmWithManifest(parse func(path string, lock, manifest []byte) (Result, error)) func(string, []byte) (Result, error) {
	return func(path string, data []byte) (Result, error) {
		manifestPath := filepath.Join(filepath.Dir(path), "package.json")
		manifest, err := readBounded(manifestPath)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return parse(path, data, nil)
			}
			res, perr := parse(path, data, nil)
			if perr == nil {
				res.Notes = append(res.Notes, Note{File: manifestPath, Text: fmt.Sprintf("%v; direct dependencies taken from the lockfile", err)})
			}
			return res, perr
		}
		res, err := parse(path, data, manifest)
		var pe *ParseError
		if err != nil && errors.As(err, &pe) && pe.File == manifestPath {
			res, err = parse(path, data, nil)
			if err == nil {
				res.Notes = append(res.Notes, Note{File: pe.File, Line: pe.Line, Text: fmt.Sprintf("%v; direct dependencies taken from the lockfile", pe.Err)})
			}
		}
		return res, err
	}
}

// npmDirect is one dependency package.json (or a lockfile's record of the
// project) names: its range, and whether it is only a development dependency.
type npmDirect struct {
	spec string
	dev  bool
}

// npmDirectSet maps dependency names to what the project asks for.
type npmDirectSet map[string]npmDirect

// add records name, keeping the non-dev kind when a name is in several lists
// (npm installs it for production then).
func (s npmDirectSet) add(name, spec string, dev bool) {
	if old, ok := s[name]; ok {
		dev = dev && old.dev
		if old.spec != "" && !old.dev {
			spec = old.spec
		}
	}
	s[name] = npmDirect{spec: spec, dev: dev}
}

// npmManifestDeps is the part of package.json the parsers read.
type npmManifestDeps struct {
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
}

func (m *npmManifestDeps) addTo(s npmDirectSet) {
	for n, v := range m.Dependencies {
		s.add(n, v, false)
	}
	for n, v := range m.OptionalDependencies {
		s.add(n, v, false)
	}
	for n, v := range m.PeerDependencies {
		s.add(n, v, false)
	}
	for n, v := range m.DevDependencies {
		s.add(n, v, true)
	}
}

// npmReadManifest parses the package.json beside lockPath; nil data gives a nil
// set, which tells the parsers to use the lockfile's own record.
func npmReadManifest(lockPath string, data []byte) (npmDirectSet, error) {
	if data == nil {
		return nil, nil
	}
	name := filepath.Join(filepath.Dir(lockPath), "package.json")
	var m npmManifestDeps
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, npmJSONError(name, data, err)
	}
	s := npmDirectSet{}
	m.addTo(s)
	return s, nil
}

// npmJSONError turns encoding/json's byte offsets into a file:line ParseError.
func npmJSONError(file string, data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	line := 0
	if off >= 0 {
		if off > int64(len(data)) {
			off = int64(len(data))
		}
		line = bytes.Count(data[:off], []byte{'\n'}) + 1
	}
	if te != nil {
		return &ParseError{File: file, Line: line, Err: &npmTypeError{te}}
	}
	return &ParseError{File: file, Line: line, Err: fmt.Errorf("invalid JSON: %w", err)}
}

// npmTypeError words a JSON value of the wrong kind by its place in the file,
// not by the Go type it was decoded into.
type npmTypeError struct{ err *json.UnmarshalTypeError }

func (e *npmTypeError) Error() string {
	return fmt.Sprintf("%s is a JSON %s, want a %s", e.err.Field, e.err.Value, e.err.Type)
}

func (e *npmTypeError) Unwrap() error { return e.err }

// npmPackageLock is the part of package-lock.json the parser reads. The four
// dependency lists stay raw because only the root and workspace entries need
// them, and decoding them for every one of 20,000 packages would dominate.
type npmPackageLock struct {
	LockfileVersion int                      `json:"lockfileVersion"`
	Packages        map[string]*npmLockEntry `json:"packages"`
	Dependencies    map[string]*npmV1LockDep `json:"dependencies"`
}

type npmLockEntry struct {
	Name                 string          `json:"name"`
	Version              string          `json:"version"`
	Dev                  bool            `json:"dev"`
	Link                 bool            `json:"link"`
	License              json.RawMessage `json:"license"`
	Dependencies         json.RawMessage `json:"dependencies"`
	DevDependencies      json.RawMessage `json:"devDependencies"`
	OptionalDependencies json.RawMessage `json:"optionalDependencies"`
	PeerDependencies     json.RawMessage `json:"peerDependencies"`
	line                 int
}

type npmV1LockDep struct {
	Version      string                   `json:"version"`
	Dev          bool                     `json:"dev"`
	License      json.RawMessage          `json:"license"`
	Requires     map[string]string        `json:"requires"`
	Dependencies map[string]*npmV1LockDep `json:"dependencies"`
}

// ParsePackageLock reads a package-lock.json (or npm-shrinkwrap.json) of any
// lockfileVersion; manifest is the package.json beside it, nil when there is none.
func ParsePackageLock(path string, lock, manifest []byte) (Result, error) {
	direct, err := npmReadManifest(path, manifest)
	if err != nil {
		return Result{}, err
	}
	var pl npmPackageLock
	if err := json.Unmarshal(lock, &pl); err != nil {
		return Result{}, npmJSONError(path, lock, err)
	}
	if pl.LockfileVersion < 1 || pl.LockfileVersion > 3 {
		return Result{}, &ParseError{File: path, Line: npmKeyLine(lock, "lockfileVersion"),
			Err: fmt.Errorf("lockfileVersion %d: want 1, 2 or 3", pl.LockfileVersion)}
	}
	acc := newNpmAccumulator(path)
	if len(pl.Packages) > 0 {
		if err := npmFlatPackages(path, lock, &pl, direct, acc); err != nil {
			return Result{}, err
		}
	} else {
		npmNestedDependencies(lock, &pl, direct, acc)
	}
	return acc.result(), nil
}

// npmFlatPackages reads v2/v3's "packages", keyed by install path.
func npmFlatPackages(path string, lock []byte, pl *npmPackageLock, direct npmDirectSet, acc *npmAccumulator) error {
	npmEachKeyLine(lock, func(key []byte, line int) {
		if e := pl.Packages[string(key)]; e != nil && e.line == 0 {
			e.line = line
		}
	})
	// Workspaces' own dependencies are direct whether or not package.json is
	// read, because package.json only lists the root's.
	fromLock := direct == nil
	if fromLock {
		direct = npmDirectSet{}
	}
	for key, e := range pl.Packages {
		if e == nil || strings.Contains(key, "node_modules/") || (key == "" && !fromLock) {
			continue
		}
		var m npmManifestDeps
		for _, f := range []struct {
			raw json.RawMessage
			dst *map[string]string
		}{
			{e.Dependencies, &m.Dependencies},
			{e.DevDependencies, &m.DevDependencies},
			{e.OptionalDependencies, &m.OptionalDependencies},
			{e.PeerDependencies, &m.PeerDependencies},
		} {
			if len(f.raw) == 0 {
				continue
			}
			if err := json.Unmarshal(f.raw, f.dst); err != nil {
				return &ParseError{File: path, Line: e.line, Err: fmt.Errorf("packages[%q]: dependencies: %w", key, err)}
			}
		}
		m.addTo(direct)
	}
	keys := make([]string, 0, len(pl.Packages))
	for k := range pl.Packages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		e := pl.Packages[key]
		if e == nil {
			acc.note(0, fmt.Sprintf("packages[%q] is null; skipped", key))
			continue
		}
		i := strings.LastIndex(key, "node_modules/")
		if i < 0 || e.Link {
			// The root, a workspace's folder, or a link to one: the project itself.
			continue
		}
		installed := key[i+len("node_modules/"):]
		name, version := installed, e.Version
		if e.Name != "" {
			name = e.Name
		}
		if strings.HasPrefix(version, "npm:") {
			// An alias recorded in the version, as some npm 7 locks do.
			name, version = npmSplitNameAt(version[len("npm:"):])
		}
		if name == "" {
			acc.note(e.line, fmt.Sprintf("packages[%q] names no package; skipped", key))
			continue
		}
		// Only a top-level install (or one directly under a workspace) is what
		// the project itself resolves; deeper copies belong to a dependency.
		parent := key[:i]
		top := parent == "" || !strings.Contains(parent, "node_modules/")
		_, isDirect := direct[installed]
		acc.add(name, version, top && isDirect, e.Dev, e.line)
		acc.license(name, version, e.License)
	}
	return nil
}

// npmNestedDependencies reads v1's nested "dependencies" tree.
func npmNestedDependencies(lock []byte, pl *npmPackageLock, direct npmDirectSet, acc *npmAccumulator) {
	lines := npmV1Lines(lock)
	var required map[string]bool
	if direct == nil {
		// Without package.json, a top-level entry that nothing requires must be
		// one the project asked for; a direct dependency that something else
		// also requires is missed, so this is a lower bound.
		required = map[string]bool{}
		var mark func(deps map[string]*npmV1LockDep)
		mark = func(deps map[string]*npmV1LockDep) {
			for _, d := range deps {
				if d == nil {
					continue
				}
				for r := range d.Requires {
					required[r] = true
				}
				mark(d.Dependencies)
			}
		}
		mark(pl.Dependencies)
	}
	var walk func(deps map[string]*npmV1LockDep, top bool)
	walk = func(deps map[string]*npmV1LockDep, top bool) {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, installed := range names {
			d := deps[installed]
			if d == nil {
				continue
			}
			name, version := installed, d.Version
			if strings.HasPrefix(version, "npm:") {
				name, version = npmSplitNameAt(version[len("npm:"):])
			}
			isDirect := false
			if top {
				if direct != nil {
					_, isDirect = direct[installed]
				} else {
					isDirect = !required[installed]
				}
			}
			if strings.HasPrefix(version, "file:") {
				// A local folder: part of the project, not a package to look up.
				acc.note(lines.find(installed, d.Version), fmt.Sprintf("%s is a local %s; skipped", installed, d.Version))
			} else {
				acc.add(name, version, isDirect, d.Dev, lines.find(installed, d.Version))
				acc.license(name, version, d.License)
			}
			walk(d.Dependencies, false)
		}
	}
	walk(pl.Dependencies, true)
}

// npmSplitNameAt splits "name@version" or "@scope/name@version".
func npmSplitNameAt(s string) (name, version string) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// npmEachKeyLine calls f for every line of the form `"key": {`, which is how npm
// (JSON.stringify with two-space indents) writes each lockfile entry. A
// minified lockfile has no such lines and its packages get Line 0.
func npmEachKeyLine(data []byte, f func(key []byte, line int)) {
	line := 0
	for len(data) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		l = bytes.TrimRight(l, "\r")
		if !bytes.HasSuffix(l, []byte(`": {`)) {
			continue
		}
		l = bytes.TrimLeft(l, " \t")
		if len(l) < 5 || l[0] != '"' {
			continue
		}
		key := l[1 : len(l)-4]
		if bytes.IndexByte(key, '"') >= 0 || bytes.IndexByte(key, '\\') >= 0 {
			continue
		}
		f(key, line)
	}
}

// npmKeyLine is the first line naming key as an object member, or 0.
func npmKeyLine(data []byte, key string) int {
	i := bytes.Index(data, []byte(`"`+key+`"`))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte{'\n'}) + 1
}

// npmV1LineIndex finds the line of a v1 entry, whose name may occur at several
// depths with different versions.
type npmV1LineIndex struct {
	data   []byte
	starts []int            // byte offset of each line, 0-based
	byName map[string][]int // 1-based lines of `"name": {`
}

func npmV1Lines(data []byte) *npmV1LineIndex {
	x := &npmV1LineIndex{data: data, starts: []int{0}, byName: map[string][]int{}}
	for i, c := range data {
		if c == '\n' {
			x.starts = append(x.starts, i+1)
		}
	}
	npmEachKeyLine(data, func(key []byte, line int) {
		x.byName[string(key)] = append(x.byName[string(key)], line)
	})
	return x
}

// find returns the first line opening name's entry whose next few lines carry
// version; 0 when there is none.
func (x *npmV1LineIndex) find(name, version string) int {
	want := []byte(`"version": ` + npmQuote(version))
	for _, l := range x.byName[name] {
		from := x.starts[l-1]
		to := len(x.data)
		if l+3 < len(x.starts) {
			to = x.starts[l+3]
		}
		if bytes.Contains(x.data[from:to], want) {
			return l
		}
	}
	return 0
}

// npmQuote quotes s as JSON does for the plain strings versions are.
func npmQuote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return `"` + s + `"`
	}
	return string(b)
}

// npmAccumulator collects packages, one per (name, version), in first-seen order.
type npmAccumulator struct {
	path  string
	index map[[2]string]int
	res   Result
}

func newNpmAccumulator(path string) *npmAccumulator {
	return &npmAccumulator{path: path, index: map[[2]string]int{}}
}

// add merges a copy of a package: Direct if any copy is, Dev only if all are.
func (a *npmAccumulator) add(name, version string, direct, dev bool, line int) {
	k := [2]string{name, version}
	if i, ok := a.index[k]; ok {
		p := &a.res.Packages[i]
		p.Direct = p.Direct || direct
		p.Dev = p.Dev && dev
		if p.Line == 0 || (line > 0 && line < p.Line) {
			p.Line = line
		}
		return
	}
	a.index[k] = len(a.res.Packages)
	a.res.Packages = append(a.res.Packages, depscan.Package{
		Name: name, Version: version, Ecosystem: depscan.Npm,
		Direct: direct, Dev: dev, Source: a.path, Line: line,
	})
}

// license records the "license" a lockfile entry declares (npm 7+ copies it
// from the package's package.json). A string is kept as written; a legacy
// {"type": ...} object or list is kept as its JSON text, which
// depscan/licence reads, rather than dropped. The first copy that declares
// one wins: every copy of a name@version is the same package.
func (a *npmAccumulator) license(name, version string, raw json.RawMessage) {
	i, ok := a.index[[2]string{name, version}]
	if !ok || a.res.Packages[i].License != "" {
		return
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		a.res.Packages[i].License = s
		return
	}
	var compact bytes.Buffer
	if json.Compact(&compact, raw) == nil {
		a.res.Packages[i].License = compact.String()
	}
}

func (a *npmAccumulator) note(line int, text string) {
	a.res.Notes = append(a.res.Notes, Note{File: a.path, Line: line, Text: text})
}

func (a *npmAccumulator) result() Result {
	return a.res
}
