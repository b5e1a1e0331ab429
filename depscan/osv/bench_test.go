package osv

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

// synthetic builds n npm advisories over a pool of package names, each with one
// or two ranges and an alias shared with a neighbour so merging is exercised,
// and 20,000 packages of which about a fifth have advisories.
func synthetic(n int) ([]*Vulnerability, []depscan.Package) {
	r := rand.New(rand.NewPCG(1, 2))
	ver := func() string { return fmt.Sprintf("%d.%d.%d", r.IntN(10), r.IntN(20), r.IntN(30)) }
	vulns := make([]*Vulnerability, 0, n)
	for i := range n {
		v := &Vulnerability{
			ID:       fmt.Sprintf("GHSA-synt-%04d-%04d", i/1000, i%1000),
			Modified: "2025-01-01T00:00:00Z",
			Aliases:  []string{fmt.Sprintf("CVE-2025-%05d", i/2)},
			Summary:  "synthetic",
			Severity: []Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		}
		a := Affected{Package: Package{Ecosystem: "npm", Name: fmt.Sprintf("pkg-%d", r.IntN(4000))}}
		a.Ranges = []Range{{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: ver()}}}}
		if i%3 == 0 {
			a.Ranges = append(a.Ranges, Range{Type: RangeEcosystem, Events: []Event{{Introduced: "10.0.0-rc.1"}, {Fixed: "10.2.0"}}})
		}
		v.Affected = []Affected{a}
		vulns = append(vulns, v)
	}
	pkgs := make([]depscan.Package, 20000)
	for i := range pkgs {
		pkgs[i] = depscan.Package{Ecosystem: depscan.Npm, Name: fmt.Sprintf("pkg-%d", r.IntN(20000)), Version: ver()}
	}
	return vulns, pkgs
}

// BenchmarkMatch20000 matches a 20,000-package project against ~5,000
// advisories; one op is the whole project.
func BenchmarkMatch20000(b *testing.B) {
	vulns, pkgs := synthetic(5000)
	l := newLoader()
	for _, v := range vulns {
		l.vulns[v.ID] = v
	}
	db := l.build()
	findings := 0
	for _, p := range pkgs {
		findings += len(db.Match(p))
	}
	b.ReportMetric(float64(findings), "findings")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pkgs {
			db.Match(p)
		}
	}
}

// BenchmarkLoadZip5000 loads the same advisories from an all.zip, the other
// half of an offline scan's cost.
func BenchmarkLoadZip5000(b *testing.B) {
	vulns, _ := synthetic(5000)
	path := writeSyntheticZip(b, vulns)
	b.ReportAllocs()
	for b.Loop() {
		db, err := LoadZip(path)
		if err != nil || db.Len() != len(vulns) {
			b.Fatalf("LoadZip: %v, %d entries", err, db.Len())
		}
	}
}

// BenchmarkLoad compares, on an export of 50,000 advisories and a project of
// 2,000 packages: LoadZip (every entry decoded, the anchor), Load narrowed to
// the project's packages without an index (every entry sketched, the needed
// ones decoded), and with a warm index (only the needed entries read).
func BenchmarkLoad(b *testing.B) {
	vulns, pkgs := synthetic(50000)
	pkgs = pkgs[:2000]
	path := writeSyntheticZip(b, vulns)
	indexDir := b.TempDir()
	want := 0
	for _, tt := range []struct {
		name string
		load func() (*DB, error)
	}{
		{"LoadZip", func() (*DB, error) { return LoadZip(path) }},
		{"Load", func() (*DB, error) { return Load(context.Background(), path, LoadOptions{Packages: pkgs}) }},
		{"LoadIndexed", func() (*DB, error) {
			return Load(context.Background(), path, LoadOptions{Packages: pkgs, IndexDir: indexDir})
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			db, err := tt.load() // warms the index
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, p := range pkgs {
				n += len(db.Match(p))
			}
			if want == 0 {
				want = n
			} else if n != want {
				b.Fatalf("%d findings, want %d as LoadZip finds", n, want)
			}
			b.ReportMetric(float64(db.Len()), "entries")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tt.load(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func writeSyntheticZip(b *testing.B, vulns []*Vulnerability) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "all.zip")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, v := range vulns {
		w, err := zw.Create(v.ID + ".json")
		if err != nil {
			b.Fatal(err)
		}
		if err := json.NewEncoder(w).Encode(v); err != nil {
			b.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}
