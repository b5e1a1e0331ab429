package licence

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPyPI uses the licence fields of real distributions (their METADATA's
// License-Expression, License and licence Classifiers, which PyPI's JSON API
// serves as info.license_expression, info.license and info.classifiers), as
// installed on the machine the test was written on; long License fields are
// in testdata/pypi. Each expected licence is the one the project declares;
// unknown where the fields do not say which licence (a "BSD" with no clause
// count, an unversioned "Apache Software License").
func TestPyPI(t *testing.T) {
	text := func(name string) string {
		data, err := os.ReadFile(filepath.Join("testdata", "pypi", name+".License.txt"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	const (
		mit    = "License :: OSI Approved :: MIT License"
		bsd    = "License :: OSI Approved :: BSD License"
		apache = "License :: OSI Approved :: Apache Software License"
		lgpl   = "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)"
	)
	for _, tt := range []struct {
		dist, expression, license string
		classifiers               []string
		want                      string // "" for unknown
	}{
		{"urllib3 2.7.0", "MIT", "", nil, "MIT"},
		{"idna 3.13", "BSD-3-Clause", "", nil, "BSD-3-Clause"},
		{"Pygments 2.20.0", "BSD-2-Clause", "", nil, "BSD-2-Clause"},
		{"typing_extensions 4.15.0", "PSF-2.0", "", nil, "PSF-2.0"},
		{"requests 2.34.2", "", "Apache-2.0", []string{apache}, "Apache-2.0"},
		{"numpy 1.24.2", "", "BSD-3-Clause", []string{bsd}, "BSD-3-Clause"},
		{"certifi 2026.5.20", "", "MPL-2.0", []string{"License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)"}, "MPL-2.0"},
		{"pip 23.2.1", "", "MIT", []string{mit}, "MIT"},
		{"rsa 4.7.2", "", "ASL 2", []string{apache}, "Apache-2.0"},
		{"lazr.uri 1.0.6", "", "LGPL v3", []string{lgpl}, "LGPL-3.0-only"},
		{"setuptools 65.5.0", "", "", []string{mit}, "MIT"},
		// The whole licence text in License, read by licensecheck.
		{"scipy 1.10.1", "", text("scipy-1.10.1"), []string{bsd}, "BSD-3-Clause"},
		{"traitlets 5.15.0", "", text("traitlets-5.15.0"), []string{bsd}, "BSD-3-Clause"},
		// Prose before the texts keeps licensecheck under the threshold; the
		// classifier then decides.
		{"libcst 1.0.1", "", text("libcst-1.0.1"), []string{mit}, "MIT"},
		{"kiwisolver", "", text("kiwisolver-0.0.0"), []string{bsd}, ""},
		// Not said.
		{"python-dateutil 2.9.0.post0", "", "Dual License", []string{bsd, apache}, ""},
		{"Jinja2 3.1.6", "", "", []string{bsd}, ""},
		{"sentry-sdk 1.9.10", "", "BSD", []string{bsd}, ""},
		{"yq 3.1.0", "", "Apache Software License", []string{apache}, ""},
		{"packaging 23.0", "", "", []string{apache, bsd}, ""},
		{"nose 1.3.7", "", "GNU LGPL", []string{lgpl}, ""},
		{"docutils 0.19", "", "public domain, Python, 2-Clause BSD, GPL 3 (see COPYING.txt)", []string{"License :: Public Domain", "License :: OSI Approved :: Python Software Foundation License", bsd, "License :: OSI Approved :: GNU General Public License (GPL)"}, ""},
		{"(nothing declared)", "", "UNKNOWN", nil, ""},
		// Several classifiers that each name one licence: AND.
		{"(two classifiers)", "", "", []string{mit, "License :: OSI Approved :: ISC License (ISCL)", "License :: OSI Approved", "Programming Language :: Python"}, "ISC AND MIT"},
		// An invalid PEP 639 expression falls through to the other fields.
		{"(bad expression)", "MIT-ish", "MIT License", nil, "MIT"},
	} {
		got, raw, ok := PyPI(tt.expression, tt.license, tt.classifiers)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: PyPI = %q, %v; want %q", tt.dist, got, ok, tt.want)
		}
		if !ok && tt.license != "UNKNOWN" && raw == "" {
			t.Errorf("%s: unknown without the raw text", tt.dist)
		}
	}
}
