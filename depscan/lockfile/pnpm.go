package lockfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pnpmResolved is one dependency an importer (the project or a workspace)
// resolves: the name it installs it under and the package it resolves to.
type pnpmResolved struct {
	installed, name, version string
	dev                      bool
	// root is false for a workspace's importer, whose dependencies package.json
	// does not list but which are the project's own all the same.
	root bool
}

// ParsePnpmLock reads a pnpm-lock.yaml of lockfileVersion 5.x, 6.x or 9.x;
// manifest is the package.json beside it, nil when there is none. The importers
// (or v5's top-level lists) say which version the project resolves; v9 records
// no dev flag, so there Dev is worked out from the snapshots (pnpmV9DevOnly).
func ParsePnpmLock(path string, lock, manifest []byte) (Result, error) {
	direct, err := npmReadManifest(path, manifest)
	if err != nil {
		return Result{}, err
	}
	top, err := npmYAMLDoc(path, lock)
	if err != nil {
		return Result{}, err
	}
	lv := npmYAMLField(top, "lockfileVersion")
	if lv == nil || lv.Kind != yaml.ScalarNode {
		return Result{}, &ParseError{File: path, Line: top.Line, Err: errors.New("no lockfileVersion")}
	}
	major, err := strconv.Atoi(strings.SplitN(lv.Value, ".", 2)[0])
	if err != nil || major < 5 || major > 9 {
		return Result{}, &ParseError{File: path, Line: lv.Line, Err: fmt.Errorf("lockfileVersion %q: want 5.x, 6.x or 9.x", lv.Value)}
	}

	var resolved []pnpmResolved
	if imps := npmYAMLField(top, "importers"); imps != nil {
		if imps.Kind != yaml.MappingNode {
			return Result{}, &ParseError{File: path, Line: imps.Line, Err: errors.New("importers is not a mapping")}
		}
		for i := 0; i+1 < len(imps.Content); i += 2 {
			r, err := pnpmImporter(path, major, imps.Content[i+1])
			if err != nil {
				return Result{}, err
			}
			for j := range r {
				r[j].root = imps.Content[i].Value == "."
			}
			resolved = append(resolved, r...)
		}
	} else {
		// v5 and v6 without workspaces keep the project's lists at the top.
		r, err := pnpmImporter(path, major, top)
		if err != nil {
			return Result{}, err
		}
		for j := range r {
			r[j].root = true
		}
		resolved = r
	}

	// directKeys are the (name, version) pairs the project resolves directly;
	// byName are names the project names but no importer resolves, whose every
	// version counts.
	type pv struct{ name, version string }
	directKeys := map[pv]bool{} // value: dev
	byName := map[string]bool{}
	if direct == nil {
		for _, r := range resolved {
			directKeys[pv{r.name, r.version}] = r.dev
		}
	} else {
		seen := map[string]bool{}
		for _, r := range resolved {
			if !r.root {
				directKeys[pv{r.name, r.version}] = r.dev
				continue
			}
			if d, ok := direct[r.installed]; ok {
				directKeys[pv{r.name, r.version}] = d.dev || r.dev
				seen[r.installed] = true
			}
		}
		for n, d := range direct {
			if !seen[n] {
				byName[n] = d.dev
			}
		}
	}

	acc := newNpmAccumulator(path)
	pkgs := npmYAMLField(top, "packages")
	if pkgs == nil {
		return acc.result(), nil
	}
	if pkgs.Kind != yaml.MappingNode {
		return Result{}, &ParseError{File: path, Line: pkgs.Line, Err: errors.New("packages is not a mapping")}
	}
	var devOnly map[string]bool
	if major >= 9 {
		devOnly = pnpmV9DevOnly(top)
	}
	for i := 0; i+1 < len(pkgs.Content); i += 2 {
		k, v := pkgs.Content[i], pkgs.Content[i+1]
		if strings.HasPrefix(k.Value, "file:") || strings.HasPrefix(k.Value, "link:") {
			acc.note(k.Line, fmt.Sprintf("package %q is a folder of the project; skipped", k.Value))
			continue
		}
		name, version, ok := pnpmKey(k.Value)
		if n := npmYAMLScalar(v, "name"); n != "" {
			// Packages from outside the registry carry their name and version.
			name, version, ok = n, npmYAMLScalar(v, "version"), true
		}
		if !ok || name == "" {
			acc.note(k.Line, fmt.Sprintf("package %q names no registry version; skipped", k.Value))
			continue
		}
		if version == "" || strings.Contains(version, ":") {
			if fv := npmYAMLScalar(v, "version"); fv != "" {
				version = fv
			} else {
				acc.note(k.Line, fmt.Sprintf("package %q names no registry version; skipped", k.Value))
				continue
			}
		}
		dev := npmYAMLScalar(v, "dev") == "true"
		isDirect := false
		if d, ok := directKeys[pv{name, version}]; ok {
			isDirect, dev = true, dev || d
		} else if d, ok := byName[name]; ok {
			isDirect, dev = true, dev || d
		}
		if devOnly != nil {
			dev = devOnly[name+"@"+version]
		}
		acc.add(name, version, isDirect, dev, k.Line)
	}
	return acc.result(), nil
}

