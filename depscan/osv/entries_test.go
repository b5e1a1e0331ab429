package osv

import (
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

func TestFromEntries(t *testing.T) {
	entry := func(modified, fixed string) *Vulnerability {
		return &Vulnerability{ID: "GHSA-aaaa-bbbb-cccc", Modified: modified, Affected: []Affected{{
			Package: Package{Ecosystem: "npm", Name: "left-pad"},
			Ranges:  []Range{{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: fixed}}}},
		}}}
	}
	db := FromEntries([]*Vulnerability{entry("2024-02-01T00:00:00Z", "1.3.0"), nil, {}, entry("2024-01-01T00:00:00Z", "1.1.0")})
	if db.Len() != 1 || len(db.Problems()) != 2 {
		t.Fatalf("Len %d, problems %v; want one entry and two problems", db.Len(), db.Problems())
	}
	got := db.Match(depscan.Package{Ecosystem: depscan.Npm, Name: "left-pad", Version: "1.2.0"})
	if len(got) != 1 || got[0].FixedIn != "1.3.0" {
		t.Fatalf("Match = %+v; want the later copy's fix, 1.3.0", got)
	}
}
