package rulegen

import (
	"fmt"
)

// DepscanConfig configures the rules over perfwatch-depscan's metrics (section
// "depscan"): vulnerabilities, health scores, licence violations and the scanner's
// freshness, from `perfwatch-depscan serve` or its textfile read by node_exporter.
type DepscanConfig struct {
	// Selector holds label matchers selecting the scanner's series (its scrape job, or
	// node_exporter's for the textfile); the stale alert's absence branch needs a job.
	Selector string `yaml:"selector"`
	// NewWithin: DependencyVulnerabilityNew fires while a project's count of critical
	// or high vulnerabilities is above its lowest value over this window, or the
	// project was not scanned this long ago.
	NewWithin Duration `yaml:"new_within"`
	// MaxScanAge: DependencyScanStale fires when the last successful scan is older.
	MaxScanAge Duration `yaml:"max_scan_age"`
	// HistoryWindow: DependencyScanStale also fires when the scanner's metrics existed
	// within this window and are gone now.
	HistoryWindow Duration `yaml:"history_window"`
	Alerts        struct {
		DependencyVulnerabilityNew ThresholdAlert `yaml:"DependencyVulnerabilityNew"`
		DependencyHealthLow        ThresholdAlert `yaml:"DependencyHealthLow"`
		DependencyLicenceViolation ThresholdAlert `yaml:"DependencyLicenceViolation"`
		DependencyScanStale        ThresholdAlert `yaml:"DependencyScanStale"`
	} `yaml:"alerts"`
}

const (
	depVulns         = "perfwatch_dependency_vulnerabilities"
	depHealth        = "perfwatch_dependency_health_score"
	depViolations    = "perfwatch_dependency_licence_violations"
	depscanLastOK    = "perfwatch_depscan_last_success_timestamp_seconds"
	dashboardDepscan = "perfwatch-dependencies"
)

type depscanSection struct{ c *DepscanConfig }

func (s depscanSection) name() string { return "depscan" }

func (s depscanSection) validate(v *validator) {
	c := s.c
	v.positive(c.NewWithin, "depscan", "new_within")
	v.positive(c.MaxScanAge, "depscan", "max_scan_age")
	v.positive(c.HistoryWindow, "depscan", "history_window")
	a := &c.Alerts
	v.thresholdAlert(a.DependencyVulnerabilityNew, false, nil, "depscan", "alerts", "DependencyVulnerabilityNew")
	v.thresholdAlert(a.DependencyHealthLow, true, func(f float64, path ...string) {
		if !(f > 0 && f <= 100) {
			v.add(fmt.Sprintf("must be a score above 0 and at most 100, got %g", f), path...)
		}
	}, "depscan", "alerts", "DependencyHealthLow")
	v.thresholdAlert(a.DependencyLicenceViolation, true, v.nonNegative, "depscan", "alerts", "DependencyLicenceViolation")
	v.thresholdAlert(a.DependencyScanStale, false, nil, "depscan", "alerts", "DependencyScanStale")
}

// The scanner's gauges already are the counts; recording them again would copy them.
func (s depscanSection) recording(*Config) []Recording { return nil }

