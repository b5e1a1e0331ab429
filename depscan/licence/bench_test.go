package licence

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/google/licensecheck"
)

// benchExpressions is a mix as lockfiles have them: mostly single ids, some
// choices and conjunctions, an exception, a deprecated id.
var benchExpressions = []string{
	"MIT", "Apache-2.0", "ISC", "BSD-3-Clause", "MIT OR Apache-2.0",
	"(MIT AND BSD-3-Clause)", "GPL-2.0-or-later WITH Classpath-exception-2.0",
	"GPL-2.0+", "(MIT OR Apache-2.0) AND ISC", "LicenseRef-foo",
}

// BenchmarkNormalize is this package's parser and canonical form.
func BenchmarkNormalize(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, ok := Normalize(benchExpressions[i%len(benchExpressions)]); !ok {
			b.Fatal("not parsed")
		}
	}
}

// BenchmarkGoSPDXNormalize is the anchor: go-spdx's validation and
// normalisation of the same expressions.
func BenchmarkGoSPDXNormalize(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, bad := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{benchExpressions[i%len(benchExpressions)]}, spdxexp.ValidateLicensesOptions{}); len(bad) > 0 {
			b.Fatal(bad)
		}
	}
}

// BenchmarkGoSPDXExtract is go-spdx's parse to a licence list, the nearest it
// has to the tree Evaluate walks.
func BenchmarkGoSPDXExtract(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := spdxexp.ExtractLicenses(benchExpressions[i%len(benchExpressions)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p := DefaultPolicy()
	for i := 0; b.Loop(); i++ {
		p.Evaluate(".", "x", benchExpressions[i%len(benchExpressions)])
	}
}

// BenchmarkLicensecheckScan is one Apache-2.0 LICENSE (11 kB) scanned, the
// cost per Go module; the first call's one-off set-up is outside the loop.
func BenchmarkLicensecheckScan(b *testing.B) {
	text, err := os.ReadFile(filepath.Join("testdata", "modcache", "github.com", "prometheus", "common@v0.74.0", "LICENSE"))
	if err != nil {
		b.Fatal(err)
	}
	licensecheck.Scan(text)
	for b.Loop() {
		licensecheck.Scan(text)
	}
}

func BenchmarkGoModule(b *testing.B) {
	cache := filepath.Join("testdata", "modcache")
	ctx := context.Background()
	if _, _, err := GoModule(ctx, cache, "github.com/jackc/pgx/v5", "v5.13.0"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := GoModule(ctx, cache, "github.com/jackc/pgx/v5", "v5.13.0"); err != nil {
			b.Fatal(err)
		}
	}
}
