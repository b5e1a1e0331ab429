package lockfile

import (
	"fmt"

	"github.com/perfwatch/perfwatch/depscan"
)

func uvParser() Parser {
	return Parser{
		Name: "uv.lock", Ecosystem: depscan.PyPI, Rank: 2,
		Match: func(base string) bool { return base == "uv.lock" },
		Parse: parseUV,
	}
}

type uvDep struct {
	Name string `toml:"name"`
}

type uvLock struct {
	Package []struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
		Source  struct {
			Registry  string `toml:"registry"`
			Git       string `toml:"git"`
			URL       string `toml:"url"`
			Editable  string `toml:"editable"`
			Virtual   string `toml:"virtual"`
			Directory string `toml:"directory"`
			Path      string `toml:"path"`
		} `toml:"source"`
		Dependencies         []uvDep            `toml:"dependencies"`
		OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
		DevDependencies      map[string][]uvDep `toml:"dev-dependencies"`
	} `toml:"package"`
}

// parseUV reads a uv.lock. The project and its workspace members (editable
// or virtual sources) are not reported; what they depend on is Direct, and a
// package reachable only through their dev dependencies is Dev.
func parseUV(path string, data []byte) (Result, error) {
	var lock uvLock
	if err := decodeTOML(path, data, &lock); err != nil {
		return Result{}, err
	}
	lines := tableLines(data, "package")
	deps := make(map[string][]string)
	direct := make(map[string]bool)
	var prodRoots, devRoots []string
	for i, p := range lock.Package {
		if p.Name == "" {
			return Result{}, errorAt(path, lineAt(lines, i), "package without a name")
		}
		name := normalizeName(p.Name)
		for _, d := range p.Dependencies {
			deps[name] = append(deps[name], normalizeName(d.Name))
		}
		for _, ds := range p.OptionalDependencies {
			for _, d := range ds {
				deps[name] = append(deps[name], normalizeName(d.Name))
			}
		}
		if p.Source.Editable == "" && p.Source.Virtual == "" {
			continue
		}
		prodRoots = append(prodRoots, name)
		for _, ds := range p.DevDependencies {
			for _, d := range ds {
				devRoots = append(devRoots, normalizeName(d.Name))
			}
		}
	}
	prod := reach(prodRoots, deps)
	dev := reach(devRoots, deps)
	for _, root := range prodRoots {
		for _, d := range deps[root] {
			direct[d] = true
		}
	}
	for _, d := range devRoots {
		direct[d] = true
	}

	var res Result
	for i, p := range lock.Package {
		line := lineAt(lines, i)
		name := normalizeName(p.Name)
		s := p.Source
		switch {
		case s.Editable != "" || s.Virtual != "":
			continue // the project itself or a workspace member
		case s.Directory != "" || s.Path != "":
			res.Notes = append(res.Notes, Note{File: path, Line: line,
				Text: fmt.Sprintf("%s comes from the local path %s%s: skipped", name, s.Directory, s.Path)})
			continue
		}
		if p.Version == "" {
			// uv leaves the version out only for dynamic-version local
			// packages, which the cases above handle; anything else is malformed.
			return Result{}, errorAt(path, line, "package %s has no version", name)
		}
		res.Packages = append(res.Packages, depscan.Package{
			Name: name, Version: p.Version, Ecosystem: depscan.PyPI,
			Direct: direct[name], Dev: dev[name] && !prod[name],
			Source: path, Line: line,
		})
	}
	return res, nil
}
