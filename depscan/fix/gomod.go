package fix

import (
	"bytes"
	"cmp"
	"fmt"
	goversion "go/version"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

// GoOptions say which of a go.mod's fixes GoModWith applies.
type GoOptions struct {
	// Toolchain raises the toolchain line to the Go release that fixes the
	// standard library's advisories. It is a suggestion by default: the
	// standard library is the Go that builds the module, and a toolchain line
	// makes every build of the module fetch that Go, a choice for the module's
	// owner rather than for a dependency scanner.
	Toolchain bool
}

// GoMod raises each vulnerable module that go.mod at path requires (data, its
// contents) to the highest of its findings' fixed versions, never lowering one;
// it is GoModWith with the zero GoOptions, so stdlib advisories are suggested,
// not applied. Requirement lines are edited in place: comments, "// indirect"
// and the rest of the file stay as they were. Findings of other ecosystems are
// ignored.
func GoMod(path string, data []byte, findings []scan.Finding) ([]byte, []Change, error) {
	return GoModWith(path, data, findings, GoOptions{})
}

// goTarget is what one module's findings ask for.
type goTarget struct {
	module  string
	version string   // the highest fixed version, canonical ("v1.2.3")
	fixes   []string // advisories with a fixed version
	unfixed []string // advisories without one
	from    string   // the version the findings name
}

// GoModWith is GoMod with options.
func GoModWith(path string, data []byte, findings []scan.Finding, o GoOptions) ([]byte, []Change, error) {
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("fix %s: %w", path, err)
	}
	targets := goTargets(findings)
	var changes []Change
	var edits []edit
	var added []goTarget // modules go.mod does not name (found in go.sum)
	var toolchain *goTarget
	for _, t := range targets {
		if t.module == "stdlib" || t.module == "toolchain" {
			toolchain = mergeToolchain(toolchain, t)
			continue
		}
		if len(t.unfixed) > 0 {
			changes = append(changes, Change{File: path, Package: t.module, From: t.from, Fixes: t.unfixed,
				Note: "no fixed version is known: remove or replace the dependency"})
		}
		if t.version == "" {
			continue
		}
		c := Change{File: path, Package: t.module, To: t.version, Fixes: t.fixes}
		line, cur := goLine(f, t.module)
		switch {
		case line == nil:
			c.From, c.Applied = t.from, true
			c.Note = "not required by go.mod (go.sum names it): added as an indirect requirement"
			added = append(added, t)
		case semver.Compare(t.version, cur) <= 0:
			c.From = cur
			c.Note = "go.mod already requires the fixed version"
		default:
			e, ok := versionEdit(data, line, cur, t.version)
			if !ok {
				return nil, nil, fmt.Errorf("fix %s:%d: cannot find version %s on the line of %s", path, line.Start.Line, cur, t.module)
			}
			c.From, c.Applied = cur, true
			edits = append(edits, e)
		}
		changes = append(changes, c)
	}
	out := applyEdits(data, edits)
	if len(added) > 0 || (toolchain != nil && o.Toolchain) {
		// New lines need modfile's printer; the file is reformatted as gofmt
		// formats go.mod, which is how the go command leaves it anyway.
		if out, changes, err = reformat(path, out, added, toolchain, changes); err != nil {
			return nil, nil, err
		}
	} else if toolchain != nil {
		changes = append(changes, toolchainChange(path, f, toolchain, false))
	}
	if err := verify(path, out, changes); err != nil {
		return nil, nil, err
	}
	return out, changes, nil
}

func goTargets(findings []scan.Finding) []goTarget {
	byModule := map[string]*goTarget{}
	var order []string
	for _, fd := range findings {
		if fd.Ecosystem != depscan.Go {
			continue
		}
		t, ok := byModule[fd.Package]
		if !ok {
			t = &goTarget{module: fd.Package, from: fd.Version}
			byModule[fd.Package] = t
			order = append(order, fd.Package)
		}
		fixed := canonical(fd.FixedIn)
		if fixed == "" {
			t.unfixed = appendOnce(t.unfixed, fd.ID)
			continue
		}
		t.fixes = appendOnce(t.fixes, fd.ID)
		if semver.Compare(fixed, t.version) > 0 {
			t.version = fixed
		}
	}
	slices.Sort(order)
	out := make([]goTarget, 0, len(order))
	for _, m := range order {
		out = append(out, *byModule[m])
	}
	return out
}

