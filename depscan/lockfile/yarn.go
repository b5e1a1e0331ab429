package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yarnEntry is one yarn.lock entry before Direct is decided.
type yarnEntry struct {
	name, version string
	// specs are the header's descriptors as installed name and range; the range
	// keeps berry's protocol ("npm:^1.0.0").
	specs [][2]string
	// deps are the descriptors of its dependencies and optionalDependencies.
	deps []string
	line int
}

// ParseYarnLock reads a yarn.lock, classic (v1, yarn's own format) or berry
// (v2+, YAML with __metadata); manifest is the package.json beside it, nil when
// there is none. Yarn records no dev flag; Dev is worked out from which of
// package.json's lists reach the package (yarnDevOnly).
func ParseYarnLock(path string, lock, manifest []byte) (Result, error) {
	direct, err := npmReadManifest(path, manifest)
	if err != nil {
		return Result{}, err
	}
	acc := newNpmAccumulator(path)
	var entries []yarnEntry
	if yarnIsBerry(lock) {
		var ws npmDirectSet
		entries, ws, err = yarnBerry(path, lock, acc)
		if err != nil {
			return Result{}, err
		}
		if direct == nil {
			direct = npmDirectSet{}
		}
		for n, d := range ws {
			if _, ok := direct[n]; !ok {
				direct[n] = d
			}
		}
	} else {
		entries, err = yarnClassic(path, lock, acc)
		if err != nil {
			return Result{}, err
		}
	}
	// A direct name is the entry whose header lists the range package.json asks
	// for; when none does (package.json edited since the install), every entry
	// of that name.
	matched := map[string]bool{}
	isDirect := make([]bool, len(entries))
	for i, e := range entries {
		for _, s := range e.specs {
			if d, ok := direct[s[0]]; ok && (s[1] == d.spec || s[1] == "npm:"+d.spec) {
				isDirect[i] = true
				matched[s[0]] = true
			}
		}
	}
	for i, e := range entries {
		for _, s := range e.specs {
			if _, ok := direct[s[0]]; ok && !matched[s[0]] {
				isDirect[i] = true
			}
		}
	}
	devOnly := yarnDevOnly(entries, direct)
	for i, e := range entries {
		acc.add(e.name, e.version, isDirect[i], devOnly[i], e.line)
	}
	return acc.result(), nil
}

// yarnDevOnly works out Dev, which yarn.lock does not record: an entry is Dev
// when package.json's devDependencies reach it through the entries'
// dependency lists and its other lists do not.
func yarnDevOnly(entries []yarnEntry, direct npmDirectSet) []bool {
	index := map[string]bool{}
	for _, e := range entries {
		for _, s := range e.specs {
			index[s[0]+"@"+s[1]] = true
		}
	}
	// Berry before lockfile v6 wrote "a: ^1.0.0" for the entry "a@npm:^1.0.0".
	resolve := func(name, rng string) string {
		if d := name + "@" + rng; index[d] || strings.Contains(rng, ":") {
			return d
		}
		return name + "@npm:" + rng
	}
	edges := map[string][]string{}
	for _, e := range entries {
		var to []string
		for _, d := range e.deps {
			if name, rng, ok := yarnSplitDescriptor(d); ok {
				to = append(to, resolve(name, rng))
			}
		}
		for _, s := range e.specs {
			edges[s[0]+"@"+s[1]] = to
		}
	}
	var prod, dev []string
	for name, d := range direct {
		if d.dev {
			dev = append(dev, resolve(name, d.spec))
		} else {
			prod = append(prod, resolve(name, d.spec))
		}
	}
	inProd, inDev := reach(prod, edges), reach(dev, edges)
	out := make([]bool, len(entries))
	for i, e := range entries {
		for _, s := range e.specs {
			d := s[0] + "@" + s[1]
			if inProd[d] {
				out[i] = false
				break
			}
			out[i] = out[i] || inDev[d]
		}
	}
	return out
}

// yarnIsBerry reports whether the lock has berry's __metadata mapping.
func yarnIsBerry(lock []byte) bool {
	return bytes.HasPrefix(lock, []byte("__metadata:")) || bytes.Contains(lock, []byte("\n__metadata:"))
}

