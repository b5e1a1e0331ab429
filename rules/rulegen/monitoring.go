package rulegen

import (
	"fmt"
	"strings"
)

// MonitoringConfig configures the alerts about the monitoring itself (section
// "monitoring"): scrape targets, Prometheus and Alertmanager. The Alertmanager
// selector selects one cluster's members: the cluster alerts group by job.
type MonitoringConfig struct {
	TargetsSelector      string `yaml:"targets_selector"`
	PrometheusSelector   string `yaml:"prometheus_selector"`
	AlertmanagerSelector string `yaml:"alertmanager_selector"`
	Alerts               struct {
		TargetDown                            ThresholdAlert `yaml:"TargetDown"`
		PrometheusRuleFailures                ThresholdAlert `yaml:"PrometheusRuleFailures"`
		PrometheusErrorSendingAlerts          ThresholdAlert `yaml:"PrometheusErrorSendingAlerts"`
		PrometheusNotConnectedToAlertmanagers ThresholdAlert `yaml:"PrometheusNotConnectedToAlertmanagers"`
		AlertmanagerFailedToSendAlerts        ThresholdAlert `yaml:"AlertmanagerFailedToSendAlerts"`
		AlertmanagerClusterFailedToSendAlerts ThresholdAlert `yaml:"AlertmanagerClusterFailedToSendAlerts"`
		AlertmanagerMembersInconsistent       ThresholdAlert `yaml:"AlertmanagerMembersInconsistent"`
		AlertmanagerConfigInconsistent        ThresholdAlert `yaml:"AlertmanagerConfigInconsistent"`
		AlertSeverityUnknown                  ThresholdAlert `yaml:"AlertSeverityUnknown"`
	} `yaml:"alerts"`
}

type monitoringSection struct{ c *MonitoringConfig }

func (s monitoringSection) name() string { return "monitoring" }

func (s monitoringSection) validate(v *validator) {
	a := &s.c.Alerts
	v.thresholdAlert(a.TargetDown, false, nil, "monitoring", "alerts", "TargetDown")
	v.thresholdAlert(a.PrometheusRuleFailures, true, v.nonNegative, "monitoring", "alerts", "PrometheusRuleFailures")
	v.thresholdAlert(a.PrometheusErrorSendingAlerts, true, v.ratio, "monitoring", "alerts", "PrometheusErrorSendingAlerts")
	v.thresholdAlert(a.PrometheusNotConnectedToAlertmanagers, false, nil, "monitoring", "alerts", "PrometheusNotConnectedToAlertmanagers")
	v.thresholdAlert(a.AlertmanagerFailedToSendAlerts, true, v.ratio, "monitoring", "alerts", "AlertmanagerFailedToSendAlerts")
	v.thresholdAlert(a.AlertmanagerClusterFailedToSendAlerts, true, v.ratio, "monitoring", "alerts", "AlertmanagerClusterFailedToSendAlerts")
	v.thresholdAlert(a.AlertmanagerMembersInconsistent, false, nil, "monitoring", "alerts", "AlertmanagerMembersInconsistent")
	v.thresholdAlert(a.AlertmanagerConfigInconsistent, false, nil, "monitoring", "alerts", "AlertmanagerConfigInconsistent")
	v.thresholdAlert(a.AlertSeverityUnknown, false, nil, "monitoring", "alerts", "AlertSeverityUnknown")
}

func (s monitoringSection) recording(*Config) []Recording { return nil }

// monitoringWindow is the rate window of the monitoring alerts, as in the mixins.
const monitoringWindow = Duration(5 * 60 * 1e9)

