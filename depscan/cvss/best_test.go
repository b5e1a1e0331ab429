package cvss

import "testing"

func TestBest(t *testing.T) {
	const (
		v31High = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"                    // 7.5
		v31Crit = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"                    // 9.8
		v30Crit = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"                    // 10.0
		v40Med  = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N" // 5.3
		v40High = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N" // 8.7
		v2      = "AV:N/AC:L/Au:N/C:P/I:P/A:P"
		badV4   = "CVSS:4.0/AV:N"
	)
	for _, tt := range []struct {
		name    string
		vectors []string
		want    string
		base    float64
		ok      bool
	}{
		{"none", nil, "", 0, false},
		{"only v2 and malformed", []string{v2, badV4, ""}, "", 0, false},
		{"one v3.1", []string{v31High}, v31High, 7.5, true},
		{"highest v3.1 of two", []string{v31High, v31Crit}, v31Crit, 9.8, true},
		{"v4.0 wins over a higher v3.1", []string{v31Crit, v40Med}, v40Med, 5.3, true},
		{"v4.0 wins in any order", []string{v40High, v31Crit}, v40High, 8.7, true},
		{"highest v4.0 of two", []string{v40Med, v31Crit, v40High}, v40High, 8.7, true},
		{"v3.1 wins over a higher v3.0", []string{v30Crit, v31High}, v31High, 7.5, true},
		{"a malformed v4.0 does not hide a v3.1", []string{badV4, v31High}, v31High, 7.5, true},
	} {
		got, vector, ok := Best(tt.vectors)
		if ok != tt.ok || vector != tt.want || got.Base != tt.base {
			t.Errorf("%s: Best = %v %q %v, want %v %q %v", tt.name, got.Base, vector, ok, tt.base, tt.want, tt.ok)
		}
		if ok && got.Severity != Rating(tt.base) {
			t.Errorf("%s: severity %s, want %s", tt.name, got.Severity, Rating(tt.base))
		}
	}
}
