package version

import (
	"cmp"
	"errors"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

// checkAscending asserts that list is strictly increasing under eco's ordering,
// comparing every pair so a wrong rule shows up wherever it bites.
func checkAscending(t *testing.T, eco depscan.Ecosystem, list []string) {
	t.Helper()
	for i, a := range list {
		for j, b := range list {
			got, err := Compare(eco, a, b)
			if err != nil {
				t.Fatalf("Compare(%s, %q, %q): %v", eco, a, b, err)
			}
			if want := cmp.Compare(i, j); got != want {
				t.Errorf("Compare(%s, %q, %q) = %d, want %d", eco, a, b, got, want)
			}
		}
	}
}

func checkEqual(t *testing.T, eco depscan.Ecosystem, pairs [][2]string) {
	t.Helper()
	for _, p := range pairs {
		got, err := Compare(eco, p[0], p[1])
		if err != nil {
			t.Fatalf("Compare(%s, %q, %q): %v", eco, p[0], p[1], err)
		}
		if got != 0 {
			t.Errorf("Compare(%s, %q, %q) = %d, want 0", eco, p[0], p[1], got)
		}
	}
}

// semver.org §11's precedence example.
var semverOrgExample = []string{
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
}

func TestNpmSemverOrg(t *testing.T) {
	checkAscending(t, depscan.Npm, semverOrgExample)
	// §11.2 and §10: numeric fields compare numerically, build metadata is ignored.
	checkAscending(t, depscan.Npm, []string{"1.0.0", "2.0.0", "2.1.0", "2.1.1", "2.10.0", "10.0.0"})
	checkEqual(t, depscan.Npm, [][2]string{{"1.0.0+build.1", "1.0.0+build.2"}, {"1.0.0-rc.1+x", "1.0.0-rc.1"}})
	// npm pre-releases commonly seen in advisories.
	checkAscending(t, depscan.Npm, []string{"4.17.20", "4.17.21-beta.0", "4.17.21-beta.1", "4.17.21", "5.0.0-0", "5.0.0-alpha", "5.0.0"})
}

func TestSemverInvalid(t *testing.T) {
	for _, s := range []string{"", "1", "1.2", "01.2.3", "1.02.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-a..b", "1.2.3.4", "1.2.3-a_b", "x1.2.3"} {
		if Valid(depscan.Npm, s) {
			t.Errorf("Valid(npm, %q) = true", s)
		}
	}
	if _, err := Parse(depscan.Npm, "1.x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Parse(npm, 1.x) error = %v, want ErrInvalid", err)
	}
	if _, err := Parse("Debian", "1.0"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Parse(Debian) error = %v, want ErrUnsupported", err)
	}
}

// xmodSemverTests is golang.org/x/mod/semver's own test table (semver_test.go),
// listed in increasing order; out is the canonical form, "" for invalid.
var xmodSemverTests = []struct{ in, out string }{
	{"bad", ""},
	{"v1-alpha.beta.gamma", ""},
	{"v1-pre", ""},
	{"v1+meta", ""},
	{"v1-pre+meta", ""},
	{"v1.2-pre", ""},
	{"v1.2+meta", ""},
	{"v1.2-pre+meta", ""},
	{"v1.0.0-alpha", "v1.0.0-alpha"},
	{"v1.0.0-alpha.1", "v1.0.0-alpha.1"},
	{"v1.0.0-alpha.beta", "v1.0.0-alpha.beta"},
	{"v1.0.0-beta", "v1.0.0-beta"},
	{"v1.0.0-beta.2", "v1.0.0-beta.2"},
	{"v1.0.0-beta.11", "v1.0.0-beta.11"},
	{"v1.0.0-rc.1", "v1.0.0-rc.1"},
	{"v1", "v1.0.0"},
	{"v1.0", "v1.0.0"},
	{"v1.0.0", "v1.0.0"},
	{"v1.2", "v1.2.0"},
	{"v1.2.0", "v1.2.0"},
	{"v1.2.3-456", "v1.2.3-456"},
	{"v1.2.3-456.789", "v1.2.3-456.789"},
	{"v1.2.3-456-789", "v1.2.3-456-789"},
	{"v1.2.3-456a", "v1.2.3-456a"},
	{"v1.2.3-pre", "v1.2.3-pre"},
	{"v1.2.3-pre+meta", "v1.2.3-pre"},
	{"v1.2.3-pre.1", "v1.2.3-pre.1"},
	{"v1.2.3-zzz", "v1.2.3-zzz"},
	{"v1.2.3", "v1.2.3"},
	{"v1.2.3+meta", "v1.2.3"},
	{"v1.2.3+meta-pre", "v1.2.3"},
	{"v1.2.3+meta-pre.sha.256a", "v1.2.3"},
}

