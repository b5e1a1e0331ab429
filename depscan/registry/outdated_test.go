package registry

import (
	"encoding/json"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/health"
)

// Expected answers follow the orderings' specifications: SemVer 2.0.0 §11
// (pre-releases before their release, build metadata ignored), Go's
// pseudo-versions (go.dev/ref/mod#pseudo-versions: vX.0.0-yyyymmddhhmmss-abcdef
// precedes vX.0.0, vX.Y.(Z+1)-0.… follows vX.Y.Z) and +incompatible majors, and
// PEP 440 (epochs, post releases after their release, dev releases before the
// pre-releases, local versions after the public one).
func TestOutdated(t *testing.T) {
	tests := []struct {
		eco          depscan.Ecosystem
		used, latest string
		want         health.Behind
		majors       int
	}{
		{depscan.Npm, "1.2.3", "1.2.3", health.Current, 0},
		{depscan.Npm, "1.2.3", "1.2.4", health.Patch, 0},
		{depscan.Npm, "1.2.3", "1.3.0", health.Minor, 0},
		{depscan.Npm, "1.2.3", "2.0.0", health.Major, 1},
		{depscan.Npm, "1.2.3", "4.1.0", health.Major, 3},
		{depscan.Npm, "0.1.0", "0.2.0", health.Minor, 0},
		{depscan.Npm, "1.0.0-rc.1", "1.0.0", health.Patch, 0},
		{depscan.Npm, "1.0.0-alpha", "1.0.0-alpha.1", health.Patch, 0},
		{depscan.Npm, "1.0.0+build.5", "1.0.0", health.Current, 0},
		{depscan.Npm, "2.0.0", "1.9.9", health.Current, 0},
		{depscan.Npm, "1.10.0", "1.9.0", health.Current, 0},
		{depscan.Go, "v1.2.3", "v1.2.4", health.Patch, 0},
		{depscan.Go, "v0.0.0-20191109021931-daa7c04131f5", "v0.1.0", health.Minor, 0},
		{depscan.Go, "v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", health.Patch, 0},
		{depscan.Go, "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", health.Patch, 0},
		{depscan.Go, "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", health.Current, 0},
		{depscan.Go, "v1.5.0", "v2.0.0+incompatible", health.Major, 1},
		{depscan.Go, "v2.0.0+incompatible", "v5.1.0+incompatible", health.Major, 3},
		{depscan.Go, "v1.2", "v1.2.1", health.Patch, 0},
		{depscan.PyPI, "1.0", "1.0.0", health.Current, 0},
		{depscan.PyPI, "1.0", "1.0.1", health.Patch, 0},
		{depscan.PyPI, "1.0", "1.0.post1", health.Patch, 0},
		{depscan.PyPI, "1.0.post1", "1.0", health.Current, 0},
		{depscan.PyPI, "1.0rc1", "1.0", health.Patch, 0},
		{depscan.PyPI, "1.0.dev1", "1.0a1", health.Patch, 0},
		{depscan.PyPI, "1.9", "1.10", health.Minor, 0},
		{depscan.PyPI, "1", "3.0", health.Major, 2},
		{depscan.PyPI, "1!1.0", "2.0", health.Current, 0},
		{depscan.PyPI, "2.0", "1!1.0", health.Major, 1},
		{depscan.PyPI, "1.0+local.7", "1.0", health.Current, 0},
		{depscan.PyPI, "v1.4.2", "1.5", health.Minor, 0},
		{depscan.PyPI, "2020.1.15", "2024.2.2", health.Major, 4},
	}
	for _, tc := range tests {
		got, majors, err := Outdated(tc.used, tc.latest, tc.eco)
		if err != nil || got != tc.want || majors != tc.majors {
			t.Errorf("Outdated(%q, %q, %s) = %s, %d, %v; want %s, %d", tc.used, tc.latest, tc.eco, BehindString(got), majors, err, BehindString(tc.want), tc.majors)
		}
	}
	for _, tc := range []struct {
		eco          depscan.Ecosystem
		used, latest string
	}{{depscan.Npm, "latest", "1.0.0"}, {depscan.Go, "v1.0.0", "master"}, {depscan.PyPI, "1.0", "one"}, {"Maven", "1", "2"}} {
		if _, _, err := Outdated(tc.used, tc.latest, tc.eco); err == nil {
			t.Errorf("Outdated(%q, %q, %s): no error", tc.used, tc.latest, tc.eco)
		}
	}
}

