package cvss

import (
	"errors"
	"strings"
	"testing"
)

// The expected scores are those FIRST publishes for these vectors in its CVSS v3.1
// examples document and those NVD lists for the named CVEs.
func TestParseV3(t *testing.T) {
	for _, tt := range []struct {
		name, vector string
		want         float64
		sev          Severity
	}{
		{"CVE-2013-1937 phpMyAdmin XSS", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium},
		{"CVE-2013-0375 MySQL", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, Medium},
		{"CVE-2014-3566 POODLE", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, Low},
		{"CVE-2012-1516 VMware", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, Critical},
		{"CVE-2009-0783 Tomcat", "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, Medium},
		{"CVE-2012-0384 Cisco IOS", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, High},
		{"CVE-2015-1098 iWork", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, High},
		{"CVE-2014-0160 Heartbleed", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, High},
		{"CVE-2014-6271 Shellshock", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Critical},
		{"CVE-2008-1447 DNS", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, Medium},
		{"CVE-2014-2005 Sophos", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, Medium},
		{"CVE-2010-0467 Joomla", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, Medium},
		{"CVE-2021-44228 Log4Shell", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10, Critical},
		{"no impact", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, None},
		{"3.0 vector", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Critical},
		{"temporal metrics ignored", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8, Critical},
		{"any order", "CVSS:3.1/S:U/C:H/I:N/A:N/AV:N/AC:L/PR:N/UI:N", 7.5, High},
	} {
		got, err := ParseV3(tt.vector)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got.Base != tt.want || got.Severity != tt.sev {
			t.Errorf("%s: %s = %v %s, want %v %s", tt.name, tt.vector, got.Base, got.Severity, tt.want, tt.sev)
		}
	}
}

func TestParseV3Errors(t *testing.T) {
	for _, tt := range []struct{ vector, want string }{
		{"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "does not start"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "base metric A missing"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L", "given twice"},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:X is not a valid value"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z", "E:Z is not a valid value"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1", "unknown metric ZZ"},
		{"CVSS:3.1/AV:N/AC:L//UI:N", "malformed metric"},
	} {
		if _, err := ParseV3(tt.vector); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseV3(%q) = %v, want an error containing %q", tt.vector, err, tt.want)
		}
	}
	if _, err := Parse("AV:N/AC:L/Au:N/C:P/I:P/A:P"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Parse(v2) = %v, want ErrUnsupported", err)
	}
}

// Roundup's examples from the v3.1 specification, Appendix A.
func TestRoundup(t *testing.T) {
	for in, want := range map[float64]float64{4.02: 4.1, 4.0: 4.0, 4.000000000000001: 4.0, 0.01: 0.1, 9.999: 10} {
		if got := Roundup(in); got != want {
			t.Errorf("Roundup(%v) = %v, want %v", in, got, want)
		}
	}
}

// FuzzParseV3 checks that no input panics and that every accepted vector scores in
// [0, 10] with the rating its score implies.
func FuzzParseV3(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
	f.Add("CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N/E:U")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := ParseV3(v)
		if err != nil {
			return
		}
		if s.Base < 0 || s.Base > 10 || s.Severity != Rating(s.Base) {
			t.Fatalf("%q: %+v", v, s)
		}
	})
}