// TestGoXModTable mirrors x/mod's TestIsValid and TestCompare: entries compare
// as their canonical forms' positions in the table do.
func TestGoXModTable(t *testing.T) {
	for i, ti := range xmodSemverTests {
		if got := Valid(depscan.Go, ti.in); got != (ti.out != "") {
			t.Errorf("Valid(Go, %q) = %v", ti.in, got)
		}
		if ti.out == "" {
			continue
		}
		for j, tj := range xmodSemverTests {
			if tj.out == "" {
				continue
			}
			got, err := Compare(depscan.Go, ti.in, tj.in)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if ti.out != tj.out {
				want = cmp.Compare(i, j)
			}
			if got != want {
				t.Errorf("Compare(Go, %q, %q) = %d, want %d", ti.in, tj.in, got, want)
			}
		}
	}
}

func TestGoPseudoAndIncompatible(t *testing.T) {
	checkAscending(t, depscan.Go, []string{
		"v0.0.0-20190101000000-aaaaaaaaaaaa",
		"v0.0.0-20210101000000-abcdef123456",
		"v0.0.0",
		"v0.1.0",
		"v1.2.3",
		"v1.2.4-0.20220101000000-abcdef123456", // pseudo-version after v1.2.3
		"v1.2.4",
		"v2.0.0+incompatible",
		"v2.1.0+incompatible",
	})
	// OSV Go entries omit the "v"; stdlib versions come as go1.21rc2 from go.mod.
	checkEqual(t, depscan.Go, [][2]string{
		{"v1.2.3", "1.2.3"},
		{"v2.0.0+incompatible", "v2.0.0"},
		{"go1.21", "1.21.0"},
		{"go1.21rc2", "v1.21.0-rc.2"},
		{"go1.20.1", "v1.20.1"},
		{"go1", "v1.0.0"},
	})
	checkAscending(t, depscan.Go, []string{"go1.21beta1", "go1.21rc1", "go1.21rc2", "go1.21.0", "go1.21.1"})
}

// PEP 440's ordering example ("Summary of permitted suffixes and relative
// ordering"), extended with its epoch rule.
var pep440Example = []string{
	"1.dev0",
	"1.0.dev456",
	"1.0a1",
	"1.0a2.dev456",
	"1.0a12.dev456",
	"1.0a12",
	"1.0b1.dev456",
	"1.0b2",
	"1.0b2.post345.dev456",
	"1.0b2.post345",
	"1.0rc1.dev456",
	"1.0rc1",
	"1.0",
	"1.0+abc.5",
	"1.0+abc.7",
	"1.0+5",
	"1.0.post456.dev34",
	"1.0.post456",
	"1.0.15",
	"1.1.dev1",
	"2013.10",
	"2014.04",
	"1!1.0",
	"1!1.1",
	"2!0.1",
}

func TestPEP440Ordering(t *testing.T) {
	checkAscending(t, depscan.PyPI, pep440Example)
	checkAscending(t, depscan.PyPI, []string{"1.0.dev1", "1.0a1", "1.0", "1.0.post1"})
	checkAscending(t, depscan.PyPI, []string{"2.0.0b3", "2.0.0rc1", "2.0.0", "2.0.1"})
	// Local versions: after the public version; numeric segments beat alphanumeric.
	checkAscending(t, depscan.PyPI, []string{"1.0", "1.0+abc", "1.0+abc.1", "1.0+ubuntu.1", "1.0+ubuntu.2", "1.0+1", "1.0+2", "1.0+10", "1.0.1"})
}

