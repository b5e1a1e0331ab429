package lockfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/perfwatch/perfwatch/depscan"
)

// goParsers lists the Go formats: go.mod outranks go.sum, which Walk reads on
// its own only in a directory without a go.mod.
func goParsers() []Parser {
	return []Parser{
		{
			Name: "go.mod", Ecosystem: depscan.Go, Rank: 2,
			Match: func(base string) bool { return base == "go.mod" },
			Parse: parseGoModFile,
		},
		{
			Name: "go.sum", Ecosystem: depscan.Go, Rank: 1,
			Match: func(base string) bool { return base == "go.sum" },
			Parse: func(path string, data []byte) (Result, error) {
				mods, err := parseGoSum(path, data)
				if err != nil {
					return Result{}, err
				}
				return Result{Packages: mods}, nil
			},
		},
	}
}

// parseGoModFile reads a go.mod and, for a module older than go 1.17, the
// go.sum beside it.
func parseGoModFile(path string, data []byte) (Result, error) {
	sumPath := filepath.Join(filepath.Dir(path), "go.sum")
	sum, err := readBounded(sumPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Result{}, fmt.Errorf("reading the go.sum beside %s: %w", path, err)
	}
	return parseGoMod(path, data, sumPath, sum)
}

// parseGoMod reads a go.mod's contents; sum is the go.sum beside it (nil when
// there is none), consulted only when the go line predates 1.17.
func parseGoMod(path string, data []byte, sumPath string, sum []byte) (Result, error) {
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return Result{}, modfileError(path, err)
	}
	var res Result
	seen := make(map[string]bool)
	for _, r := range f.Require {
		line := 0
		if r.Syntax != nil {
			line = r.Syntax.Start.Line
		}
		mod := r.Mod
		if rep := findReplace(f.Replace, mod); rep != nil {
			if rep.New.Version == "" {
				// A directory replacement has no version to look up; the
				// module's code is the project's own.
				res.Notes = append(res.Notes, Note{File: path, Line: line,
					Text: fmt.Sprintf("%s %s is replaced by the directory %s: skipped", mod.Path, mod.Version, rep.New.Path)})
				continue
			}
			mod = rep.New
		}
		seen[r.Mod.Path] = true
		res.Packages = append(res.Packages, depscan.Package{
			Name: mod.Path, Version: mod.Version, Ecosystem: depscan.Go,
			Direct: !r.Indirect, Source: path, Line: line,
		})
	}
	res.Packages = append(res.Packages, goToolchain(f, path)...)

	// Since go 1.17 go.mod lists every module that provides a package to the
	// build (module graph pruning), so go.sum adds nothing; before, the
	// indirect requirements lived only in the dependencies' own go.mod files,
	// and go.sum's module hashes are the best local trace of them.
	// "v1.17.0-0" sorts below 1.17's release candidates, which pruned too.
	if sum != nil && (f.Go == nil || semver.Compare(goSemver(f.Go.Version), "v1.17.0-0") < 0) {
		mods, err := parseGoSum(sumPath, sum)
		if err != nil {
			return Result{}, err
		}
		for _, m := range mods {
			if !seen[m.Name] {
				res.Packages = append(res.Packages, m)
			}
		}
	}
	return res, nil
}

// modfileError restates modfile's errors as ParseErrors, one per problem.
func modfileError(path string, err error) error {
	var list modfile.ErrorList
	if errors.As(err, &list) {
		errs := make([]error, 0, len(list))
		for _, e := range list {
			errs = append(errs, &ParseError{File: path, Line: e.Pos.Line, Err: modfileCause(e)})
		}
		return errors.Join(errs...)
	}
	var one *modfile.Error
	if errors.As(err, &one) {
		return &ParseError{File: path, Line: one.Pos.Line, Err: modfileCause(*one)}
	}
	return &ParseError{File: path, Err: err}
}

