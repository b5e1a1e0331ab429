package lockfile

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
)

// skipDir reports directories Walk does not enter: vendored or installed
// copies of dependencies (their lockfiles are not the project's), test
// fixtures (Go's testdata convention: not part of any build) and hidden
// directories such as .git, .venv and .tox.
func skipDir(name string) bool {
	return name == "node_modules" || name == "vendor" || name == "testdata" || name == "__pycache__" ||
		name == "site-packages" || strings.HasPrefix(name, ".")
}

// Walk finds the lockfiles under root and returns one project per directory
// holding any, sorted by directory. In each directory it keeps, per
// ecosystem, only the files of the highest Parser.Rank. A file that cannot be
// read or parsed is reported in the errors and the walk goes on; the errors
// also carry the parsers' notes as *Note values.
func Walk(ctx context.Context, root string) ([]depscan.Project, []error) {
	parsers := Parsers()
	type found struct {
		path string
		p    Parser
	}
	byDir := make(map[string][]found)
	var errs []error
	walkErr := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			// An unreadable directory is reported; the rest of the tree is still walked.
			errs = append(errs, fmt.Errorf("walking %s: %w", path, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		for _, p := range parsers {
			if p.Match(d.Name()) {
				dir := filepath.Dir(path)
				byDir[dir] = append(byDir[dir], found{path: path, p: p})
			}
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, fmt.Errorf("walking %s: %w", root, walkErr))
	}

	dirs := make([]string, 0, len(byDir))
	for dir := range byDir {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	var projects []depscan.Project
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		files := byDir[dir]
		best := make(map[depscan.Ecosystem]int)
		for _, f := range files {
			if f.p.Rank > best[f.p.Ecosystem] {
				best[f.p.Ecosystem] = f.p.Rank
			}
		}
		sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
		proj := depscan.Project{Name: relSlash(root, dir)}
		for _, f := range files {
			if f.p.Rank < best[f.p.Ecosystem] {
				continue
			}
			data, err := readBounded(f.path)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.p.Name, err))
				continue
			}
			res, err := f.p.Parse(f.path, data)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, pkg := range res.Packages {
				pkg.Source = relSlash(root, pkg.Source)
				proj.Packages = append(proj.Packages, pkg)
			}
			for _, n := range res.Notes {
				errs = append(errs, &n)
			}
		}
		if len(proj.Packages) > 0 {
			projects = append(projects, proj)
		}
	}
	return projects, errs
}

// relSlash is path relative to root with forward slashes, or path itself when
// it is not under root.
func relSlash(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// ReadBeside reports whether a file of this base name, though no lockfile, can
// change what the parsers return: the manifests read beside a lockfile for Direct
// and Dev (package.json, pyproject.toml, Pipfile) and the files a requirements file
// includes with -r or -c, which may have any name ending in .txt or .in. A watcher
// rescans on these as on the lockfiles.
func ReadBeside(base string) bool {
	switch base {
	case "package.json", "pyproject.toml", "Pipfile":
		return true
	}
	return strings.HasSuffix(base, ".txt") || strings.HasSuffix(base, ".in")
}
