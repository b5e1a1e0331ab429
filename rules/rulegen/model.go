package rulegen

import (
	"sort"
)

// section is one rule group's generator: a Go file and a block of the configuration.
// Its rules go to perfwatch-<name>.rules.yml (recording rules in group
// perfwatch-<name>.rules, evaluated first, alerts in perfwatch-<name>.alerts) and its
// generated promtool tests to tests/perfwatch-<name>.test.yml. A section's rules depend
// only on raw metrics and on its own recording rules, so its file stands alone.
type section interface {
	name() string
	validate(v *validator)
	recording(c *Config) []Recording
	alerts(c *Config) []*Alert
}

// Recording is a recording rule.
type Recording struct {
	Record string
	Expr   string
	Labels map[string]string
}

// Alert is an alert name with one rule per level. The levels share the name,
// summary and links; each has its own severity, expression and `for`.
type Alert struct {
	Name    string
	Enabled bool
	// Summary and Description are Prometheus annotation templates; Description is
	// per level because it states the level's threshold.
	Summary string
	// Dashboard is the Grafana dashboard uid for dashboard_url.
	Dashboard string
	// Labels are the labels the alert's expression keeps (its "by" labels); the
	// Alertmanager inhibition rules must compare all of them.
	Labels []string
	Levels []AlertLevel
	// Fixture describes input series for the generated promtool tests; nil when the
	// alert's tests are written by hand in rules/tests/.
	Fixture *Fixture
}

// AlertLevel is one severity of an alert.
type AlertLevel struct {
	Severity Severity
	// Labels are added besides severity (e.g. the SLO windows).
	Labels      map[string]string
	Expr        string
	For         Duration
	Description string
	// Threshold and Windows feed the test generator: the level's condition holds when
	// the value averaged over each window is above Threshold (below when the fixture
	// says Below); no windows means an instantaneous gauge. The alert's value is the
	// average over the first window.
	Threshold float64
	Windows   []Duration
}

// sortLevels orders levels by severity, then by their extra labels, so output is stable.
func sortLevels(ls []AlertLevel) {
	sort.SliceStable(ls, func(i, j int) bool {
		return ls[i].Severity.Rank() < ls[j].Severity.Rank()
	})
}

// thresholdLevels turns configured levels into AlertLevels sorted by severity; build
// returns the expression and description for a threshold.
func thresholdLevels(c *Config, a ThresholdAlert, windows []Duration, build func(threshold float64) (expr, description string)) []AlertLevel {
	var ls []AlertLevel
	for sev, l := range a.Levels {
		var t float64
		if l.Threshold != nil {
			t = *l.Threshold
		}
		expr, desc := build(t)
		ls = append(ls, AlertLevel{Severity: sev, Expr: expr, For: c.holdFor(l.For), Description: desc, Threshold: t, Windows: windows})
	}
	sortLevels(ls)
	return ls
}
