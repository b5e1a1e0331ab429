package rulegen

import (
	"slices"
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

// TestHAAlerts checks what the cluster and pair alerts promise whatever their levels:
// the labels they keep (all compared by alertmanager.yml's inhibitions), the selectors
// they read, and the windows that keep a failed scrape from resetting their `for`.
func TestHAAlerts(t *testing.T) {
	c, err := Parse("config.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Alert{}
	for _, a := range c.Alerts() {
		byName[a.Name] = a
	}
	for _, tc := range []struct {
		alert  string
		labels []string
		want   []string
	}{
		{"AlertmanagerMembersInconsistent", []string{"job", "instance"}, []string{
			`max by (job, instance) (last_over_time(alertmanager_cluster_members{job="alertmanager"}[5m]))`,
			"< on (job) group_left ()",
			// up, not the members' own series: a member that is down still counts.
			`count by (job) (up{job="alertmanager"})`,
		}},
		{"AlertmanagerClusterFailedToSendAlerts", []string{"job", "integration"}, []string{
			"min by (job, integration) (",
			`sum by (job, instance, integration) (rate(alertmanager_notifications_failed_total{job="alertmanager"}[5m]))`,
			`sum by (job, instance, integration) (rate(alertmanager_notifications_total{job="alertmanager"}[5m]))`,
			"> 0.01",
		}},
		{"AlertmanagerConfigInconsistent", []string{"job"}, []string{
			`count_values by (job) ("config_hash", last_over_time(alertmanager_config_hash{job="alertmanager"}[5m]))`,
			"count by (job) (",
			"> 1",
		}},
		{"PrometheusNotConnectedToAlertmanagers", []string{"job", "instance"}, []string{
			`max by (job, instance) (max_over_time(prometheus_notifications_alertmanagers_discovered{job="prometheus"}[5m])) < 1`,
		}},
	} {
		t.Run(tc.alert, func(t *testing.T) {
			a := byName[tc.alert]
			if a == nil || !a.Enabled || len(a.Levels) == 0 {
				t.Fatalf("missing or disabled: %+v", a)
			}
			if !slices.Equal(a.Labels, tc.labels) {
				t.Errorf("labels %v, want %v", a.Labels, tc.labels)
			}
			for _, l := range a.Levels {
				if l.Severity.Rank() < 0 {
					t.Errorf("level severity %q is not a perfwatch severity", l.Severity)
				}
				for _, w := range tc.want {
					if !strings.Contains(l.Expr, w) {
						t.Errorf("%s level: expression lacks %s:\n%s", l.Severity, w, l.Expr)
					}
				}
			}
		})
	}
}

// TestHAAlertConfigErrors checks the validation of the cluster and pair alerts.
func TestHAAlertConfigErrors(t *testing.T) {
	shipped := string(shippedConfig(t))
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"members threshold", "AlertmanagerMembersInconsistent:\n      enabled: true\n      levels:\n        high: {for: 10m}",
			"AlertmanagerMembersInconsistent:\n      enabled: true\n      levels:\n        high: {threshold: 2, for: 10m}",
			"monitoring.alerts.AlertmanagerMembersInconsistent.levels.high.threshold: this alert takes no threshold"},
		{"not connected threshold", "PrometheusNotConnectedToAlertmanagers:\n      enabled: true\n      levels:\n        high: {for: 5m}",
			"PrometheusNotConnectedToAlertmanagers:\n      enabled: true\n      levels:\n        high: {threshold: 1, for: 5m}",
			"monitoring.alerts.PrometheusNotConnectedToAlertmanagers.levels.high.threshold: this alert takes no threshold"},
		{"cluster failures without threshold", "AlertmanagerClusterFailedToSendAlerts:\n      enabled: true\n      levels:\n        critical: {threshold: 0.01, for: 5m}",
			"AlertmanagerClusterFailedToSendAlerts:\n      enabled: true\n      levels:\n        critical: {for: 5m}",
			"monitoring.alerts.AlertmanagerClusterFailedToSendAlerts.levels.critical: threshold is required"},
		{"cluster failures not a ratio", "AlertmanagerClusterFailedToSendAlerts:\n      enabled: true\n      levels:\n        critical: {threshold: 0.01, for: 5m}",
			"AlertmanagerClusterFailedToSendAlerts:\n      enabled: true\n      levels:\n        critical: {threshold: 1, for: 5m}",
			"monitoring.alerts.AlertmanagerClusterFailedToSendAlerts.levels.critical.threshold: must be between 0 and 1 exclusive"},
		{"config threshold", "AlertmanagerConfigInconsistent:\n      enabled: true\n      levels:\n        medium: {for: 15m}",
			"AlertmanagerConfigInconsistent:\n      enabled: true\n      levels:\n        medium: {threshold: 1, for: 15m}",
			"monitoring.alerts.AlertmanagerConfigInconsistent.levels.medium.threshold: this alert takes no threshold"},
		{"members with a mixin's severity", "AlertmanagerMembersInconsistent:\n      enabled: true\n      levels:\n        high: {for: 10m}",
			"AlertmanagerMembersInconsistent:\n      enabled: true\n      levels:\n        warning: {for: 10m}",
			`unknown severity "warning"`},
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