// yarnSplitDescriptor splits "name@range" and "@scope/name@range".
func yarnSplitDescriptor(s string) (name, rng string, ok bool) {
	i := strings.IndexByte(s[min(1, len(s)):], '@')
	if i < 0 {
		return "", "", false
	}
	i++
	if s[:i] == "" || s[:i] == "@" {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// yarnLocal reports whether a range points into the project (workspaces, local
// folders), which has nothing to look up.
func yarnLocal(rng string) bool {
	for _, p := range []string{"workspace:", "link:", "portal:", "file:"} {
		if strings.HasPrefix(rng, p) {
			return true
		}
	}
	return false
}

// yarnClassic parses the v1 format: unindented headers listing descriptors,
// two-space indented fields, four-space indented dependency lists.
func yarnClassic(path string, lock []byte, acc *npmAccumulator) ([]yarnEntry, error) {
	var entries []yarnEntry
	var cur *yarnEntry
	local := false
	inBlock := false
	block := ""
	finish := func() error {
		if cur == nil {
			return nil
		}
		if local {
			acc.note(cur.line, fmt.Sprintf("%s is local to the project; skipped", cur.name))
		} else if cur.version == "" {
			return &ParseError{File: path, Line: cur.line, Err: fmt.Errorf("entry %s has no version", cur.name)}
		} else {
			entries = append(entries, *cur)
		}
		cur = nil
		return nil
	}
	n := 0
	for len(lock) > 0 {
		n++
		var raw []byte
		if i := bytes.IndexByte(lock, '\n'); i >= 0 {
			raw, lock = lock[:i], lock[i+1:]
		} else {
			raw, lock = lock, nil
		}
		l := string(bytes.TrimRight(raw, "\r \t"))
		body := strings.TrimLeft(l, " ")
		if body == "" || body[0] == '#' {
			continue
		}
		if body[0] == '\t' {
			return nil, &ParseError{File: path, Line: n, Err: errors.New("tab indentation; yarn.lock indents with spaces")}
		}
		switch indent := len(l) - len(body); indent {
		case 0:
			if err := finish(); err != nil {
				return nil, err
			}
			if !strings.HasSuffix(body, ":") {
				return nil, &ParseError{File: path, Line: n, Err: fmt.Errorf("entry header %q does not end with a colon", body)}
			}
			e, isLocal, err := yarnClassicHeader(body[:len(body)-1])
			if err != nil {
				return nil, &ParseError{File: path, Line: n, Err: err}
			}
			e.line = n
			cur, local, inBlock = &e, isLocal, false
		case 2:
			if cur == nil {
				return nil, &ParseError{File: path, Line: n, Err: errors.New("indented line outside an entry")}
			}
			key, val, err := yarnClassicField(body)
			if err != nil {
				return nil, &ParseError{File: path, Line: n, Err: err}
			}
			inBlock = val == "" && strings.HasSuffix(body, ":")
			block = key
			if key == "version" {
				if val == "" {
					return nil, &ParseError{File: path, Line: n, Err: errors.New("empty version")}
				}
				cur.version = val
			}
		case 4:
			if cur == nil || !inBlock {
				return nil, &ParseError{File: path, Line: n, Err: errors.New("indented line outside a dependency list")}
			}
			dep, rng, err := yarnClassicField(body)
			if err != nil {
				return nil, &ParseError{File: path, Line: n, Err: err}
			}
			if block == "dependencies" || block == "optionalDependencies" {
				cur.deps = append(cur.deps, dep+"@"+rng)
			}
		default:
			return nil, &ParseError{File: path, Line: n, Err: fmt.Errorf("unexpected indentation of %d spaces", indent)}
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return entries, nil
}

// yarnClassicHeader parses `"a@^1.0.0", a@~1.0.1` into an entry.
func yarnClassicHeader(h string) (yarnEntry, bool, error) {
	var e yarnEntry
	local := true
	for h != "" {
		var d string
		h = strings.TrimLeft(h, " ")
		if strings.HasPrefix(h, `"`) {
			end := yarnQuoteEnd(h)
			if end < 0 {
				return e, false, fmt.Errorf("unterminated quote in %q", h)
			}
			u, err := strconv.Unquote(h[:end+1])
			if err != nil {
				return e, false, fmt.Errorf("bad quoted descriptor %s: %w", h[:end+1], err)
			}
			d, h = u, strings.TrimLeft(h[end+1:], " ")
			if h != "" && !strings.HasPrefix(h, ",") {
				return e, false, fmt.Errorf("text after quoted descriptor %q", d)
			}
			h = strings.TrimPrefix(h, ",")
		} else {
			i := strings.IndexByte(h, ',')
			if i < 0 {
				i = len(h)
			}
			d, h = strings.TrimSpace(h[:i]), h[min(i+1, len(h)):]
		}
		installed, rng, ok := yarnSplitDescriptor(d)
		if !ok {
			return e, false, fmt.Errorf("descriptor %q is not name@range", d)
		}
		name := installed
		if strings.HasPrefix(rng, "npm:") {
			// An alias: installed under one name, published under another.
			if real, _, ok := yarnSplitDescriptor(rng[len("npm:"):]); ok {
				name = real
			}
		}
		if e.name == "" {
			e.name = name
		}
		local = local && yarnLocal(rng)
		e.specs = append(e.specs, [2]string{installed, rng})
	}
	if len(e.specs) == 0 {
		return e, false, errors.New("empty entry header")
	}
	return e, local, nil
}

// yarnQuoteEnd is the index of the quote closing s's opening one, or -1.
func yarnQuoteEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// yarnClassicField parses `key value`, `key "value"` or `key:`.
func yarnClassicField(s string) (key, val string, err error) {
	if strings.HasSuffix(s, ":") && !strings.ContainsAny(s, " ") {
		return strings.Trim(s[:len(s)-1], `"`), "", nil
	}
	if strings.HasPrefix(s, `"`) {
		end := yarnQuoteEnd(s)
		if end < 0 {
			return "", "", fmt.Errorf("unterminated quote in %q", s)
		}
		key, s = s[1:end], s[end+1:]
		key = strings.TrimSuffix(key, ":")
		if s == ":" {
			return key, "", nil
		}
	} else {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return "", "", fmt.Errorf("field %q has no value", s)
		}
		key, s = s[:i], s[i:]
	}
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil {
			return "", "", fmt.Errorf("bad quoted value %s: %w", s, err)
		}
		s = u
	}
	return key, s, nil
}

// yarnYAMLLine pulls the line out of yaml.v3's "yaml: line N: ..." messages.
var yarnYAMLLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// npmYAMLError wraps a YAML syntax error as a ParseError at its line.
func npmYAMLError(path string, err error) error {
	line := 0
	msg := err.Error()
	if m := yarnYAMLLine.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
		}
		msg = msg[len(m[0]):]
	}
	return &ParseError{File: path, Line: line, Err: fmt.Errorf("invalid YAML: %s", msg)}
}