func (s monitoringSection) alerts(cfg *Config) []*Alert {
	c := s.c
	windows := []Duration{monitoringWindow}
	ratio := func(by, failed, total, selector string) func(float64) string {
		return func(t float64) string {
			return fmt.Sprintf("sum by (%s) (rate(%s[5m]))\n/\nsum by (%s) (rate(%s[5m]))\n> %s",
				by, sel(failed, selector), by, sel(total, selector), num(t))
		}
	}
	promSending := ratio("job, instance, alertmanager", "prometheus_notifications_errors_total", "prometheus_notifications_sent_total", c.PrometheusSelector)
	amSending := ratio("job, instance, integration", "alertmanager_notifications_failed_total", "alertmanager_notifications_total", c.AlertmanagerSelector)
	return []*Alert{
		{
			Name:      "TargetDown",
			Enabled:   c.Alerts.TargetDown.Enabled,
			Summary:   "Target {{ $labels.instance }} of {{ $labels.job }} is down.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "instance"},
			Levels: targetDownLevels(thresholdLevels(cfg, c.Alerts.TargetDown, nil, func(float64) (string, string) {
				return sel("up", c.TargetsSelector) + " == 0",
					"Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}: the process is down, unreachable or its /metrics fails. Its other alerts are inhibited meanwhile."
			})),
			Fixture: &Fixture{
				Series: []FixtureSeries{gauge(`up{job="demo", instance="demo:8080"}`, func(v float64) float64 { return v })},
				Labels: map[string]string{"job": "demo", "instance": "demo:8080"},
				Below:  true,
				Near:   func(float64) (float64, float64) { return 1, 0 },
				Clear:  1,
			},
		},
		{
			Name:      "PrometheusRuleFailures",
			Enabled:   c.Alerts.PrometheusRuleFailures.Enabled,
			Summary:   "Prometheus {{ $labels.instance }} fails to evaluate rules.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "instance"},
			Levels: thresholdLevels(cfg, c.Alerts.PrometheusRuleFailures, windows, func(t float64) (string, string) {
				return fmt.Sprintf("sum by (job, instance) (rate(%s[5m])) > %s", sel("prometheus_rule_evaluation_failures_total", c.PrometheusSelector), num(t)),
					fmt.Sprintf("Prometheus {{ $labels.instance }} failed {{ $value | humanize }} rule evaluations per second over the last 5m (threshold %s): alerts and recorded series depending on them are missing or wrong.", num(t))
			}),
			Fixture: &Fixture{
				Series: []FixtureSeries{counter(`prometheus_rule_evaluation_failures_total{job="prometheus", instance="localhost:9090", rule_group="perfwatch-http.rules"}`, func(v float64) float64 { return v * 60 })},
				Labels: map[string]string{"job": "prometheus", "instance": "localhost:9090"},
				Near:   func(t float64) (float64, float64) { return t, t + 1 },
			},
		},
		{
			Name:      "PrometheusErrorSendingAlerts",
			Enabled:   c.Alerts.PrometheusErrorSendingAlerts.Enabled,
			Summary:   "Prometheus {{ $labels.instance }} fails to send alerts to {{ $labels.alertmanager }}.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "instance", "alertmanager"},
			Levels: thresholdLevels(cfg, c.Alerts.PrometheusErrorSendingAlerts, windows, func(t float64) (string, string) {
				return promSending(t),
					fmt.Sprintf("{{ $value | humanizePercentage }} of the alerts Prometheus {{ $labels.instance }} sent to {{ $labels.alertmanager }} over the last 5m failed (threshold %s).", pct(t))
			}),
			Fixture: failureFixture(map[string]string{"job": "prometheus", "instance": "localhost:9090", "alertmanager": "http://localhost:9093/api/v2/alerts"},
				"prometheus_notifications_errors_total", "prometheus_notifications_sent_total"),
		},
		{
			Name:      "PrometheusNotConnectedToAlertmanagers",
			Enabled:   c.Alerts.PrometheusNotConnectedToAlertmanagers.Enabled,
			Summary:   "Prometheus {{ $labels.instance }} has no Alertmanager to send alerts to.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "instance"},
			Levels: fixedThreshold(1, thresholdLevels(cfg, c.Alerts.PrometheusNotConnectedToAlertmanagers, nil, func(float64) (string, string) {
				return NotConnectedToAlertmanagersExpr(c.PrometheusSelector),
					"Prometheus {{ $labels.instance }} of job {{ $labels.job }} has discovered no Alertmanager over the last 5m: the alerts it evaluates are sent nowhere. Its `alerting` configuration or the service discovery behind it is empty or wrong."
			})),
			Fixture: &Fixture{
				Series: []FixtureSeries{gauge(`prometheus_notifications_alertmanagers_discovered{job="prometheus", instance="localhost:9090"}`, func(v float64) float64 { return v })},
				Labels: map[string]string{"job": "prometheus", "instance": "localhost:9090"},
				Below:  true,
				Near:   func(float64) (float64, float64) { return 1, 0 },
				Clear:  2,
			},
		},
		{
			Name:      "AlertmanagerFailedToSendAlerts",
			Enabled:   c.Alerts.AlertmanagerFailedToSendAlerts.Enabled,
			Summary:   "Alertmanager {{ $labels.instance }} fails to deliver {{ $labels.integration }} notifications.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "instance", "integration"},
			Levels: thresholdLevels(cfg, c.Alerts.AlertmanagerFailedToSendAlerts, windows, func(t float64) (string, string) {
				return amSending(t),
					fmt.Sprintf("{{ $value | humanizePercentage }} of the {{ $labels.integration }} notifications of Alertmanager {{ $labels.instance }} failed over the last 5m (threshold %s).", pct(t))
			}),
			Fixture: failureFixture(map[string]string{"job": "alertmanager", "instance": "localhost:9093", "integration": "slack"},
				"alertmanager_notifications_failed_total", "alertmanager_notifications_total"),
		},
		{
			Name:      "AlertmanagerClusterFailedToSendAlerts",
			Enabled:   c.Alerts.AlertmanagerClusterFailedToSendAlerts.Enabled,
			Summary:   "Every member of Alertmanager cluster {{ $labels.job }} fails to deliver {{ $labels.integration }} notifications.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "integration"},
			Levels: thresholdLevels(cfg, c.Alerts.AlertmanagerClusterFailedToSendAlerts, windows, func(t float64) (string, string) {
				return ClusterFailedToSendExpr(c.AlertmanagerSelector, t),
					fmt.Sprintf("Even the member of Alertmanager cluster {{ $labels.job }} failing least failed {{ $value | humanizePercentage }} of its {{ $labels.integration }} notifications over the last 5m (threshold %s): no peer delivers them instead, so they are lost.", pct(t))
			}),
			// One member: its ratio is the cluster's. Two members, one failing, are in
			// the hand-written tests/ha-cluster.test.yml.
			Fixture: failureFixture(map[string]string{"job": "alertmanager", "instance": "localhost:9093", "integration": "slack"},
				"alertmanager_notifications_failed_total", "alertmanager_notifications_total").withLabels(map[string]string{"job": "alertmanager", "integration": "slack"}),
		},
		{
			Name:      "AlertmanagerMembersInconsistent",
			Enabled:   c.Alerts.AlertmanagerMembersInconsistent.Enabled,
			Summary:   "Alertmanager {{ $labels.instance }} has not found every member of its cluster.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "instance"},
			Levels: fixedThreshold(2, thresholdLevels(cfg, c.Alerts.AlertmanagerMembersInconsistent, nil, func(float64) (string, string) {
				return MembersInconsistentExpr(c.AlertmanagerSelector),
					"Alertmanager {{ $labels.instance }} counts its cluster at {{ $value }}, itself included, fewer than the Alertmanagers of job {{ $labels.job }}: the cluster is split, or a member cannot join or is down. A split cluster notifies once per part and a silence holds only on the part it was made on; with a member down, one more failure leaves nobody to notify."
			})),
			Fixture: &Fixture{
				Series: []FixtureSeries{
					gauge(`alertmanager_cluster_members{job="alertmanager", instance="am-1:9093"}`, func(v float64) float64 { return v }),
					gauge(`alertmanager_cluster_members{job="alertmanager", instance="am-2:9093"}`, func(float64) float64 { return 2 }),
					gauge(`up{job="alertmanager", instance="am-1:9093"}`, func(float64) float64 { return 1 }),
					gauge(`up{job="alertmanager", instance="am-2:9093"}`, func(float64) float64 { return 1 }),
				},
				Labels: map[string]string{"job": "alertmanager", "instance": "am-1:9093"},
				Below:  true,
				Near:   func(float64) (float64, float64) { return 2, 1 },
				Clear:  2,
			},
		},
		{
			Name:      "AlertmanagerConfigInconsistent",
			Enabled:   c.Alerts.AlertmanagerConfigInconsistent.Enabled,
			Summary:   "The members of Alertmanager cluster {{ $labels.job }} run different configurations.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job"},
			Levels: fixedThreshold(1, thresholdLevels(cfg, c.Alerts.AlertmanagerConfigInconsistent, nil, func(float64) (string, string) {
				return ConfigInconsistentExpr(c.AlertmanagerSelector),
					"The members of Alertmanager cluster {{ $labels.job }} have loaded {{ $value }} different configurations: how an alert is routed, grouped and inhibited depends on which member notifies it. Give every member the same alertmanager.yml and reload them."
			})),
			Fixture: &Fixture{
				// v distinct configurations: am-1's hash is 1000, am-2's 1000 v.
				Series: []FixtureSeries{
					gauge(`alertmanager_config_hash{job="alertmanager", instance="am-1:9093"}`, func(float64) float64 { return 1000 }),
					gauge(`alertmanager_config_hash{job="alertmanager", instance="am-2:9093"}`, func(v float64) float64 { return 1000 * v }),
				},
				Labels: map[string]string{"job": "alertmanager"},
				Near:   func(float64) (float64, float64) { return 1, 2 },
				Clear:  1,
			},
		},
		{
			Name:      "AlertSeverityUnknown",
			Enabled:   c.Alerts.AlertSeverityUnknown.Enabled,
			Summary:   "Alert {{ $labels.alert_name }} fires without a known severity.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job", "alert_name", "alert_severity"},
			Levels: thresholdLevels(cfg, c.Alerts.AlertSeverityUnknown, nil, func(float64) (string, string) {
				return severityUnknownExpr(),
					"{{ $value }} firing {{ $labels.alert_name }} alerts{{ with $labels.job }} of job {{ . }}{{ end }} have " +
						`{{ with $labels.alert_severity }}severity "{{ . }}"{{ else }}no severity label{{ end }}, not one of ` + knownSeverities(", ") +
						": Alertmanager sends them to Slack marked unknown severity, whatever their urgency, and no severity inhibition applies to them."
			}),
			// Hand-written tests (tests/alert-severity.test.yml) fire real rules with
			// unknown severities, since ALERTS is written by the rules, not scraped.
		},
	}
}

