package licence

import (
	"sort"
	"strings"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// TestNormalize: expected forms follow the SPDX specification 2.3 Annex D
// (ids case-insensitive, AND binds tighter than OR, "+" is "or later"), the
// SPDX licence list's deprecated section (GPL-2.0 is GPL-2.0-only, GPL-2.0+
// GPL-2.0-or-later, GPL-2.0-with-classpath-exception is GPL-2.0-only WITH
// Classpath-exception-2.0), npm's package.json documentation (legacy objects
// and arrays) and the PyPI trove classifier list.
func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		raw, want string // want "" means not understood
	}{
		{"MIT", "MIT"},
		{"mit", "MIT"},
		{"  Apache-2.0\n", "Apache-2.0"},
		{"MIT OR Apache-2.0", "MIT OR Apache-2.0"},
		{"(MIT OR Apache-2.0)", "MIT OR Apache-2.0"},
		{"(MIT AND BSD-3-Clause)", "MIT AND BSD-3-Clause"},
		{"apache-2.0 or mit", "Apache-2.0 OR MIT"},
		{"(MIT OR Apache-2.0) AND ISC", "(MIT OR Apache-2.0) AND ISC"},
		{"MIT OR Apache-2.0 AND ISC", "MIT OR Apache-2.0 AND ISC"},
		{"MIT AND (ISC OR 0BSD) AND Zlib", "MIT AND (ISC OR 0BSD) AND Zlib"},
		{"((MIT))", "MIT"},
		{"MIT OR (ISC OR 0BSD)", "MIT OR ISC OR 0BSD"},
		{"(MIT)AND(ISC)", "MIT AND ISC"},
		{"GPL-2.0-or-later WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0"},
		{"gpl-2.0-or-later with classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0"},
		{"Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"},
		{"GPL-2.0+", "GPL-2.0-or-later"},
		{"GPL-2.0", "GPL-2.0-only"},
		{"GPL-3.0", "GPL-3.0-only"},
		{"LGPL-2.1+", "LGPL-2.1-or-later"},
		{"AGPL-3.0", "AGPL-3.0-only"},
		{"GPL-2.0-only+", "GPL-2.0-or-later"},
		{"Apache-2.0+", "Apache-2.0+"},
		{"GPL-2.0-with-classpath-exception", "GPL-2.0-only WITH Classpath-exception-2.0"},
		{"LicenseRef-foo", "LicenseRef-foo"},
		{"licenseref-Foo.bar", "LicenseRef-Foo.bar"},
		{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"},
		{"MIT AND LicenseRef-x", "MIT AND LicenseRef-x"},
		// npm's legacy forms (docs.npmjs.com, package.json "license").
		{`{"type":"MIT","url":"https://opensource.org/licenses/MIT"}`, "MIT"},
		{`[{"type":"MIT"},{"type":"Apache-2.0"}]`, "MIT OR Apache-2.0"},
		{`["MIT", "ISC"]`, "MIT OR ISC"},
		{`["MIT"]`, "MIT"},
		{`[{"type":"BSD"}]`, ""},
		{`{"type": 1}`, ""},
		{`[]`, ""},
		{`{"type":"MIT"`, ""},
		{`[["MIT"]]`, ""},
		// npm's non-SPDX strings.
		{"BSD", ""},
		{"MIT/X11", "MIT"},
		{"SEE LICENSE IN LICENSE.txt", ""},
		{"UNLICENSED", ""},
		{"Public Domain", ""},
		{`"MIT"`, "MIT"},
		{"FSL-1.1-Apache-2.0", "FSL-1.1-ALv2"},
		// Free text and trove classifiers (pypi.org/classifiers).
		{"MIT License", "MIT"},
		{"The MIT License", "MIT"},
		{"Apache 2.0", "Apache-2.0"},
		{"Apache License, Version 2.0", "Apache-2.0"},
		{"License :: OSI Approved :: MIT License", "MIT"},
		{"License :: OSI Approved :: BSD License", ""},
		{"License :: OSI Approved :: Apache Software License", ""},
		{"License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"},
		{"License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"},
		{"License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only"},
		{"License :: OSI Approved :: ISC License (ISCL)", "ISC"},
		{"License :: OSI Approved :: Python Software Foundation License", "PSF-2.0"},
		{"License :: Public Domain", ""},
		{"GPL", ""},
		// Not expressions.
		{"", ""},
		{"   ", ""},
		{"MIT AND", ""},
		{"AND MIT", ""},
		{"MIT OR OR ISC", ""},
		{"(MIT", ""},
		{"MIT)", ""},
		{"()", ""},
		{"MIT WITH", ""},
		{"MIT WITH MIT", ""},
		{"MIT WITH LLVM-exception WITH LLVM-exception", ""}, // one WITH per licence (Annex D)
		{"GPL-2.0-with-classpath-exception WITH LLVM-exception", ""},
		{"LicenseRef-x WITH LLVM-exception", ""},
		{"LicenseRef-", ""},
		{"LicenseRef-x+", ""},
		{"MIT++", ""},
		{"+", ""},
		{"NotALicence-1.0", ""},
		{"MIT;ISC", ""},
		{`MIT\ISC`, ""},
		{"MIT OR ‘ISC’", ""},
		{"Lizenz: MIT für alle", ""},
		{"a:b", ""},
		{"DocumentRef-x:MIT", ""},
		{strings.Repeat("(", 40) + "MIT" + strings.Repeat(")", 40), ""},
	} {
		got, ok := Normalize(tt.raw)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.raw, got, ok, tt.want)
		}
	}
}

