package licence

import (
	"testing"

	"github.com/github/go-spdx/v2/spdxexp"

	"github.com/perfwatch/perfwatch/depscan/health"
)

// fuzzSeeds are the characters and shapes that matter to the parser:
// operators in both cases, parentheses, "+", ":" references, both quotes,
// backslashes, JSON legacy forms, multi-byte text.
var fuzzSeeds = []string{
	"MIT", "mit or apache-2.0", "(MIT AND BSD-3-Clause)", "GPL-2.0+", "GPL-2.0-only+",
	"GPL-2.0-or-later WITH Classpath-exception-2.0", "LicenseRef-a.b", "DocumentRef-x:LicenseRef-y",
	`{"type":"MIT"}`, `[{"type":"MIT"},"ISC"]`, `"MIT"`, `'ISC'`, `MIT\ISC`, "MIT OR ‘ISC’",
	"Lizenz: MIT für alle", "MIT/X11", "SEE LICENSE IN LICENSE", "License :: OSI Approved :: MIT License",
	"((((MIT))))", "MIT AND", ")(", "+", "MIT WITH", "\x00", "MIT\tOR\nISC",
}

// FuzzNormalize: Normalize never panics; what it returns is canonical
// (normalising it again gives it back) and is an expression go-spdx's parser
// accepts with the same licences.
func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, ok := Normalize(raw)
		if !ok {
			if out != "" {
				t.Fatalf("Normalize(%q) = %q with ok false", raw, out)
			}
			return
		}
		again, ok := Normalize(out)
		if !ok || again != out {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", raw, out, out, again, ok)
		}
		if _, err := spdxexp.ExtractLicenses(out); err != nil {
			t.Fatalf("Normalize(%q) = %q, which go-spdx rejects: %v", raw, out, err)
		}
		assertAgrees(t, out)
	})
}

// FuzzEvaluate: under the default policy a verdict is always one of the four,
// Unknown exactly when Normalize fails, and combining two expressions with OR
// gives the better verdict, with AND the worse (issue #16's rules).
func FuzzEvaluate(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+3)%len(fuzzSeeds)])
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, a, b string) {
		va := p.Evaluate(".", "x", a)
		if va.Licence < health.LicenceAllowed || va.Licence > health.LicenceDenied || va.Reason == "" {
			t.Fatalf("Evaluate(%q) = %+v", a, va)
		}
		ea, okA := Normalize(a)
		if (va.Licence == health.LicenceUnknown) == okA {
			t.Fatalf("Evaluate(%q) = %+v, Normalize ok %v", a, va, okA)
		}
		eb, okB := Normalize(b)
		if !okA || !okB {
			return
		}
		vb := p.Evaluate(".", "x", b)
		or := p.Evaluate(".", "x", "("+ea+") OR ("+eb+")")
		and := p.Evaluate(".", "x", "("+ea+") AND ("+eb+")")
		if or.Licence != min(va.Licence, vb.Licence) || and.Licence != max(va.Licence, vb.Licence) {
			t.Fatalf("%q: %d, %q: %d; OR %d, AND %d", ea, va.Licence, eb, vb.Licence, or.Licence, and.Licence)
		}
	})
}