// knownSeverities joins the severities, lowest first.
func knownSeverities(sep string) string {
	names := make([]string, len(Severities))
	for i, s := range Severities {
		names[i] = string(s)
	}
	return strings.Join(names, sep)
}

// severityUnknownExpr selects the firing alerts of this Prometheus whose severity label is
// missing (an absent label matches as empty) or not a perfwatch severity. The offending
// name and severity move to alert_name and alert_severity, because the alert's own
// alertname and severity labels replace them; both come from rule files, so they are
// bounded. Pending alerts are left out: they have not reached Alertmanager yet.
func severityUnknownExpr() string {
	alerts := fmt.Sprintf(`ALERTS{alertstate="firing", severity!~"%s"}`, knownSeverities("|"))
	return "count by (job, alert_name, alert_severity) (\n" +
		"  label_replace(\n" +
		"    label_replace(" + alerts + `, "alert_name", "$1", "alertname", "(.*)"),` + "\n" +
		`    "alert_severity", "$1", "severity", "(.*)"` + "\n" +
		"  )\n" +
		")"
}

// NotConnectedToAlertmanagersExpr is PrometheusNotConnectedToAlertmanagers's
// condition: the most Alertmanagers a Prometheus discovered over 5m is none. The
// maximum over the window keeps a failed scrape or a brief empty discovery (a
// redeployed Alertmanager's DNS record) from making or resetting the alert.
func NotConnectedToAlertmanagersExpr(selector string) string {
	return fmt.Sprintf("max by (job, instance) (max_over_time(%s[5m])) < 1",
		sel("prometheus_notifications_alertmanagers_discovered", selector))
}