// canonical writes an OSV fixed version ("0.3.7", no "v") as Go writes it; ""
// for none or an invalid one.
func canonical(v string) string {
	if v == "" {
		return ""
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// goLine finds the line that decides module's version: a replace whose
// replacement is module at a version (the scan reports a replaced module under
// its replacement), else module's require.
func goLine(f *modfile.File, module string) (*modfile.Line, string) {
	for _, r := range f.Replace {
		if r.New.Path == module && r.New.Version != "" {
			return r.Syntax, r.New.Version
		}
	}
	for _, r := range f.Require {
		if r.Mod.Path == module {
			return r.Syntax, r.Mod.Version
		}
	}
	return nil, ""
}

// edit replaces data[start:end].
type edit struct {
	start, end int
	text       string
}

// versionEdit replaces the version token that ends a require or replace line.
// modfile keeps no position per token, but the version is the line's last one,
// and the line's end is exact.
func versionEdit(data []byte, line *modfile.Line, cur, next string) (edit, bool) {
	start, end := line.Start.Byte, line.End.Byte
	if start < 0 || end > len(data) || start > end {
		return edit{}, false
	}
	text := data[start:end]
	for _, tok := range []string{cur, `"` + cur + `"`} {
		if bytes.HasSuffix(text, []byte(tok)) {
			return edit{start: end - len(tok), end: end, text: next}, true
		}
	}
	return edit{}, false
}

func applyEdits(data []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(a, b edit) int { return cmp.Compare(a.start, b.start) })
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		out.Write(data[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(data[last:])
	return out.Bytes()
}

func mergeToolchain(acc *goTarget, t goTarget) *goTarget {
	if acc == nil {
		acc = &goTarget{module: "toolchain", from: t.from}
	}
	acc.fixes = append(acc.fixes, t.fixes...)
	acc.unfixed = append(acc.unfixed, t.unfixed...)
	if semver.Compare(t.version, acc.version) > 0 {
		acc.version = t.version
	}
	return acc
}

// toolchainChange is the change a stdlib or toolchain advisory asks for: a
// toolchain line naming the fixed Go (go1.19.1 for a fix in v1.19.1).
func toolchainChange(path string, f *modfile.File, t *goTarget, apply bool) Change {
	c := Change{File: path, Package: "toolchain", Fixes: slices.Concat(t.fixes, t.unfixed)}
	cur := "go1.16" // the go command's reading of a go.mod without a go line
	if f.Go != nil {
		cur = "go" + f.Go.Version
	}
	if f.Toolchain != nil {
		cur = f.Toolchain.Name
	}
	c.From = cur
	if t.version == "" {
		c.Note = "no Go release fixes these yet"
		return c
	}
	want := "go" + strings.TrimPrefix(t.version, "v")
	c.To = want
	switch {
	case goversion.Compare(want, cur) <= 0:
		c.Note = "the toolchain line already names a fixed Go; build with it"
	case f.Go == nil || goversion.Compare("go"+f.Go.Version, "go1.21") < 0:
		c.Note = "toolchain lines need a go line of 1.21 or later: build with " + want + " or later"
	case !apply:
		c.Note = "the standard library is the Go that builds the module: build with " + want + " or later, or apply to set the toolchain line"
	default:
		c.Applied = true
		c.Note = "the go command fetches " + want + " for builds of this module"
	}
	return c
}

// reformat adds what an in-place edit cannot: new requirements and the
// toolchain line.
func reformat(path string, data []byte, added []goTarget, tc *goTarget, changes []Change) ([]byte, []Change, error) {
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("fix %s: the edited file does not parse: %w", path, err)
	}
	for _, t := range added {
		f.AddNewRequire(t.module, t.version, true)
	}
	if tc != nil {
		c := toolchainChange(path, f, tc, true)
		if c.Applied {
			if err := f.AddToolchainStmt(c.To); err != nil {
				return nil, nil, fmt.Errorf("fix %s: toolchain %s: %w", path, c.To, err)
			}
		}
		changes = append(changes, c)
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return nil, nil, fmt.Errorf("fix %s: format: %w", path, err)
	}
	return out, changes, nil
}

// verify parses the result and checks every applied change is in it: an edit
// that landed elsewhere must fail loudly, not write a wrong go.mod.
func verify(path string, data []byte, changes []Change) error {
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return fmt.Errorf("fix %s: the edited file does not parse: %w", path, err)
	}
	for _, c := range changes {
		if !c.Applied {
			continue
		}
		var got string
		if c.Package == "toolchain" {
			if f.Toolchain != nil {
				got = f.Toolchain.Name
			}
		} else {
			_, got = goLine(f, c.Package)
		}
		if got != c.To {
			return fmt.Errorf("fix %s: %s is at %q after the edit, want %s", path, c.Package, got, c.To)
		}
	}
	return nil
}