func TestPEP440Pre(t *testing.T) {
	// PEP 440's pre-release and development release spellings.
	for v, want := range map[string]bool{
		"1.0": false, "1.0.post1": false, "1.0a1": true, "1.0b2": true, "1.0rc1": true,
		"1.0c1": true, "1.0.dev3": true, "1.0.post1.dev2": true, "1.0-alpha.1": true,
		"1.0+abc": false, "2!1.0.preview2": true, "1.0.0": false,
	} {
		if got := pep440Pre(v); got != want {
			t.Errorf("pep440Pre(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestNpmLicense(t *testing.T) {
	// package.json's licence forms (docs.npmjs.com/cli/configuring-npm/package-json#license).
	tests := []struct{ license, licenses, want string }{
		{`"MIT"`, ``, "MIT"},
		{`"(MIT OR Apache-2.0)"`, ``, "(MIT OR Apache-2.0)"},
		{`{"type": "ISC", "url": "https://opensource.org/licenses/ISC"}`, ``, "ISC"},
		{``, `[{"type": "MIT", "url": "x"}, {"type": "Apache-2.0", "url": "y"}]`, "MIT OR Apache-2.0"},
		{`["BSD-3-Clause", "GPL-2.0-only"]`, ``, "BSD-3-Clause OR GPL-2.0-only"},
		{`[{"type": "Apache License, Version 2.0"}, {"type": "MIT"}]`, ``, "(Apache License, Version 2.0) OR MIT"},
		{`null`, `null`, ""},
		{`42`, ``, ""},
		{`"  SEE LICENSE IN LICENSE.md "`, ``, "SEE LICENSE IN LICENSE.md"},
	}
	for _, tc := range tests {
		if got := npmLicense(json.RawMessage(tc.license), json.RawMessage(tc.licenses)); got != tc.want {
			t.Errorf("npmLicense(%s, %s) = %q, want %q", tc.license, tc.licenses, got, tc.want)
		}
	}
}

func TestPyPILicense(t *testing.T) {
	// PEP 639: License-Expression first; the License field and classifiers only
	// without one.
	tests := []struct {
		expr, license string
		classifiers   []string
		want          string
	}{
		{"MIT OR Apache-2.0", "Apache 2.0", []string{"License :: OSI Approved :: MIT License"}, "MIT OR Apache-2.0"},
		{"", "BSD-3-Clause", nil, "BSD-3-Clause"},
		{"", "Copyright (c) 2016\n\nPermission is hereby granted", []string{"License :: OSI Approved :: MIT License"}, "MIT"},
		{"", "UNKNOWN", []string{"License :: OSI Approved :: BSD License"}, "BSD License"},
		{"", "", []string{"License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"}, "MIT AND (Apache Software License)"},
		{"", "", []string{"Programming Language :: Python :: 3"}, ""},
		{"", "", []string{"License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"}, "GPL-3.0-or-later"},
	}
	for _, tc := range tests {
		if got := pypiLicense(tc.expr, tc.license, tc.classifiers); got != tc.want {
			t.Errorf("pypiLicense(%q, %q, %q) = %q, want %q", tc.expr, tc.license, tc.classifiers, got, tc.want)
		}
	}
}

func TestNormalizePyPI(t *testing.T) {
	// PEP 503's examples of names that normalise alike.
	for _, in := range []string{"friendly-bard", "Friendly-Bard", "FRIENDLY-BARD", "friendly.bard", "friendly_bard", "friendly--bard", "FrIeNdLy-._.-bArD"} {
		if got := normalizePyPI(in); got != "friendly-bard" {
			t.Errorf("normalizePyPI(%q) = %q", in, got)
		}
	}
}

func TestNpmURL(t *testing.T) {
	for in, want := range map[string]string{
		"left-pad":    "https://r.example/left-pad",
		"@types/node": "https://r.example/@types%2fnode",
		"@a/b c":      "https://r.example/@a%2fb%20c",
	} {
		if got := npmURL("https://r.example/", in); got != want {
			t.Errorf("npmURL(%q) = %q, want %q", in, got, want)
		}
	}
}