// ClusterFailedToSendExpr is AlertmanagerClusterFailedToSendAlerts's condition: the
// lowest failure share among a cluster's members is above threshold. A member that
// attempted nothing has the share 0/0, which min passes over, so a waiting member
// that never had to notify does not hide the failing one; one that took over and
// succeeded does.
func ClusterFailedToSendExpr(selector string, threshold float64) string {
	return fmt.Sprintf("min by (job, integration) (\n"+
		"  sum by (job, instance, integration) (rate(%s[5m]))\n"+
		"  /\n"+
		"  sum by (job, instance, integration) (rate(%s[5m]))\n"+
		")\n> %s",
		sel("alertmanager_notifications_failed_total", selector), sel("alertmanager_notifications_total", selector), num(threshold))
}

// MembersInconsistentExpr is AlertmanagerMembersInconsistent's condition, its value
// the members a member sees: fewer than the job's Alertmanager targets. Counting up
// rather than the members' own series (as the mixin does) counts a member that is
// down too, so the one left alone alerts. last_over_time bridges a failed scrape of
// the member (staleness markers leave its series empty) without delaying the alert,
// where the mixin's max_over_time adds its whole window to `for`.
func MembersInconsistentExpr(selector string) string {
	return fmt.Sprintf("max by (job, instance) (last_over_time(%s[5m]))\n"+
		"< on (job) group_left ()\n"+
		"count by (job) (%s)",
		sel("alertmanager_cluster_members", selector), sel("up", selector))
}