func (s depscanSection) alerts(cfg *Config) []*Alert {
	c := s.c
	serious := sel(depVulns, c.Selector, `severity=~"critical|high"`)
	window := c.NewWithin.String()
	// The metric's severity label would be overwritten by the alert's own: it is
	// carried as vulnerability_severity instead.
	relabel := func(expr string) string {
		return fmt.Sprintf(`label_replace(%s, "vulnerability_severity", "$1", "severity", "(.*)")`, expr)
	}
	lastOK := fmt.Sprintf("max by (job, instance) (%s)", sel(depscanLastOK, c.Selector))
	return []*Alert{
		{
			Name:      "DependencyVulnerabilityNew",
			Enabled:   c.Alerts.DependencyVulnerabilityNew.Enabled,
			Summary:   "New {{ $labels.vulnerability_severity }} vulnerability in the {{ $labels.ecosystem }} dependencies of {{ $labels.project }}.",
			Dashboard: dashboardDepscan,
			Labels:    []string{"job", "instance", "project", "ecosystem", "vulnerability_severity"},
			Levels: thresholdLevels(cfg, c.Alerts.DependencyVulnerabilityNew, nil, func(float64) (string, string) {
				// "New" is a rise of the count within the window, or a project × ecosystem
				// not scanned a window ago (a new project, the first day of monitoring). A
				// vulnerability that stays is then reported once, not every day: the
				// health alert and the dashboard keep showing it.
				return relabel(fmt.Sprintf("(\n  %s\n  > min_over_time(%s[%s])\n)\nor\n(\n  %s > 0\n  unless\n  %s offset %s\n)",
						serious, serious, window, serious, serious, window)),
					fmt.Sprintf("The %s dependencies of project {{ $labels.project }} have {{ $value }} {{ $labels.vulnerability_severity }} vulnerabilities, more than at any time in the last %s (or the project is new to the scanner): the scanner's /api/v1/report (or `perfwatch-depscan scan --format=json`) lists them with their fixed versions.", "{{ $labels.ecosystem }}", window)
			}),
			// Its value depends on the series' history over the window, which the
			// generated threshold fixtures do not model: tests/depscan.test.yml tests it by hand.
		},
		{
			Name:      "DependencyHealthLow",
			Enabled:   c.Alerts.DependencyHealthLow.Enabled,
			Summary:   "Dependency health of {{ $labels.project }} is low.",
			Dashboard: dashboardDepscan,
			Labels:    []string{"job", "instance", "project"},
			Levels: thresholdLevels(cfg, c.Alerts.DependencyHealthLow, nil, func(t float64) (string, string) {
				return sel(depHealth, c.Selector) + " < " + num(t),
					fmt.Sprintf("The dependencies of project {{ $labels.project }} score {{ $value }} out of 100 (threshold %s): a high or critical vulnerability caps the score at 60, a denied licence at 70, and many outdated, deprecated or unknown-licence packages lower it (docs/depscan.md).", num(t))
			}),
			Fixture: &Fixture{
				Series: []FixtureSeries{
					gauge(depHealth+`{job="perfwatch-depscan", instance="localhost:9113", project="services/api"}`, func(v float64) float64 { return v }),
					gauge(depHealth+`{job="perfwatch-depscan", instance="localhost:9113", project="web"}`, func(float64) float64 { return 100 }),
				},
				Labels: map[string]string{"job": "perfwatch-depscan", "instance": "localhost:9113", "project": "services/api"},
				Below:  true,
				// Scores are integers: one point either side.
				Near:  func(t float64) (float64, float64) { return t, t - 1 },
				Clear: 100,
			},
		},
		{
			Name:      "DependencyLicenceViolation",
			Enabled:   c.Alerts.DependencyLicenceViolation.Enabled,
			Summary:   "Dependencies of {{ $labels.project }} have licences the policy denies.",
			Dashboard: dashboardDepscan,
			Labels:    []string{"job", "instance", "project"},
			Levels: thresholdLevels(cfg, c.Alerts.DependencyLicenceViolation, nil, func(t float64) (string, string) {
				return sel(depViolations, c.Selector) + " > " + num(t),
					fmt.Sprintf("{{ $value }} dependencies of project {{ $labels.project }} carry a licence the licence policy denies (more than %s): the report's licence_verdict says which and where the licence was found.", num(t))
			}),
			Fixture: &Fixture{
				Series: []FixtureSeries{
					gauge(depViolations+`{job="perfwatch-depscan", instance="localhost:9113", project="services/api"}`, func(v float64) float64 { return v }),
					gauge(depViolations+`{job="perfwatch-depscan", instance="localhost:9113", project="web"}`, func(float64) float64 { return 0 }),
				},
				Labels: map[string]string{"job": "perfwatch-depscan", "instance": "localhost:9113", "project": "services/api"},
				Near:   func(t float64) (float64, float64) { return t, t + 1 },
			},
		},
		{
			Name:      "DependencyScanStale",
			Enabled:   c.Alerts.DependencyScanStale.Enabled,
			Summary:   "The dependency scan results of {{ $labels.job }} are stale.",
			Dashboard: dashboardDepscan,
			Labels:    []string{"job", "instance"},
			Levels: thresholdLevels(cfg, c.Alerts.DependencyScanStale, nil, func(float64) (string, string) {
				// Three ways to be stale: the last success is old; no scan has
				// succeeded since the start (timestamp 0); the metrics are gone though
				// they existed within the history window (the target vanished from
				// discovery, or it is down). The last is absent() for a scanner that
				// was there, so a stack without perfwatch-depscan stays silent.
				return fmt.Sprintf("time() - (%s > 0) > %s\nor\n%s == 0\nor\n(\n  group by (job) (max_over_time(%s[%s]))\n  unless on (job)\n  group by (job) (%s)\n)",
						lastOK, seconds(c.MaxScanAge), lastOK, sel(depscanLastOK, c.Selector), c.HistoryWindow, sel(depscanLastOK, c.Selector)),
					fmt.Sprintf("{{ if not $labels.instance }}Prometheus has no metrics of perfwatch-depscan job {{ $labels.job }} now, though it had within the last %s{{ else if eq $value 0.0 }}perfwatch-depscan {{ $labels.instance }} has not finished a scan since it started{{ else }}perfwatch-depscan {{ $labels.instance }} finished its last successful scan {{ $value | humanizeDuration }} ago (limit %s){{ end }}: vulnerabilities published and dependencies changed since are not in its metrics.", c.HistoryWindow, c.MaxScanAge)
			}),
			// The age grows with time(): tests/depscan.test.yml tests it by hand.
		},
	}
}