// pnpmImporter reads one importer's dependency lists, whose values are a
// version (v5) or a mapping with specifier and version (v6+).
func pnpmImporter(path string, major int, imp *yaml.Node) ([]pnpmResolved, error) {
	if imp.Kind != yaml.MappingNode {
		return nil, &ParseError{File: path, Line: imp.Line, Err: errors.New("importer is not a mapping")}
	}
	var out []pnpmResolved
	for _, list := range []struct {
		key string
		dev bool
	}{{"dependencies", false}, {"optionalDependencies", false}, {"devDependencies", true}} {
		deps := npmYAMLField(imp, list.key)
		if deps == nil {
			continue
		}
		if deps.Kind != yaml.MappingNode {
			return nil, &ParseError{File: path, Line: deps.Line, Err: fmt.Errorf("%s is not a mapping", list.key)}
		}
		for j := 0; j+1 < len(deps.Content); j += 2 {
			k, v := deps.Content[j], deps.Content[j+1]
			ver := v.Value
			if v.Kind == yaml.MappingNode {
				ver = npmYAMLScalar(v, "version")
			}
			if ver == "" || strings.HasPrefix(ver, "link:") || strings.HasPrefix(ver, "file:") {
				// A workspace or local folder: the project itself.
				continue
			}
			r := pnpmResolved{installed: k.Value, name: k.Value, dev: list.dev}
			base, _, _ := strings.Cut(ver, "(")
			alias := strings.HasPrefix(ver, "/") || (major >= 9 && strings.Contains(base[1:], "@"))
			if n, v, ok := pnpmKey(ver); ok && alias {
				// An alias resolves to another package's key.
				r.name, r.version = n, v
			} else {
				r.version = pnpmStripPeers(ver)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// pnpmStripPeers drops the peer suffix from a version: "(react@18.2.0)" in v6+,
// "_react@18.2.0" in v5 (versions never contain "_").
func pnpmStripPeers(v string) string {
	if i := strings.IndexAny(v, "(_"); i >= 0 {
		return v[:i]
	}
	return v
}

// pnpmKey splits a packages key: "/name/1.2.3" (v5), "/name@1.2.3" (v6),
// "name@1.2.3" (v9), any with a scope and a peer suffix. Keys of other
// registries and of tarballs ("github.com/a/b/sha") report ok false.
func pnpmKey(key string) (name, version string, ok bool) {
	s := strings.TrimPrefix(key, "/")
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	rest := s
	nameEnd := 0
	if strings.HasPrefix(s, "@") {
		i := strings.IndexByte(s, '/')
		if i < 0 {
			return "", "", false
		}
		nameEnd = i + 1
		rest = s[nameEnd:]
	}
	j := strings.IndexAny(rest, "@/")
	if j <= 0 {
		return "", "", false
	}
	name, version = s[:nameEnd+j], rest[j+1:]
	if rest[j] == '/' {
		// v5: the name's end is a slash, and peers follow an underscore.
		if strings.Contains(version, "/") || !strings.HasPrefix(key, "/") {
			return "", "", false
		}
		if i := strings.IndexByte(version, '_'); i >= 0 {
			version = version[:i]
		}
	}
	if version == "" {
		return "", "", false
	}
	return name, version, true
}

// pnpmV9DevOnly works out Dev for v9, which dropped the packages' dev flag: a
// package is Dev when the importers' devDependencies reach it through the
// snapshots' dependency lists and their dependencies and optionalDependencies
// do not. The result is keyed by "name@version".
func pnpmV9DevOnly(top *yaml.Node) map[string]bool {
	edges := map[string][]string{}
	snaps := npmYAMLField(top, "snapshots")
	if snaps != nil && snaps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(snaps.Content); i += 2 {
			key, v := snaps.Content[i].Value, snaps.Content[i+1]
			for _, list := range []string{"dependencies", "optionalDependencies"} {
				deps := npmYAMLField(v, list)
				if deps == nil || deps.Kind != yaml.MappingNode {
					continue
				}
				for j := 0; j+1 < len(deps.Content); j += 2 {
					if t := pnpmSnapshotKey(deps.Content[j].Value, deps.Content[j+1].Value); t != "" {
						edges[key] = append(edges[key], t)
					}
				}
			}
		}
	}
	var prod, dev []string
	if imps := npmYAMLField(top, "importers"); imps != nil && imps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(imps.Content); i += 2 {
			for _, list := range []string{"dependencies", "optionalDependencies", "devDependencies"} {
				deps := npmYAMLField(imps.Content[i+1], list)
				if deps == nil || deps.Kind != yaml.MappingNode {
					continue
				}
				for j := 0; j+1 < len(deps.Content); j += 2 {
					t := pnpmSnapshotKey(deps.Content[j].Value, npmYAMLScalar(deps.Content[j+1], "version"))
					if t == "" {
						continue
					}
					if list == "devDependencies" {
						dev = append(dev, t)
					} else {
						prod = append(prod, t)
					}
				}
			}
		}
	}
	inProd, inDev := reach(prod, edges), reach(dev, edges)
	out := map[string]bool{}
	for key := range inDev {
		if n, v, ok := pnpmKey(key); ok {
			id := n + "@" + v
			if _, seen := out[id]; !seen {
				out[id] = true
			}
		}
	}
	for key := range inProd {
		if n, v, ok := pnpmKey(key); ok {
			out[n+"@"+v] = false
		}
	}
	return out
}

// pnpmSnapshotKey is the snapshots key a dependency on name at version (as
// importers and snapshots write it) points to; "" for workspace links.
func pnpmSnapshotKey(name, version string) string {
	if version == "" || strings.HasPrefix(version, "link:") {
		return ""
	}
	base, _, _ := strings.Cut(version, "(")
	if len(base) > 1 && strings.Contains(base[1:], "@") {
		// An alias names the package it resolves to.
		return version
	}
	return name + "@" + version
}

// reach is the set of nodes reachable from roots along edges (the npm and uv
// parsers tell production from development dependencies with it).
func reach(roots []string, edges map[string][]string) map[string]bool {
	seen := map[string]bool{}
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, edges[n]...)
	}
	return seen
}
