package licence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"

	"github.com/perfwatch/perfwatch/depscan/health"
)

const testPolicy = `
allow: [MIT, Apache-2.0, ISC, BSD-3-Clause, LLVM-exception, "GPL-2.0-only WITH Classpath-exception-2.0"]
review: [GPL-*, LGPL-2.1-only, MPL-2.0]
deny: [AGPL-*, SSPL-1.0, GPL-3.0-or-later]
projects:
  rum:
    allow: [MPL-2.0]
    ignore: ["@perfwatch/rum"]
  ./e2e/apps/x/:
    deny: [MIT]
`

// TestEvaluate: the rules of issue #16 (OR the best, AND the worst, WITH by
// the exception or else the licence, unlisted to review, unknown reported).
func TestEvaluate(t *testing.T) {
	p, err := ParsePolicy("test.yml", []byte(testPolicy))
	if err != nil {
		t.Fatal(err)
	}
	const (
		A = health.LicenceAllowed
		R = health.LicenceReview
		U = health.LicenceUnknown
		D = health.LicenceDenied
	)
	for _, tt := range []struct {
		project, pkg, raw string
		want              health.Licence
		reason            string
	}{
		{".", "a", "MIT", A, "MIT allowed"},
		{".", "a", "mit", A, "MIT allowed"},
		{".", "a", "AGPL-3.0-only", D, "AGPL-3.0-only denied (policy entry AGPL-*)"},
		{".", "a", "MIT OR AGPL-3.0-only", A, "MIT allowed"},
		{".", "a", "MIT AND AGPL-3.0-only", D, "AGPL-3.0-only denied (policy entry AGPL-*)"},
		{".", "a", "MPL-2.0 OR SSPL-1.0", R, "MPL-2.0 on the review list"},
		{".", "a", "(MIT OR SSPL-1.0) AND (ISC OR MPL-2.0)", A, "MIT allowed"},
		{".", "a", "(MIT OR SSPL-1.0) AND MPL-2.0", R, "MPL-2.0 on the review list"},
		{".", "a", "Zlib", R, "Zlib is on none of the policy's lists: review"},
		{".", "a", "MIT OR Zlib", A, "MIT allowed"},
		{".", "a", "LicenseRef-acme", R, "LicenseRef-acme is on none of the policy's lists: review"},
		// WITH: an entry naming both, then the exception, then the licence.
		{".", "a", "GPL-2.0-only WITH Classpath-exception-2.0", A, "GPL-2.0-only WITH Classpath-exception-2.0 allowed"},
		{".", "a", "GPL-2.0-or-later WITH Classpath-exception-2.0", R, "GPL-2.0-or-later WITH Classpath-exception-2.0 on the review list (policy entry GPL-*)"},
		{".", "a", "Apache-2.0 WITH LLVM-exception", A, "Apache-2.0 WITH LLVM-exception allowed (policy entry LLVM-exception)"},
		{".", "a", "GPL-3.0-or-later WITH GCC-exception-3.1", D, "GPL-3.0-or-later WITH GCC-exception-3.1 denied (policy entry GPL-3.0-or-later)"},
		// Deprecated ids and "+".
		{".", "a", "GPL-3.0+", D, "GPL-3.0-or-later denied"},
		{".", "a", "GPL-2.0", R, "GPL-2.0-only on the review list (policy entry GPL-*)"},
		{".", "a", "LGPL-2.1+", R, "LGPL-2.1-or-later on the review list (policy entry LGPL-2.1-only)"},
		{".", "a", "Apache-2.0+", A, "Apache-2.0+ allowed (policy entry Apache-2.0)"},
		// Unknown.
		{".", "a", "", U, "no licence declared"},
		{".", "a", "UNLICENSED", U, "UNLICENSED: the package grants no licence to others"},
		{".", "a", "SEE LICENSE IN LICENSE.md", U, `licence only in a file of the package ("SEE LICENSE IN LICENSE.md")`},
		{".", "a", "BSD", U, `"BSD" is not an SPDX licence expression`},
		// Projects: additions win over the top level; ignore accepts anything.
		{"rum", "a", "MPL-2.0", A, "MPL-2.0 allowed"},
		{"./rum/", "a", "MPL-2.0", A, "MPL-2.0 allowed"},
		{"rum", "a", "AGPL-3.0-only", D, "AGPL-3.0-only denied (policy entry AGPL-*)"},
		{"rum", "@perfwatch/rum", "UNLICENSED", A, "@perfwatch/rum is ignored by the policy of project rum"},
		{".", "@perfwatch/rum", "UNLICENSED", U, "UNLICENSED: the package grants no licence to others"},
		{"e2e/apps/x", "a", "MIT", D, "MIT denied"},
		{"e2e/apps/x", "a", "MIT OR ISC", A, "ISC allowed"},
	} {
		got := p.Evaluate(tt.project, tt.pkg, tt.raw)
		if got.Licence != tt.want || got.Reason != tt.reason {
			t.Errorf("Evaluate(%q, %q, %q) = %d %q; want %d %q", tt.project, tt.pkg, tt.raw, got.Licence, got.Reason, tt.want, tt.reason)
		}
	}
}

