package rulegen

import (
	"strings"
	"testing"
)

// TestErrorsConfigErrors checks the errors section's validation, one broken key at a time.
func TestErrorsConfigErrors(t *testing.T) {
	shipped := string(shippedConfig(t))
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"history not longer than new", "history_window: 1d", "history_window: 10m", "errors.history_window: must be longer than new_within"},
		{"no rate window", "  rate_window: 5m\n  # How far back", "  rate_window: 0s\n  # How far back", "errors.rate_window: must be a positive duration"},
		{"no new window", "new_within: 10m", "new_within: 0s", "errors.new_within: must be a positive duration"},
		{"no baseline", "spike_baseline_window: 1h", "spike_baseline_window: 0s", "errors.spike_baseline_window: must be a positive duration"},
		{"negative minimum rate", "spike_min_rate: 0.1", "spike_min_rate: -0.1", "errors.spike_min_rate: must not be negative"},
		{"spike ratio of 0", "high: {threshold: 10, for: 5m}", "high: {threshold: 0, for: 5m}", "errors.alerts.ErrorGroupSpike.levels.high.threshold: must be positive"},
		{"spike without ratio", "high: {threshold: 10, for: 5m}", "high: {for: 5m}", "errors.alerts.ErrorGroupSpike.levels.high: threshold is required"},
		{"threshold on a critical error", "critical: {for: 0s}", "critical: {threshold: 1, for: 0s}", "errors.alerts.ErrorCritical.levels.critical.threshold: this alert takes no threshold"},
		{"threshold on a new group", "medium: {for: 0s}", "medium: {threshold: 1, for: 0s}", "errors.alerts.ErrorGroupNew.levels.medium.threshold: this alert takes no threshold"},
		{"threshold on a regression", "high: {for: 0s}", "high: {threshold: 1, for: 0s}", "errors.alerts.ErrorGroupRegression.levels.high.threshold: this alert takes no threshold"},
		{"unknown key", "spike_min_rate:", "spike_min_rates:", "field spike_min_rates not found"},
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

// TestErrorAlertsExpressions checks what every error alert promises whatever the
// configuration: the group's info joined (and kept for groups without info), ignored
// groups left out, and the windows and thresholds of config.yml in the expression.
func TestErrorAlertsExpressions(t *testing.T) {
	c, err := Parse("config.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"ErrorCritical":        {"job_source_group:perfwatch_error_group_critical_events:increase5m > 0"},
		"ErrorGroupSpike":      {"job_source_group:perfwatch_error_group_events:rate1h_offset5m\n", ") > 10\n", "rate5m > 0.1", `group!="other"`},
		"ErrorGroupNew":        {"time() - job_source_group:perfwatch_error_group_first_seen_timestamp_seconds:min_over_time1d < 600"},
		"ErrorGroupRegression": {"job_source_group:perfwatch_error_regressions:increase5m > 0"},
	}
	seen := 0
	for _, a := range c.Alerts() {
		parts, ok := want[a.Name]
		if !ok {
			continue
		}
		seen++
		if a.Dashboard != dashboardErrors || len(a.Levels) != 1 || a.Fixture != nil {
			t.Errorf("%s: dashboard %q, %d levels, fixture %v", a.Name, a.Dashboard, len(a.Levels), a.Fixture)
		}
		expr := a.Levels[0].Expr
		parts = append(parts,
			"* on (job, source, group) group_left (error_type, message, http_route)\n  job_source_group:perfwatch_error_group_info:one\n  or on (job, source, group)",
			"unless on (job, source, group)\nperfwatch_error_group_info{state=\"ignored\"}")
		for _, p := range parts {
			if !strings.Contains(expr, p) {
				t.Errorf("%s: expression lacks %q:\n%s", a.Name, p, expr)
			}
		}
		for _, l := range []string{"job", "source", "group"} {
			if !strings.Contains(strings.Join(a.Labels, ","), l) {
				t.Errorf("%s: labels %v lack %s", a.Name, a.Labels, l)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d error alerts, want %d", seen, len(want))
	}

	// The selector reaches every series the section reads, up included.
	c.Errors.Selector = `job="shop"`
	for _, r := range (errorsSection{&c.Errors}).recording(c) {
		for _, m := range []string{"perfwatch_error", "up["} {
			for rest := r.Expr; ; {
				i := strings.Index(rest, m)
				if i < 0 {
					break
				}
				rest = rest[i:]
				end := strings.IndexAny(rest, "{[)")
				if end >= 0 && rest[end] != '{' && !strings.HasPrefix(rest, "up[") {
					t.Errorf("%s: %s... without the selector", r.Record, rest[:end])
				}
				if strings.HasPrefix(rest, "up[") {
					t.Errorf("%s: up without the selector", r.Record)
				}
				rest = rest[len(m):]
			}
		}
		if !strings.Contains(r.Expr, `job="shop"`) {
			t.Errorf("%s: no selector: %s", r.Record, r.Expr)
		}
	}
}
