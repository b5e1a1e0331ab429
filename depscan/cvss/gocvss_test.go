package cvss

import (
	"testing"

	gocvss40 "github.com/pandatix/go-cvss/40"
)

// TestGoCVSSMeasure records why v4.0 is not taken from github.com/pandatix/go-cvss:
// it logs how many of FIRST's base vectors go-cvss scores differently, and in which
// direction (go test -run GoCVSS -v). It fails only if go-cvss rejects a valid
// vector, which would make the comparison meaningless.
func TestGoCVSSMeasure(t *testing.T) {
	low, high := 0, 0
	var example string
	for vector, want := range firstBaseScores(t) {
		v, err := gocvss40.ParseVector(vector)
		if err != nil {
			t.Fatalf("go-cvss rejects %s: %v", vector, err)
		}
		switch got := v.Score(); {
		case got < want:
			low++
			example = vector
		case got > want:
			high++
		}
	}
	t.Logf("go-cvss v0.6.4 against FIRST's calculator on 104976 base vectors: %d lower, %d higher (e.g. %s)", low, high, example)
	for _, bad := range []string{
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
		"CVSS:4.0/AV:N/AC:L/PR:N/AT:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/ZZ:1",
	} {
		_, err := gocvss40.ParseVector(bad)
		_, own := ParseV4(bad)
		t.Logf("%s\n\tgo-cvss: %v\n\tParseV4: %v", bad, err, own)
	}
}

// BenchmarkGoCVSS is go-cvss's parse and score of the vectors BenchmarkParse uses,
// for comparison in the same run.
func BenchmarkGoCVSS(b *testing.B) {
	for _, bb := range []struct{ name, vector string }{
		{"v4.0-base", benchV4Base},
		{"v4.0-full", benchV4Full},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v, err := gocvss40.ParseVector(bb.vector)
				if err != nil {
					b.Fatal(err)
				}
				_ = v.Score()
			}
		})
	}
}