func TestUnknownSetting(t *testing.T) {
	for _, tt := range []struct {
		setting string
		want    health.Licence
	}{{"", health.LicenceUnknown}, {"unknown", health.LicenceUnknown}, {"review", health.LicenceReview}, {"deny", health.LicenceDenied}} {
		p, err := ParsePolicy("p.yml", []byte("allow: [MIT]\nunknown: "+tt.setting+"\n"))
		if err != nil {
			t.Fatalf("unknown: %q: %v", tt.setting, err)
		}
		if got := p.Evaluate(".", "x", "Public Domain"); got.Licence != tt.want {
			t.Errorf("unknown: %q: got %d, want %d", tt.setting, got.Licence, tt.want)
		}
		if got := p.Evaluate(".", "x", "MIT"); got.Licence != health.LicenceAllowed {
			t.Errorf("unknown: %q: MIT got %d", tt.setting, got.Licence)
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"unknown field", "allow: [MIT]\nalow: [ISC]\n", "field alow not found"},
		{"wrong type", "allow: MIT\n", "allow (line 1)"},
		{"bad id", "allow:\n  - MIT\n  - Not-A-Licence\n", `p.yml: allow[1] (line 3): "Not-A-Licence": unknown licence id`},
		{"compound", "deny:\n  - MIT OR ISC\n", "deny[0] (line 2): \"MIT OR ISC\" is a compound expression"},
		{"duplicate", "allow: [MIT]\ndeny: [mit]\n", "deny[0] (line 2): MIT is already listed as allow[0]"},
		{"bad wildcard", "allow: ['*']\n", "allow[0] (line 1): wildcard"},
		{"bad unknown", "unknown: maybe\n", `unknown (line 1): "maybe": want unknown, review or deny`},
		{"project bad id", "projects:\n  rum:\n    allow: [Nope]\n", `projects.rum.allow[0] (line 3)`},
		{"project unknown field", "projects:\n  rum:\n    alow: [MIT]\n", "field alow not found"},
		{"project same dir", "projects:\n  rum: {}\n  ./rum: {}\n", "names the same directory as another project (rum)"},
		{"empty ignore", "projects:\n  rum:\n    ignore: ['']\n", "projects.rum.ignore[0] (line 3): empty package name"},
		{"syntax", "allow: [MIT\n", "did not find expected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("p.yml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParsePolicy = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestEmptyPolicy(t *testing.T) {
	p, err := ParsePolicy("empty.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Evaluate(".", "x", "MIT"); v.Licence != health.LicenceReview {
		t.Errorf("empty policy: MIT got %d, want review (on no list)", v.Licence)
	}
}

// TestDefaultPolicy checks the default against the licences' own terms: the
// permissive OSI licences allowed, the FSF's copyleft families to review, the
// network-copyleft licences (AGPL, SSPL, OSL) denied.
func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	for _, tt := range []struct {
		raw  string
		want health.Licence
	}{
		{"MIT", health.LicenceAllowed},
		{"Apache-2.0", health.LicenceAllowed},
		{"BSD-2-Clause", health.LicenceAllowed},
		{"BSD-3-Clause", health.LicenceAllowed},
		{"ISC", health.LicenceAllowed},
		{"0BSD", health.LicenceAllowed},
		{"BlueOak-1.0.0", health.LicenceAllowed},
		{"CC-BY-4.0", health.LicenceAllowed},
		{"Apache-2.0 WITH LLVM-exception", health.LicenceAllowed},
		{"MPL-2.0", health.LicenceReview},
		{"LGPL-2.1-or-later", health.LicenceReview},
		{"GPL-2.0-only", health.LicenceReview},
		{"GPL-3.0-or-later", health.LicenceReview},
		{"EPL-2.0", health.LicenceReview},
		{"BUSL-1.1", health.LicenceReview},
		{"FSL-1.1-ALv2", health.LicenceReview},
		{"AGPL-3.0-only", health.LicenceDenied},
		{"AGPL-3.0-or-later", health.LicenceDenied},
		{"SSPL-1.0", health.LicenceDenied},
		{"CC-BY-NC-4.0", health.LicenceDenied},
		{"MIT OR AGPL-3.0-only", health.LicenceAllowed},
		{"MIT AND AGPL-3.0-only", health.LicenceDenied},
		{"", health.LicenceUnknown},
		{"BSD", health.LicenceUnknown},
	} {
		if got := p.Evaluate(".", "x", tt.raw); got.Licence != tt.want {
			t.Errorf("default policy: %q = %d (%s), want %d", tt.raw, got.Licence, got.Reason, tt.want)
		}
	}
	// Every exact entry names a licence or exception on the SPDX list (or is a LicenseRef).
	for key := range p.global.exact {
		ok, _ := spdxlicenses.IsActiveLicense(key)
		exc, _ := spdxlicenses.IsException(key)
		if !ok && !exc && !strings.HasPrefix(key, "LicenseRef-") {
			t.Errorf("default policy entry %q is not an active SPDX id", key)
		}
	}
	if string(DefaultPolicyYAML()) != string(defaultPolicyYAML) {
		t.Error("DefaultPolicyYAML differs from the embedded policy")
	}
}

func TestLoadPolicy(t *testing.T) {
	p, err := LoadPolicy(filepath.Join("testdata", "licence-policy.example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Evaluate("rum", "x", "MPL-2.0"); v.Licence != health.LicenceAllowed {
		t.Errorf("example: rum MPL-2.0 = %d (%s)", v.Licence, v.Reason)
	}
	if v := p.Evaluate(".", "x", "Public Domain"); v.Licence != health.LicenceReview {
		t.Errorf("example: unknown = %d (%s), want review", v.Licence, v.Reason)
	}
	_, err = LoadPolicy(filepath.Join(t.TempDir(), "missing.yml"))
	if err == nil || !os.IsNotExist(unwrapAll(err)) || !strings.Contains(err.Error(), "read licence policy") {
		t.Errorf("LoadPolicy(missing) = %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}
