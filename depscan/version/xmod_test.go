package version

import (
	"strings"
	"testing"

	xmod "golang.org/x/mod/semver"

	"github.com/perfwatch/perfwatch/depscan"
)

// FuzzGoMatchesXMod checks Go ordering against golang.org/x/mod/semver, the
// reference the go command uses: for "v"-prefixed strings, validity and
// comparison must agree.
func FuzzGoMatchesXMod(f *testing.F) {
	for _, tt := range xmodSemverTests {
		f.Add(tt.in, "v1.2.3")
	}
	f.Add("v0.0.0-20210101000000-abcdef123456", "v0.0.0")
	f.Add("v2.0.0+incompatible", "v2.0.0")
	f.Add("v1.2.3-0.20220101000000-abcdef123456", "v1.2.3")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !strings.HasPrefix(a, "v") || !strings.HasPrefix(b, "v") {
			return
		}
		if got, want := Valid(depscan.Go, a), xmod.IsValid(a); got != want {
			t.Fatalf("Valid(Go, %q) = %v, x/mod says %v", a, got, want)
		}
		if !xmod.IsValid(a) || !xmod.IsValid(b) {
			return
		}
		got, err := Compare(depscan.Go, a, b)
		if err != nil {
			t.Fatal(err)
		}
		if want := xmod.Compare(a, b); got != want {
			t.Fatalf("Compare(Go, %q, %q) = %d, x/mod says %d", a, b, got, want)
		}
	})
}
