package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/alecthomas/kingpin/v2"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/fix"
	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

// fixFlags are scan's --fix options: a dry run by default, showing the diff.
type fixFlags struct {
	enabled   *bool
	write     *bool
	toolchain *bool
}

func addFixFlags(cmd *kingpin.CmdClause) *fixFlags {
	return &fixFlags{
		enabled: cmd.Flag("fix", "Show the edits that remove the findings: go.mod requirements and requirements.txt pins raised to their fixed versions (as a diff), and the npm commands to run. Nothing is written without --fix.write.").Bool(),
		write:   cmd.Flag("fix.write", "With --fix, write the edited go.mod and requirements files.").Bool(),
		toolchain: cmd.Flag("fix.toolchain", "With --fix, also raise go.mod's toolchain line to the Go release that fixes the standard library's findings.").
			Bool(),
	}
}

// run computes every project's fixes and shows (or, with --fix.write, writes) them.
// A manifest that cannot be read or edited is reported and the others go on; the
// error then says how many failed.
func (f *fixFlags) run(root string, r *scan.Report, w io.Writer) error {
	var failed []string
	var tidy []string
	for _, p := range r.Projects {
		if len(p.Findings) == 0 {
			continue
		}
		bySource := map[string][]scan.Finding{}
		var npm []scan.Finding
		for _, fd := range p.Findings {
			switch fd.Ecosystem {
			case depscan.Npm:
				npm = append(npm, fd)
			case depscan.Go:
				// go.sum's modules are required from the go.mod beside it.
				src := path.Join(path.Dir(fd.Source), "go.mod")
				bySource[src] = append(bySource[src], fd)
			default:
				bySource[fd.Source] = append(bySource[fd.Source], fd)
			}
		}
		sources := make([]string, 0, len(bySource))
		for s := range bySource {
			sources = append(sources, s)
		}
		slices.Sort(sources)
		for _, src := range sources {
			wrote, err := f.manifest(root, src, bySource[src], w)
			if err != nil {
				fmt.Fprintf(w, "fix %s: %v\n", src, err)
				failed = append(failed, src)
				continue
			}
			if wrote && path.Base(src) == "go.mod" {
				tidy = append(tidy, filepath.Join(root, filepath.FromSlash(path.Dir(src))))
			}
		}
		if len(npm) > 0 {
			fmt.Fprintf(w, "# npm owns its lockfile: run these in %s\n", filepath.Join(root, filepath.FromSlash(p.Name)))
			for _, line := range fix.NpmCommands(npm, p.Packages) {
				fmt.Fprintln(w, line)
			}
		}
	}
	for _, dir := range tidy {
		fmt.Fprintf(w, "# go.sum lacks the new versions' hashes, and other modules may need raising with them: run `go mod tidy` in %s\n", dir)
	}
	if len(failed) > 0 {
		return fmt.Errorf("fix: %d manifest(s) could not be fixed: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// manifest fixes one go.mod or requirements file: it prints the changes and the
// diff, and writes the file with --fix.write. Lockfiles that their tools own
// (poetry.lock, Pipfile.lock, uv.lock) get the versions to ask for instead.
func (f *fixFlags) manifest(root, src string, findings []scan.Finding, w io.Writer) (wrote bool, err error) {
	file := filepath.Join(root, filepath.FromSlash(src))
	var edit func(string, []byte, []scan.Finding) ([]byte, []fix.Change, error)
	switch base := path.Base(src); {
	case base == "go.mod":
		edit = func(p string, data []byte, fs []scan.Finding) ([]byte, []fix.Change, error) {
			return fix.GoModWith(p, data, fs, fix.GoOptions{Toolchain: *f.toolchain})
		}
	case strings.HasSuffix(base, ".txt") || strings.HasSuffix(base, ".in"):
		edit = fix.Requirements
	default:
		for _, fd := range highestFixes(findings) {
			fmt.Fprintf(w, "# %s is written by its tool: ask it for %s %s (%s)\n", src, fd.Package, cmpOr(fd.FixedIn, "a fixed version (none published)"), fd.ID)
		}
		return false, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	out, changes, err := edit(file, data, findings)
	if err != nil {
		return false, err
	}
	for _, c := range changes {
		fmt.Fprintln(w, "#", c.String())
	}
	diff := fix.Unified(src, src, data, out)
	if diff == "" {
		return false, nil
	}
	if !*f.write {
		fmt.Fprint(w, diff)
		return false, nil
	}
	if err := writeAtomic(file, out); err != nil {
		return false, err
	}
	fmt.Fprintf(w, "# wrote %s\n", file)
	return true, nil
}

// highestFixes keeps one finding per package, the one with the highest fixed
// version (the first that fixes them all), for the lockfiles that are not edited.
func highestFixes(findings []scan.Finding) []scan.Finding {
	var out []scan.Finding
	at := map[string]int{}
	for _, fd := range findings {
		i, ok := at[fd.Package]
		if !ok {
			at[fd.Package] = len(out)
			out = append(out, fd)
			continue
		}
		if fd.FixedIn == "" {
			continue
		}
		if c, err := version.Compare(fd.Ecosystem, fd.FixedIn, out[i].FixedIn); out[i].FixedIn == "" || (err == nil && c > 0) {
			out[i] = fd
		}
	}
	return out
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// writeAtomic replaces file with data through a temporary file in its directory,
// keeping its mode, so an interrupted fix leaves the old file whole.
func writeAtomic(file string, data []byte) error {
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), st.Mode().Perm())); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}
