package rulegen

import (
	"fmt"
	"strings"
)

// MonitoringConfig configures the alerts about the monitoring itself (section
// "monitoring"): scrape targets, Prometheus and Alertmanager.
type MonitoringConfig struct {
	TargetsSelector      string `yaml:"targets_selector"`
	PrometheusSelector   string `yaml:"prometheus_selector"`
	AlertmanagerSelector string `yaml:"alertmanager_selector"`
	Alerts               struct {
		TargetDown                     ThresholdAlert `yaml:"TargetDown"`
		PrometheusRuleFailures         ThresholdAlert `yaml:"PrometheusRuleFailures"`
		PrometheusErrorSendingAlerts   ThresholdAlert `yaml:"PrometheusErrorSendingAlerts"`
		AlertmanagerFailedToSendAlerts ThresholdAlert `yaml:"AlertmanagerFailedToSendAlerts"`
		AlertSeverityUnknown           ThresholdAlert `yaml:"AlertSeverityUnknown"`
	} `yaml:"alerts"`
}

type monitoringSection struct{ c *MonitoringConfig }

func (s monitoringSection) name() string { return "monitoring" }

func (s monitoringSection) validate(v *validator) {
	a := &s.c.Alerts
	v.thresholdAlert(a.TargetDown, false, nil, "monitoring", "alerts", "TargetDown")
	v.thresholdAlert(a.PrometheusRuleFailures, true, v.nonNegative, "monitoring", "alerts", "PrometheusRuleFailures")
	v.thresholdAlert(a.PrometheusErrorSendingAlerts, true, v.ratio, "monitoring", "alerts", "PrometheusErrorSendingAlerts")
	v.thresholdAlert(a.AlertmanagerFailedToSendAlerts, true, v.ratio, "monitoring", "alerts", "AlertmanagerFailedToSendAlerts")
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

// targetDownLevels gives up == 0 the threshold 1 for the test generator: the
// condition holds while up is below 1.
func targetDownLevels(ls []AlertLevel) []AlertLevel {
	for i := range ls {
		ls[i].Threshold = 1
	}
	return ls
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
