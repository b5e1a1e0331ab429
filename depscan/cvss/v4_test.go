package cvss

import (
	"bufio"
	"compress/gzip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The expected scores in testdata are FIRST's: testdata/first-v4.js runs FIRST's
// calculator (github.com/RedHatProductSecurity/cvss-v4-calculator, commit d1eafe0,
// November 2024, with its fix for rounding errors) over every base vector and over a
// seeded sample of 2,000 vectors with threat, environmental and supplemental metrics.

// v4BaseValues are the base metrics' values in the order first-v4.js loops over
// them (the calculator's metrics.js).
var v4BaseValues = [][2]string{
	{"AV", "NALP"}, {"AC", "LH"}, {"AT", "NP"}, {"PR", "NLH"}, {"UI", "NPA"},
	{"VC", "HLN"}, {"VI", "HLN"}, {"VA", "HLN"}, {"SC", "HLN"}, {"SI", "HLN"}, {"SA", "HLN"},
}

// enumerateBase calls f with every base vector in first-v4.js's order.
func enumerateBase(f func(vector string)) {
	parts := make([]string, len(v4BaseValues))
	var walk func(int)
	walk = func(i int) {
		if i == len(v4BaseValues) {
			f("CVSS:4.0/" + strings.Join(parts, "/"))
			return
		}
		for _, v := range v4BaseValues[i][1] {
			parts[i] = v4BaseValues[i][0] + ":" + string(v)
			walk(i + 1)
		}
	}
	walk(0)
}

// readGzipLines returns the lines of a gzipped testdata file.
func readGzipLines(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return lines
}

// firstBaseScores maps every base vector to FIRST's score for it.
func firstBaseScores(t testing.TB) map[string]float64 {
	t.Helper()
	lines := readGzipLines(t, "testdata/first-v4-base.txt.gz")
	want := make(map[string]float64, len(lines))
	i := 0
	enumerateBase(func(vector string) {
		if i >= len(lines) {
			t.Fatalf("first-v4-base.txt.gz has %d scores, fewer than the base vectors", len(lines))
		}
		s, err := strconv.ParseFloat(lines[i], 64)
		if err != nil {
			t.Fatalf("first-v4-base.txt.gz line %d: %v", i+1, err)
		}
		want[vector] = s
		i++
	})
	if i != len(lines) || i != 104976 {
		t.Fatalf("%d base vectors, %d scores in first-v4-base.txt.gz, want 104976 of each", i, len(lines))
	}
	return want
}

func TestParseV4AgreesWithFIRSTOnEveryBaseVector(t *testing.T) {
	bad := 0
	for vector, want := range firstBaseScores(t) {
		got, err := Parse(vector)
		if err != nil {
			t.Fatalf("%s: %v", vector, err)
		}
		if got.Base != want || got.Severity != Rating(want) || got.Version != "4.0" {
			if bad++; bad <= 10 {
				t.Errorf("%s = %v %s, FIRST's calculator %v", vector, got.Base, got.Severity, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of 104976 base vectors disagree with FIRST", bad)
	}
}

// TestV4Sample checks vectors with every optional metric group: the full (CVSS-BTE)
// score, which shows the environmental modifications and defaults are applied as
// FIRST's calculator applies them, and ParseV4's base score against FIRST's score of
// the vector's base metrics.
func TestV4Sample(t *testing.T) {
	base := firstBaseScores(t)
	lines := readGzipLines(t, "testdata/first-v4-sample.txt.gz")
	if len(lines) < 1000 {
		t.Fatalf("first-v4-sample.txt.gz has %d vectors", len(lines))
	}
	for _, line := range lines {
		vector, score, ok := strings.Cut(line, "\t")
		want, err := strconv.ParseFloat(score, 64)
		if !ok || err != nil {
			t.Fatalf("first-v4-sample.txt.gz: bad line %q", line)
		}
		vals, err := parseV4(vector)
		if err != nil {
			t.Errorf("%s: %v", vector, err)
			continue
		}
		if got := float64(scoreV4(&vals)) / 10; got != want {
			t.Errorf("full score of %s = %v, FIRST's calculator %v", vector, got, want)
		}
		got, err := ParseV4(vector)
		if err != nil {
			t.Errorf("%s: %v", vector, err)
			continue
		}
		baseVector := strings.Join(strings.Split(vector, "/")[:12], "/")
		if got.Base != base[baseVector] {
			t.Errorf("ParseV4(%s) = %v, FIRST scores its base metrics %s %v", vector, got.Base, baseVector, base[baseVector])
		}
	}
}

// Common advisory vectors, readable; their scores are FIRST's (the test checks them
// against the table too). The ratings are v3's (specification section 6).
func TestParseV4Named(t *testing.T) {
	first := firstBaseScores(t)
	for _, tt := range []struct {
		vector string
		want   float64
		sev    Severity
	}{
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, Critical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10, Critical},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, High},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7, High},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.3, Medium},
		{"CVSS:4.0/AV:L/AC:H/AT:N/PR:H/UI:N/VC:N/VI:L/VA:H/SC:L/SI:N/SA:N", 5.7, Medium},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0, None},
		// E:U lowers the CVSS-BT score to 5.9 in FIRST's calculator; the base score stays.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 9.3, Critical},
	} {
		if f, ok := first[strings.Join(strings.Split(tt.vector, "/")[:12], "/")]; !ok || f != tt.want {
			t.Errorf("%s: FIRST's table says %v, the test %v", tt.vector, f, tt.want)
		}
		got, err := Parse(tt.vector)
		if err != nil {
			t.Errorf("%s: %v", tt.vector, err)
			continue
		}
		if got.Base != tt.want || got.Severity != tt.sev {
			t.Errorf("%s = %v %s, want %v %s", tt.vector, got.Base, got.Severity, tt.want, tt.sev)
		}
	}
}