// TestDeprecatedReplacements checks the replacement table against the SPDX
// list go-spdx carries: every key is deprecated and every value is active.
func TestDeprecatedReplacements(t *testing.T) {
	for old, r := range deprecatedReplacement {
		base := strings.TrimSuffix(old, "+")
		if ok, _ := spdxlicenses.IsDeprecatedLicense(old); !ok {
			if ok, _ := spdxlicenses.IsDeprecatedLicense(base); !ok {
				t.Errorf("%s is not a deprecated SPDX id", old)
			}
		}
		if ok, canon := spdxlicenses.IsActiveLicense(r.id); !ok || canon != r.id {
			t.Errorf("%s: replacement %s is not an active SPDX id", old, r.id)
		}
		if r.exception != "" {
			if ok, canon := spdxlicenses.IsException(r.exception); !ok || canon != r.exception {
				t.Errorf("%s: replacement exception %s is not an SPDX exception", old, r.exception)
			}
		}
	}
	for k, id := range freeTextIDs {
		if _, err := parseExpr(id); err != nil {
			t.Errorf("freeTextIDs[%q] = %q: %v", k, id, err)
		}
	}
}

// TestAgreesWithGoSPDX compares the parser with github.com/github/go-spdx's on
// expressions with upper-case operators (go-spdx requires them): both accept
// or both reject, and name the same licences once deprecated ids are mapped.
func TestAgreesWithGoSPDX(t *testing.T) {
	for _, s := range agreementCorpus {
		assertAgrees(t, s)
	}
}

// agreementCorpus is expressions from the SPDX specification's Annex D
// examples and real package metadata, with malformed variants.
var agreementCorpus = []string{
	"MIT", "mit", "Apache-2.0", "LGPL-2.1-only OR MIT", "LGPL-2.1-only OR MIT OR BSD-3-Clause",
	"LGPL-2.1-only AND MIT", "LGPL-2.1-only AND MIT AND BSD-2-Clause",
	"GPL-2.0-or-later WITH Bison-exception-2.2", "LGPL-2.1-only OR BSD-3-Clause AND MIT",
	"MIT AND (LGPL-2.1-or-later OR BSD-3-Clause)", "(MIT AND (LGPL-2.1-or-later OR BSD-3-Clause))",
	"LicenseRef-23", "LicenseRef-MIT-Style-1", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
	"GPL-2.0+", "CDDL-1.0+", "MIT AND", "OR MIT", "(MIT", "MIT)", "BSD", "UNLICENSED",
	"MIT WITH", "MIT OR (Apache-2.0 AND (ISC OR 0BSD))",
}

func assertAgrees(t *testing.T, s string) {
	t.Helper()
	mine, err := parseExpr(s)
	theirs, theirErr := spdxexp.ExtractLicenses(s)
	if (err == nil) != (theirErr == nil) {
		t.Errorf("%q: parseExpr error %v, go-spdx error %v", s, err, theirErr)
		return
	}
	if err != nil {
		return
	}
	var want []string
	for _, l := range theirs {
		e, err := parseExpr(l)
		if err != nil {
			t.Errorf("%q: go-spdx licence %q does not parse: %v", s, l, err)
			return
		}
		want = append(want, e.String())
	}
	got := leaves(mine)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%q: licences %q, go-spdx %q", s, got, want)
	}
}

// leaves lists the distinct licences (with + and WITH) of e.
func leaves(e *expr) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(*expr)
	walk = func(e *expr) {
		if e.op == opLicence {
			if s := e.String(); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
			return
		}
		for _, t := range e.terms {
			walk(t)
		}
	}
	walk(e)
	return out
}
