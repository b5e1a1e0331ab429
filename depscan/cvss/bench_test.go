package cvss

import "testing"

const (
	benchV31    = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"
	benchV4Base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"
	benchV4Full = benchV4Base + "/E:P/CR:H/MAV:L/MSI:S/U:Amber"
)

// BenchmarkParse compares v4.0 with the anchor, this package's v3.1 formula, in the
// same run; BenchmarkGoCVSS scores the same v4.0 vectors with go-cvss.
func BenchmarkParse(b *testing.B) {
	for _, bb := range []struct{ name, vector string }{
		{"v3.1", benchV31},
		{"v4.0-base", benchV4Base},
		{"v4.0-full", benchV4Full},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bb.vector); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