func TestParseV4Errors(t *testing.T) {
	const ok = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	for _, tt := range []struct{ vector, want string }{
		{"CVSS:4.0", "unsupported"},
		{"CVSS:4.0/", "malformed metric"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "base metric SA missing"},
		{"CVSS:4.0/AV:N/AC:L/PR:N/AT:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "base metric AT missing or out of order"},
		{"CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "metric AV repeated or out of order"},
		{"CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "AV:X is not a valid value"},
		{ok + "/E:Z", "E:Z is not a valid value"},
		{ok + "/CR:H/E:A", "metric E repeated or out of order"},
		{ok + "/ZZ:1", `unknown metric "ZZ"`},
		{ok + "/", "malformed metric"},
		{ok + "/U:clear", "U:clear is not a valid value"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S/MSA:S/U:Red", ""},
		{"cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "unsupported"},
	} {
		_, err := Parse(tt.vector)
		if strings.HasPrefix(tt.vector, "CVSS:4.0/") {
			if _, errV4 := ParseV4(tt.vector); (err == nil) != (errV4 == nil) {
				t.Errorf("Parse(%q) = %v, ParseV4 %v", tt.vector, err, errV4)
			}
		}
		if tt.want == "" {
			if err != nil {
				t.Errorf("Parse(%q) = %v, want no error", tt.vector, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.vector, err, tt.want)
		}
	}
}

// FuzzParseV4 checks that no input panics, that every accepted vector scores in
// [0, 10] with the rating its score implies, and that a rejected one is named in
// its error.
func FuzzParseV4(f *testing.F) {
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Add("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:L/SI:N/SA:N/E:U/CR:L/MSI:S/U:Amber")
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Grün")
	f.Add("CVSS:4.0/AV:\"N\"/AC:'L'\\")
	f.Add("CVSS:4.0//")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := ParseV4(v)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cvss: "+strconv.Quote(v)+": ") {
				t.Fatalf("%q: error %q does not name the vector", v, err)
			}
			return
		}
		if s.Base < 0 || s.Base > 10 || s.Severity != Rating(s.Base) || s.Version != "4.0" {
			t.Fatalf("%q: %+v", v, s)
		}
		// The full score goes through every environmental path; it must stay in range.
		vals, err := parseV4(v)
		if err != nil {
			t.Fatalf("%q: ParseV4 accepts it, parseV4 says %v", v, err)
		}
		if full := scoreV4(&vals); full < 0 || full > 100 {
			t.Fatalf("%q: full score %d tenths", v, full)
		}
	})
}
