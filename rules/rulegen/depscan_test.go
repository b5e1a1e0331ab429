package rulegen

import (
	"slices"
	"strings"
	"testing"
)

// TestDepscanConfigErrors checks the depscan section's validation, one broken key at a time.
func TestDepscanConfigErrors(t *testing.T) {
	shipped := string(shippedConfig(t))
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"no window", "new_within: 1d", "new_within: 0s", "depscan.new_within: must be a positive duration"},
		{"no scan age", "max_scan_age: 3h", "max_scan_age: 0s", "depscan.max_scan_age: must be a positive duration"},
		{"no history", "history_window: 7d", "history_window: 0s", "depscan.history_window: must be a positive duration"},
		{"score above 100", "low: {threshold: 70, for: 15m}", "low: {threshold: 700, for: 15m}", "depscan.alerts.DependencyHealthLow.levels.low.threshold: must be a score"},
		{"score without threshold", "low: {threshold: 70, for: 15m}", "low: {for: 15m}", "depscan.alerts.DependencyHealthLow.levels.low: threshold is required"},
		{"negative violations", "medium: {threshold: 0, for: 15m}", "medium: {threshold: -1, for: 15m}", "depscan.alerts.DependencyLicenceViolation.levels.medium.threshold: must not be negative"},
		{"threshold on new", "DependencyVulnerabilityNew:\n      enabled: true\n      levels:\n        high: {for: 0s}", "DependencyVulnerabilityNew:\n      enabled: true\n      levels:\n        high: {threshold: 1, for: 0s}", "depscan.alerts.DependencyVulnerabilityNew.levels.high.threshold: this alert takes no threshold"},
		{"unknown key", "max_scan_age:", "max_age:", "field max_age not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(shipped, tc.old) {
				t.Fatalf("config.yml no longer contains %q", tc.old)
			}
			_, err := Parse("cfg.yml", []byte(strings.Replace(shipped, tc.old, tc.new, 1)))
			if err == nil {
				t.Fatal("Parse accepted the broken configuration")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// TestDepscanExpressions checks what each depscan alert promises whatever the
// configuration: new means a rise over the window or a series absent a window ago,
// critical and high only, with the vulnerability's severity kept apart from the
// alert's; the health and licence thresholds; staleness by age, by a zero timestamp
// and by metrics gone; the selector on every series read.
func TestDepscanExpressions(t *testing.T) {
	c, err := Parse("config.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Depscan.Selector = `job="deps"`
	const vulns = `perfwatch_dependency_vulnerabilities{job="deps", severity=~"critical|high"}`
	const ts = `perfwatch_depscan_last_success_timestamp_seconds{job="deps"}`
	want := map[string][]string{
		"DependencyVulnerabilityNew": {"> min_over_time(" + vulns + "[1d])", "unless\n  " + vulns + " offset 1d",
			`"vulnerability_severity", "$1", "severity", "(.*)"`},
		"DependencyHealthLow":        {`perfwatch_dependency_health_score{job="deps"} < 70`},
		"DependencyLicenceViolation": {`perfwatch_dependency_licence_violations{job="deps"} > 0`},
		"DependencyScanStale": {"time() - (max by (job, instance) (" + ts + ") > 0) > 10800",
			"max by (job, instance) (" + ts + ") == 0", "max_over_time(" + ts + "[1w])", "unless on (job)"},
	}
	levels := map[string][]Severity{
		"DependencyVulnerabilityNew": {High}, "DependencyHealthLow": {Low}, "DependencyLicenceViolation": {Medium}, "DependencyScanStale": {Low},
	}
	handWritten := map[string]bool{"DependencyVulnerabilityNew": true, "DependencyScanStale": true}
	seen := 0
	for _, a := range c.Alerts() {
		parts, ok := want[a.Name]
		if !ok {
			continue
		}
		seen++
		if a.Dashboard != dashboardDepscan || !a.Enabled {
			t.Errorf("%s: dashboard %q, enabled %v", a.Name, a.Dashboard, a.Enabled)
		}
		if (a.Fixture == nil) != handWritten[a.Name] {
			t.Errorf("%s: fixture %v (tests/depscan.test.yml tests the hand-written ones)", a.Name, a.Fixture)
		}
		if a.Name != "DependencyScanStale" && !slices.Contains(a.Labels, "project") {
			t.Errorf("%s: labels %v lack project", a.Name, a.Labels)
		}
		var sevs []Severity
		for _, l := range a.Levels {
			sevs = append(sevs, l.Severity)
			for _, p := range parts {
				if !strings.Contains(l.Expr, p) {
					t.Errorf("%s %s: expression lacks %q:\n%s", a.Name, l.Severity, p, l.Expr)
				}
			}
		}
		if !slices.Equal(sevs, levels[a.Name]) {
			t.Errorf("%s: levels %v, want %v", a.Name, sevs, levels[a.Name])
		}
	}
	if seen != len(want) {
		t.Errorf("%d depscan alerts, want %d", seen, len(want))
	}
}
