package fix

import (
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

func npmFinding(pkg, version, source, id, fixed string) scan.Finding {
	return scan.Finding{Package: pkg, Version: version, Ecosystem: depscan.Npm, Source: source, ID: id, FixedIn: fixed}
}

func npmDep(name, version, source string, direct, dev bool) scan.Dependency {
	return scan.Dependency{Package: depscan.Package{Name: name, Version: version, Ecosystem: depscan.Npm, Source: source, Direct: direct, Dev: dev}}
}

func TestNpmCommands(t *testing.T) {
	const lock = "package-lock.json"
	findings := []scan.Finding{
		npmFinding("lodash", "4.17.15", lock, "GHSA-p6mc-m468-83gw", "4.17.19"),
		npmFinding("lodash", "4.17.15", lock, "GHSA-35jh-r3h4-6jhm", "4.17.21"),
		npmFinding("jest", "29.0.0", lock, "GHSA-dev", "29.7.0"),
		npmFinding("minimist", "1.2.0", lock, "GHSA-xvch-5gv4-984h", "1.2.6"),
		npmFinding("node-fetch", "1.7.3", lock, "GHSA-r683-j2x4-v87g", "2.6.7"),
		npmFinding("@babel/traverse", "7.22.0", lock, "GHSA-67hx-6x53-jw92", "7.23.2"),
		npmFinding("qs", "6.5.2", lock, "GHSA-none", ""),
		npmFinding("evil;rm -rf ~", "1.0.0", lock, "GHSA-evil", "1.0.1"),
		npmFinding("tar", "6.1.0", "web/pnpm-lock.yaml", "GHSA-t", "7.0.0"),
		npmFinding("semver", "7.5.1", "web/pnpm-lock.yaml", "GHSA-c2qf-rxjj-qqgw", "7.5.2"),
		npmFinding("minimist", "1.2.0", "ui/yarn.lock", "GHSA-xvch-5gv4-984h", "1.2.6"),
		{Package: "django", Ecosystem: depscan.PyPI, ID: "PYSEC-2022-213", FixedIn: "3.2.14"},
	}
	packages := []scan.Dependency{
		npmDep("lodash", "4.17.15", lock, true, false),
		npmDep("jest", "29.0.0", lock, true, true),
		npmDep("minimist", "1.2.0", lock, false, false),
		npmDep("node-fetch", "1.7.3", lock, false, false),
		npmDep("semver", "7.5.1", "web/pnpm-lock.yaml", false, false),
	}
	want := []string{
		"# package-lock.json",
		"npm update @babel/traverse  # transitive, @babel/traverse 7.22.0: GHSA-67hx-6x53-jw92; 7.23.2 is within ^7.22.0, the range dependents usually declare (if the lockfile keeps 7.22.0, use an override)",
		"# \"evil;rm -rf ~@1.0.1\": not a valid npm package name or version; fix by hand",
		"npm install --save-dev jest@29.7.0  # direct, jest 29.0.0: GHSA-dev",
		"npm install lodash@4.17.21  # direct, lodash 4.17.15: GHSA-p6mc-m468-83gw, GHSA-35jh-r3h4-6jhm",
		"npm update minimist  # transitive, minimist 1.2.0: GHSA-xvch-5gv4-984h; 1.2.6 is within ^1.2.0, the range dependents usually declare (if the lockfile keeps 1.2.0, use an override)",
		"# transitive, node-fetch 1.7.3: GHSA-r683-j2x4-v87g; override to 2.6.7 (outside ^1.7.3: test its dependents)",
		"# qs 6.5.2: GHSA-none has no fixed version: remove or replace it",
		`# add to the root package.json: "overrides": {"node-fetch": "2.6.7"}`,
		"npm install",
		"# ui/yarn.lock",
		"# transitive, minimist 1.2.0: GHSA-xvch-5gv4-984h; override to 1.2.6 (within ^1.2.0)",
		`# add to the root package.json: "resolutions": {"minimist": "1.2.6"}`,
		"yarn install",
		"# web/pnpm-lock.yaml",
		"pnpm update semver  # transitive, semver 7.5.1: GHSA-c2qf-rxjj-qqgw; 7.5.2 is within ^7.5.1, the range dependents usually declare (if the lockfile keeps 7.5.1, use an override)",
		"# transitive, tar 6.1.0: GHSA-t; override to 7.0.0 (outside ^6.1.0: test its dependents)",
		`# add to the root package.json: "pnpm": {"overrides": {"tar": "7.0.0"}}`,
		"pnpm install",
	}
	got := NpmCommands(findings, packages)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// withinCaret follows npm's caret ranges (node-semver's README): ^1.2.3 is
// >=1.2.3 <2.0.0, ^0.2.3 is >=0.2.3 <0.3.0, ^0.0.3 is >=0.0.3 <0.0.4.
func TestWithinCaret(t *testing.T) {
	for _, tc := range []struct {
		from, fixed string
		want        bool
	}{
		{"1.2.3", "1.9.0", true},
		{"1.2.3", "2.0.0", false},
		{"1.2.3", "1.2.2", false},
		{"0.2.3", "0.2.9", true},
		{"0.2.3", "0.3.0", false},
		{"0.0.3", "0.0.3", true},
		{"0.0.3", "0.0.4", false},
		{"1.2.3", "1.3.0-beta.1", true},
		{"1.2", "1.3.0", false},
	} {
		if got := withinCaret(tc.from, tc.fixed); got != tc.want {
			t.Errorf("withinCaret(%s, %s) = %v, want %v", tc.from, tc.fixed, got, tc.want)
		}
	}
}
