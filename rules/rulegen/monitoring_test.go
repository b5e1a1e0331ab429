package rulegen

import (
	"strings"
	"testing"
)

// TestAlertSeverityUnknownExpression checks what the meta-alert promises whatever the
// configuration: it reads only firing alerts, treats every severity but the four as
// unknown (a missing label included, since an absent label matches as empty), keeps the
// offending alert's name and severity under labels of their own, and has a known
// severity itself, so it can never catch itself.
func TestAlertSeverityUnknownExpression(t *testing.T) {
	c, err := Parse("config.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	var a *Alert
	for _, x := range c.Alerts() {
		if x.Name == "AlertSeverityUnknown" {
			a = x
		}
	}
	if a == nil || !a.Enabled || len(a.Levels) == 0 {
		t.Fatalf("AlertSeverityUnknown missing or disabled: %+v", a)
	}
	for _, l := range a.Levels {
		if l.Severity.Rank() < 0 {
			t.Errorf("level severity %q is not a perfwatch severity", l.Severity)
		}
		for _, want := range []string{
			`ALERTS{alertstate="firing", severity!~"low|medium|high|critical"}`,
			`"alert_name", "$1", "alertname", "(.*)"`,
			`"alert_severity", "$1", "severity", "(.*)"`,
			"count by (job, alert_name, alert_severity)",
		} {
			if !strings.Contains(l.Expr, want) {
				t.Errorf("%s level: expression lacks %s:\n%s", l.Severity, want, l.Expr)
			}
		}
	}
	for _, s := range Severities {
		if !strings.Contains(knownSeverities("|"), string(s)) {
			t.Errorf("known severities %q lack %s", knownSeverities("|"), s)
		}
	}
}

// TestAlertSeverityUnknownConfigErrors checks the meta-alert's validation.
func TestAlertSeverityUnknownConfigErrors(t *testing.T) {
	shipped := string(shippedConfig(t))
	const old = "AlertSeverityUnknown:\n      enabled: true\n      levels:\n        medium: {for: 0s}"
	if !strings.Contains(shipped, old) {
		t.Fatalf("config.yml no longer contains %q", old)
	}
	for _, tc := range []struct {
		name, new, want string
	}{
		{"threshold", "AlertSeverityUnknown:\n      enabled: true\n      levels:\n        medium: {threshold: 1, for: 0s}", "monitoring.alerts.AlertSeverityUnknown.levels.medium.threshold: this alert takes no threshold"},
		{"unknown severity of its own", "AlertSeverityUnknown:\n      enabled: true\n      levels:\n        warning: {for: 0s}", `unknown severity "warning"`},
		{"no level", "AlertSeverityUnknown:\n      enabled: true\n      levels: {}", "monitoring.alerts.AlertSeverityUnknown.levels: an enabled alert needs at least one level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("cfg.yml", []byte(strings.Replace(shipped, old, tc.new, 1)))
			if err == nil {
				t.Fatal("Parse accepted the broken configuration")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}
