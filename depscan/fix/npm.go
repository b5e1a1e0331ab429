package fix

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

var (
	// npmNameRE is what npm accepts as a package name (validate-npm-package-name,
	// with the upper case old packages have), and npmVersionRE a SemVer's
	// characters: anything else would be shell syntax in a printed command.
	npmNameRE    = regexp.MustCompile(`^(@[A-Za-z0-9~-][A-Za-z0-9._~-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$`)
	npmVersionRE = regexp.MustCompile(`^[0-9A-Za-z.+-]+$`)
)

// npmTool is how one lockfile's package manager spells the commands.
type npmTool struct {
	install, installDev, update string
	// overrides formats the package.json field forcing transitive versions
	// around its entries.
	overrides string
}

func toolFor(source string) npmTool {
	switch path.Base(source) {
	case "yarn.lock":
		// yarn classic and berry agree on add and on resolutions, not on update.
		return npmTool{install: "yarn add", installDev: "yarn add --dev", overrides: `"resolutions": {%s}`}
	case "pnpm-lock.yaml":
		return npmTool{install: "pnpm add", installDev: "pnpm add --save-dev", update: "pnpm update", overrides: `"pnpm": {"overrides": {%s}}`}
	}
	return npmTool{install: "npm install", installDev: "npm install --save-dev", update: "npm update", overrides: `"overrides": {%s}`}
}

// NpmCommands returns the shell lines that remove the npm findings, grouped by
// lockfile under a "# lockfile" comment, since npm (or yarn, pnpm) owns the
// lockfile and must resolve the tree itself. packages are the project's
// dependencies, which tell direct from transitive:
//
//   - a direct dependency is installed at its fixed version (npm install
//     name@fixed, --save-dev for a dev one), which also rewrites package.json;
//   - a transitive one whose fix is within the caret range of its version
//     (same major; same minor below 1.0.0), the range npm saves by default and
//     most packages declare, is updated in place (npm update name): its
//     dependents most likely accept it;
//   - any other transitive one gets an overrides entry for the root
//     package.json (npm 8.3 and later; yarn's resolutions, pnpm.overrides),
//     which forces the version on every dependent: a major jump can break
//     them, so the line says to test.
//
// Lines starting with # are explanations, not commands.
func NpmCommands(findings []scan.Finding, packages []scan.Dependency) []string {
	type key struct{ name, version, source string }
	type target struct {
		key
		fixed          string
		fixes, unfixed []string
	}
	targets := map[key]*target{}
	var order []key
	for _, f := range findings {
		if f.Ecosystem != depscan.Npm {
			continue
		}
		k := key{f.Package, f.Version, f.Source}
		t, ok := targets[k]
		if !ok {
			t = &target{key: k}
			targets[k] = t
			order = append(order, k)
		}
		if f.FixedIn == "" {
			t.unfixed = appendOnce(t.unfixed, f.ID)
			continue
		}
		t.fixes = appendOnce(t.fixes, f.ID)
		if t.fixed == "" {
			t.fixed = f.FixedIn
		} else if c, err := version.Compare(depscan.Npm, f.FixedIn, t.fixed); err == nil && c > 0 {
			t.fixed = f.FixedIn
		}
	}
	slices.SortFunc(order, func(a, b key) int {
		return strings.Compare(a.source+"\x00"+a.name+"\x00"+a.version, b.source+"\x00"+b.name+"\x00"+b.version)
	})
	deps := map[key]scan.Dependency{}
	for _, d := range packages {
		deps[key{d.Name, d.Version, d.Source}] = d
	}
	var out, overrides []string
	source := ""
	flush := func() {
		if len(overrides) > 0 {
			out = append(out, "# add to the root package.json: "+fmt.Sprintf(toolFor(source).overrides, strings.Join(overrides, ", ")))
			out = append(out, strings.Fields(toolFor(source).install)[0]+" install")
			overrides = nil
		}
	}
	for _, k := range order {
		t := targets[k]
		if k.source != source {
			flush()
			source = k.source
			out = append(out, "# "+source)
		}
		tool := toolFor(source)
		ids := strings.Join(t.fixes, ", ")
		if !npmNameRE.MatchString(k.name) || (t.fixed != "" && !npmVersionRE.MatchString(t.fixed)) {
			out = append(out, fmt.Sprintf("# %s: not a valid npm package name or version; fix by hand", strconv.Quote(k.name+"@"+t.fixed)))
			continue
		}
		if len(t.unfixed) > 0 {
			out = append(out, fmt.Sprintf("# %s %s: %s has no fixed version: remove or replace it", k.name, k.version, strings.Join(t.unfixed, ", ")))
		}
		if t.fixed == "" {
			continue
		}
		d := deps[k]
		switch {
		case d.Direct:
			cmd := tool.install
			if d.Dev {
				cmd = tool.installDev
			}
			out = append(out, fmt.Sprintf("%s %s@%s  # direct, %s %s: %s", cmd, k.name, t.fixed, k.name, k.version, ids))
		case tool.update != "" && withinCaret(k.version, t.fixed):
			out = append(out, fmt.Sprintf("%s %s  # transitive, %s %s: %s; %s is within ^%s, the range dependents usually declare (if the lockfile keeps %s, use an override)",
				tool.update, k.name, k.name, k.version, ids, t.fixed, k.version, k.version))
		default:
			overrides = append(overrides, strconv.Quote(k.name)+": "+strconv.Quote(t.fixed))
			why := "outside ^" + k.version + ": test its dependents"
			if withinCaret(k.version, t.fixed) {
				why = "within ^" + k.version
			}
			out = append(out, fmt.Sprintf("# transitive, %s %s: %s; override to %s (%s)", k.name, k.version, ids, t.fixed, why))
		}
	}
	flush()
	return out
}

// withinCaret reports whether fixed satisfies ^from, npm's default range:
// the same major, or below 1.0.0 the same minor, or below 0.1.0 the same patch.
func withinCaret(from, fixed string) bool {
	a, b := semverParts(from), semverParts(fixed)
	if a == nil || b == nil {
		return false
	}
	if c, err := version.Compare(depscan.Npm, fixed, from); err != nil || c < 0 {
		return false
	}
	switch {
	case a[0] != 0:
		return a[0] == b[0]
	case a[1] != 0:
		return b[0] == 0 && a[1] == b[1]
	}
	return b[0] == 0 && b[1] == 0 && a[2] == b[2]
}

func semverParts(v string) []int {
	core, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), "-")
	core, _, _ = strings.Cut(core, "+")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return nil
	}
	out := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil
		}
		out[i] = n
	}
	return out
}