// npmYAMLDoc parses data into its top-level mapping.
func npmYAMLDoc(path string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, npmYAMLError(path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &ParseError{File: path, Err: errors.New("empty document")}
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, &ParseError{File: path, Line: top.Line, Err: errors.New("top level is not a mapping")}
	}
	return top, nil
}

// npmYAMLField returns the value under key in mapping m, or nil when it is absent or null.
func npmYAMLField(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			if v := m.Content[i+1]; v.Kind != yaml.ScalarNode || v.Tag != "!!null" {
				return v
			}
			// "key:" with nothing after it is YAML's null: the same as absent.
			return nil
		}
	}
	return nil
}

// npmYAMLScalar returns the scalar under key, or "".
func npmYAMLScalar(m *yaml.Node, key string) string {
	if v := npmYAMLField(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// yarnBerry parses the v2+ YAML format; it also returns the dependencies the
// workspace entries declare, which are the project's own.
func yarnBerry(path string, lock []byte, acc *npmAccumulator) ([]yarnEntry, npmDirectSet, error) {
	top, err := npmYAMLDoc(path, lock)
	if err != nil {
		return nil, nil, err
	}
	var entries []yarnEntry
	ws := npmDirectSet{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value == "__metadata" {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, nil, &ParseError{File: path, Line: k.Line, Err: fmt.Errorf("entry %q is not a mapping", k.Value)}
		}
		var e yarnEntry
		e.line = k.Line
		for _, d := range strings.Split(k.Value, ",") {
			d = strings.TrimSpace(d)
			installed, rng, ok := yarnSplitDescriptor(d)
			if !ok {
				return nil, nil, &ParseError{File: path, Line: k.Line, Err: fmt.Errorf("descriptor %q is not name@range", d)}
			}
			e.specs = append(e.specs, [2]string{installed, rng})
		}
		resolution := npmYAMLScalar(v, "resolution")
		name, ref, ok := yarnSplitDescriptor(resolution)
		if !ok {
			return nil, nil, &ParseError{File: path, Line: k.Line, Err: fmt.Errorf("entry %q has no name@reference resolution", k.Value)}
		}
		if strings.HasPrefix(ref, "workspace:") {
			for _, list := range []struct {
				key string
				dev bool
			}{{"dependencies", false}, {"peerDependencies", false}, {"optionalDependencies", false}, {"devDependencies", true}} {
				deps := npmYAMLField(v, list.key)
				if deps == nil || deps.Kind != yaml.MappingNode {
					continue
				}
				for j := 0; j+1 < len(deps.Content); j += 2 {
					ws.add(deps.Content[j].Value, deps.Content[j+1].Value, list.dev)
				}
			}
			continue
		}
		e.name, e.version = name, npmYAMLScalar(v, "version")
		if yarnLocal(ref) || e.version == "0.0.0-use.local" {
			acc.note(k.Line, fmt.Sprintf("%s is local to the project; skipped", resolution))
			continue
		}
		if e.version == "" {
			return nil, nil, &ParseError{File: path, Line: k.Line, Err: fmt.Errorf("entry %q has no version", k.Value)}
		}
		for _, list := range []string{"dependencies", "optionalDependencies"} {
			deps := npmYAMLField(v, list)
			if deps == nil || deps.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(deps.Content); j += 2 {
				e.deps = append(e.deps, deps.Content[j].Value+"@"+deps.Content[j+1].Value)
			}
		}
		entries = append(entries, e)
	}
	return entries, ws, nil
}