// ConfigInconsistentExpr is AlertmanagerConfigInconsistent's condition, its value
// the number of distinct configuration hashes among a cluster's members. The last
// hash of each member within 5m is counted, so a failed scrape neither hides a
// member's configuration nor resets `for`.
func ConfigInconsistentExpr(selector string) string {
	return fmt.Sprintf("count by (job) (\n"+
		"  count_values by (job) (\"config_hash\", last_over_time(%s[5m]))\n"+
		")\n> 1",
		sel("alertmanager_config_hash", selector))
}

// fixedThreshold gives conditions without a configured threshold the one their
// fixture compares against, for the test generator: the value fires below it.
func fixedThreshold(t float64, ls []AlertLevel) []AlertLevel {
	for i := range ls {
		ls[i].Threshold = t
	}
	return ls
}

// targetDownLevels gives up == 0 the threshold 1 for the test generator: the
// condition holds while up is below 1.
func targetDownLevels(ls []AlertLevel) []AlertLevel {
	for i := range ls {
		ls[i].Threshold = 1
	}
	return ls
}

// withLabels replaces the labels the alert carries: an aggregating alert keeps
// fewer than its input series have.
func (f *Fixture) withLabels(labels map[string]string) *Fixture {
	f.Labels = labels
	return f
}

// failureFixture fails share v of the attempts counted by total.
func failureFixture(labels map[string]string, failed, total string) *Fixture {
	return &Fixture{
		Series: []FixtureSeries{
			counter(failed+labelString(labels), func(v float64) float64 { return v * 1000 }),
			counter(total+labelString(labels), func(float64) float64 { return 1000 }),
		},
		Labels: labels,
	}
}