func TestPEP440Normalisation(t *testing.T) {
	// PEP 440's "Normalization" section examples.
	checkEqual(t, depscan.PyPI, [][2]string{
		{"1.0", "1.0.0"},
		{"1.0", "1.0.0.0"},
		{"1.1RC1", "1.1rc1"},
		{"v1.0", "1.0"},
		{"1.0ALPHA1", "1.0a1"},
		{"1.1.a1", "1.1a1"},
		{"1.1-a1", "1.1a1"},
		{"1.0a.1", "1.0a1"},
		{"1.1a", "1.1a0"},
		{"1.0alpha1", "1.0a1"},
		{"1.0beta2", "1.0b2"},
		{"1.0c1", "1.0rc1"},
		{"1.0pre1", "1.0rc1"},
		{"1.0preview1", "1.0rc1"},
		{"1.2.post2", "1.2post2"},
		{"1.2-post2", "1.2post2"},
		{"1.2_post2", "1.2post2"},
		{"1.0-r4", "1.0.post4"},
		{"1.0rev4", "1.0.post4"},
		{"1.2.post", "1.2.post0"},
		{"1.0-1", "1.0.post1"},
		{"1.2-dev2", "1.2.dev2"},
		{"1.2dev2", "1.2.dev2"},
		{"1.2.dev", "1.2.dev0"},
		{"1.0+ubuntu-1", "1.0+ubuntu.1"},
		{"1.0+ubuntu_1", "1.0+ubuntu.1"},
		{"1.0+Ubuntu.1", "1.0+ubuntu.1"},
		{"1.01", "1.1"},
		{"0!1.0", "1.0"},
		{"  1.0\n", "1.0"},
	})
}

func TestPEP440Invalid(t *testing.T) {
	for _, s := range []string{"", "french toast", "1.0+", "1.0+a..b", "1.0.x", "1.0-", "1.0a1b2", "1!", "1.0+a+b"} {
		if Valid(depscan.PyPI, s) {
			t.Errorf("Valid(PyPI, %q) = true", s)
		}
	}
}

// FuzzCompare checks that Compare never panics and is a consistent order on
// whatever it parses: antisymmetric, and transitive across random triples.
func FuzzCompare(f *testing.F) {
	for i := 0; i+2 < len(pep440Example); i++ {
		f.Add(uint8(0), pep440Example[i], pep440Example[i+1], pep440Example[i+2])
	}
	for i := 0; i+2 < len(semverOrgExample); i++ {
		f.Add(uint8(1), semverOrgExample[i], semverOrgExample[i+1], semverOrgExample[i+2])
	}
	f.Add(uint8(2), "v0.0.0-20210101000000-abcdef123456", "v1", "go1.21rc1")
	f.Add(uint8(0), "1.0+5", "1.0+abc", "1.0.post1.dev2")
	ecos := []depscan.Ecosystem{depscan.PyPI, depscan.Npm, depscan.Go}
	f.Fuzz(func(t *testing.T, e uint8, a, b, c string) {
		eco := ecos[int(e)%len(ecos)]
		va, ea := Parse(eco, a)
		vb, eb := Parse(eco, b)
		vc, ec := Parse(eco, c)
		if ea != nil || eb != nil || ec != nil {
			return
		}
		ab, ba := va.Compare(vb), vb.Compare(va)
		if ab != -ba {
			t.Fatalf("%s: Compare(%q,%q)=%d but Compare(%q,%q)=%d", eco, a, b, ab, b, a, ba)
		}
		if va.Compare(va) != 0 {
			t.Fatalf("%s: %q not equal to itself", eco, a)
		}
		bc, ac := vb.Compare(vc), va.Compare(vc)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("%s: %q <= %q <= %q but %q > %q", eco, a, b, c, a, c)
		}
		if ab >= 0 && bc >= 0 && ac < 0 {
			t.Fatalf("%s: %q >= %q >= %q but %q < %q", eco, a, b, c, a, c)
		}
	})
}