// modfileCause is the error without modfile's own "file:line:" prefix, which
// ParseError adds back.
func modfileCause(e modfile.Error) error {
	if e.Verb == "" {
		return e.Err
	}
	if e.ModPath != "" {
		return fmt.Errorf("%s %s: %w", e.Verb, e.ModPath, e.Err)
	}
	return fmt.Errorf("%s: %w", e.Verb, e.Err)
}

// findReplace returns the replace directive that applies to mod: one for its
// exact version wins over one for all versions, as the go command does.
func findReplace(reps []*modfile.Replace, mod module.Version) *modfile.Replace {
	var all *modfile.Replace
	for _, r := range reps {
		if r.Old.Path != mod.Path {
			continue
		}
		if r.Old.Version == mod.Version {
			return r
		}
		if r.Old.Version == "" {
			all = r
		}
	}
	return all
}

// goToolchain returns the stdlib and toolchain pseudo-packages that
// govulncheck and OSV's Go database use for the standard library and the go
// command. The version is the toolchain line's when there is one, else the go
// line's: the least Go that builds the module, so advisories fixed later apply.
func goToolchain(f *modfile.File, path string) []depscan.Package {
	var version string
	var line int
	switch {
	case f.Toolchain != nil && strings.HasPrefix(f.Toolchain.Name, "go"):
		version, line = goSemver(strings.TrimPrefix(f.Toolchain.Name, "go")), f.Toolchain.Syntax.Start.Line
	case f.Go != nil:
		version, line = goSemver(f.Go.Version), f.Go.Syntax.Start.Line
	}
	if version == "" {
		return nil
	}
	return []depscan.Package{
		{Name: "stdlib", Version: version, Ecosystem: depscan.Go, Direct: true, Source: path, Line: line},
		{Name: "toolchain", Version: version, Ecosystem: depscan.Go, Direct: true, Source: path, Line: line},
	}
}

// goSemver converts a Go release version ("1.21", "1.21.3", "1.22rc1") to the
// semver OSV uses ("v1.21.0", "v1.21.3", "v1.22.0-rc.1"), as govulncheck does;
// "" when it is not a release version. A bare "1.20" is the release 1.20.0.
func goSemver(v string) string {
	pre := ""
	for _, tag := range []string{"rc", "beta"} {
		if i := strings.Index(v, tag); i > 0 {
			pre = "-" + tag + "." + v[i+len(tag):]
			v = v[:i]
			break
		}
	}
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	s := "v" + v + pre
	if !semver.IsValid(s) {
		return ""
	}
	return s
}

// parseGoSum returns, for each module with a hash of its full content in
// go.sum, the highest such version. A module listed only by its go.mod hash
// was consulted for the module graph but never built, so it is left out.
// go.sum also keeps hashes of versions that lost in version selection; the
// highest one is the one most likely selected, never a lower one.
func parseGoSum(path string, data []byte) ([]depscan.Package, error) {
	best := make(map[string]depscan.Package)
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, errorAt(path, n, "want \"module version hash\", got %d fields", len(fields))
		}
		modPath, version, hash := fields[0], fields[1], fields[2]
		goModOnly := strings.HasSuffix(version, "/go.mod")
		version = strings.TrimSuffix(version, "/go.mod")
		if err := module.Check(modPath, version); err != nil {
			return nil, &ParseError{File: path, Line: n, Err: err}
		}
		if !strings.Contains(hash, ":") {
			return nil, errorAt(path, n, "malformed hash %q", hash)
		}
		if goModOnly {
			continue
		}
		old, ok := best[modPath]
		if !ok {
			order = append(order, modPath)
		}
		if !ok || semver.Compare(version, old.Version) > 0 {
			best[modPath] = depscan.Package{Name: modPath, Version: version, Ecosystem: depscan.Go, Source: path, Line: n}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{File: path, Err: err}
	}
	mods := make([]depscan.Package, 0, len(order))
	for _, p := range order {
		mods = append(mods, best[p])
	}
	return mods, nil
}
