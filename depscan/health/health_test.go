package health

import (
	"testing"
	"time"
)

var now = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// The worked examples of docs/depscan.md, computed by hand from the stated points.
func TestScore(t *testing.T) {
	for _, tt := range []struct {
		name string
		dep  Dependency
		want int
	}{
		{"healthy, current", Dependency{LatestRelease: now.AddDate(0, -2, 0)}, 100},
		{"one high vulnerability, a minor release behind", Dependency{Vulnerabilities: map[Severity]int{High: 1}, Behind: Minor}, 100 - 25 - 5},
		{"two critical and a medium", Dependency{Vulnerabilities: map[Severity]int{Critical: 2, Medium: 1}}, 100 - 80 - 10},
		{"unknown severity counts as medium", Dependency{Vulnerabilities: map[Severity]int{Unknown: 1}}, 90},
		{"three majors behind: 15 + 2×5", Dependency{Behind: Major, MajorsBehind: 3}, 75},
		{"five majors behind: the extra is capped at two", Dependency{Behind: Major, MajorsBehind: 5}, 75},
		{"deprecated, denied licence", Dependency{Deprecated: true, Licence: LicenceDenied}, 40},
		{"unknown licence, no release for 3 years", Dependency{Licence: LicenceUnknown, LatestRelease: now.AddDate(-3, 0, 0)}, 80},
		{"no release for 5 years, patch behind", Dependency{Behind: Patch, LatestRelease: now.AddDate(-5, 0, 0)}, 79},
		{"never below 0", Dependency{Vulnerabilities: map[Severity]int{Critical: 3}, Deprecated: true}, 0},
	} {
		got, reasons := Score(tt.dep, now)
		if got != tt.want {
			t.Errorf("%s: %d (%v), want %d", tt.name, got, reasons, tt.want)
		}
		sum := 0
		for _, r := range reasons {
			sum += r.Points
		}
		if max(100-sum, 0) != got {
			t.Errorf("%s: the reasons add up to %d, the score is %d", tt.name, sum, got)
		}
	}
}

func TestProject(t *testing.T) {
	healthy := Dependency{}
	many := func(n int, d Dependency) []Dependency {
		out := make([]Dependency, n)
		for i := range out {
			out[i] = d
		}
		return out
	}
	for _, tt := range []struct {
		name string
		deps []Dependency
		want int
	}{
		{"no dependencies", nil, 100},
		{"all healthy", many(10, healthy), 100},
		// Mean (499×100 + 60)/500 = 99.92 → 100, capped at 40 by the critical one.
		{"one critical among 500", append(many(499, healthy), Dependency{Vulnerabilities: map[Severity]int{Critical: 1}}), 40},
		// (3×100 + 95)/4 = 98.75 → 99, the minor release behind costs 5, no cap.
		{"one minor behind", append(many(3, healthy), Dependency{Behind: Minor}), 99},
		// (90 + 70 + 100)/3 = 86.67 → 87; a medium caps at 80, a denied licence at 70.
		{"medium and denied", []Dependency{{Vulnerabilities: map[Severity]int{Medium: 1}}, {Licence: LicenceDenied}, healthy}, 70},
		// (97 + 100)/2 = 98.5 → 99 (half away from zero), capped at 95 by the low one.
		{"one low", []Dependency{{Vulnerabilities: map[Severity]int{Low: 1}}, healthy}, 95},
		// (70 + 100)/2 = 85, capped at 85 by the deprecated one.
		{"one deprecated", []Dependency{{Deprecated: true}, healthy}, 85},
		// (0+0)/2 = 0: the cap is no floor.
		{"all broken", many(2, Dependency{Vulnerabilities: map[Severity]int{Critical: 3}}), 0},
	} {
		if got := Project(tt.deps, now); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
