// Package metrics turns perfwatch-depscan's scan reports into Prometheus metrics: per
// project and ecosystem the vulnerabilities by severity, the outdated packages by
// level, the packages and the deprecated ones; per project the health score and the
// licence violations; and the scanner's own scans, their duration and last success.
//
// Labels are bounded: package names and advisory IDs stay in the JSON report, and the
// projects are those found under the scanned roots, at most Options.MaxProjects of them
// (the rest are folded into project="_other", docs/metrics.md).
package metrics

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

// DefaultMaxProjects is the project cap when Options.MaxProjects is zero.
const DefaultMaxProjects = 100

// OtherProject is the project label of the projects beyond the cap.
const OtherProject = "_other"

// Severities are the severity label's values, most severe first: every one is
// exposed, as 0 when no finding has it, so that an absent series means no such
// project rather than no such vulnerability.
func Severities() []string { return []string{"critical", "high", "medium", "low", "unknown"} }

// Levels are the outdated metric's level values: how far behind the latest release a
// package is; unknown while the registry was not consulted or did not answer. Packages
// that are current are the packages less these.
func Levels() []string { return []string{"patch", "minor", "major", "unknown"} }

// Options configure a Collector.
type Options struct {
	// MaxProjects caps the project label's values; zero means DefaultMaxProjects.
	MaxProjects int
}

// Collector exposes the last successful scan's results and the scanner's counters.
// It is safe for concurrent use: Succeeded and Failed may run while Prometheus scrapes.
type Collector struct {
	max int

	mu         sync.Mutex
	snap       snapshot
	duration   float64
	lastOK     float64
	successes  float64
	failures   float64
	advisories float64
}

// New returns a Collector with no scan yet: its per-project gauges are absent and its
// last-success timestamp is 0 until the first scan succeeds.
func New(o Options) *Collector {
	if o.MaxProjects <= 0 {
		o.MaxProjects = DefaultMaxProjects
	}
	return &Collector{max: o.MaxProjects}
}

// Succeeded records a successful scan: its report becomes what the gauges say until
// the next success, took is the scan's duration and advisories the entries of the
// database it ran against.
func (c *Collector) Succeeded(r *scan.Report, took time.Duration, advisories int) {
	s := summarize(r, c.max)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap = s
	c.duration = took.Seconds()
	c.lastOK = float64(r.Scanned.UnixNano()) / 1e9
	c.successes++
	c.advisories = float64(advisories)
}

// Failed records a failed scan. The gauges keep the last good report and the
// last-success timestamp stays old, which is what the stale alert watches.
func (c *Collector) Failed(took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.duration = took.Seconds()
	c.failures++
}

var (
	descVulns = prometheus.NewDesc("perfwatch_dependency_vulnerabilities",
		"Vulnerabilities found in a project's dependencies of an ecosystem, by severity (critical, high, medium, low, unknown), in the last successful scan.",
		[]string{"project", "ecosystem", "severity"}, nil)
	descOutdated = prometheus.NewDesc("perfwatch_dependency_outdated",
		"Dependencies of a project and ecosystem behind their latest release, by level (patch, minor, major; unknown when the registry was not consulted), in the last successful scan.",
		[]string{"project", "ecosystem", "level"}, nil)
	descPackages = prometheus.NewDesc("perfwatch_dependency_packages",
		"Dependencies of a project in an ecosystem, in the last successful scan.",
		[]string{"project", "ecosystem"}, nil)
	descVulnerable = prometheus.NewDesc("perfwatch_dependency_vulnerable_packages",
		"Dependencies of a project in an ecosystem with at least one vulnerability, in the last successful scan.",
		[]string{"project", "ecosystem"}, nil)
	descDeprecated = prometheus.NewDesc("perfwatch_dependency_deprecated",
		"Dependencies of a project in an ecosystem deprecated by their registry, or whose version is yanked or retracted, in the last successful scan.",
		[]string{"project", "ecosystem"}, nil)
	descHealth = prometheus.NewDesc("perfwatch_dependency_health_score",
		"Health score of a project, 0 to 100 (docs/depscan.md), in the last successful scan.",
		[]string{"project"}, nil)
	descViolations = prometheus.NewDesc("perfwatch_dependency_licence_violations",
		"Dependencies of a project whose licence the policy denies, in the last successful scan.",
		[]string{"project"}, nil)
	descLicUnknown = prometheus.NewDesc("perfwatch_dependency_licence_unknown",
		"Dependencies of a project whose licence was not found or not understood, in the last successful scan.",
		[]string{"project"}, nil)
	descProjects = prometheus.NewDesc("perfwatch_depscan_projects",
		"Projects found under the scanned roots in the last successful scan, including those folded into project=\"_other\" beyond the cap.",
		nil, nil)
	descDuration = prometheus.NewDesc("perfwatch_depscan_scan_duration_seconds",
		"Duration of the last scan, successful or not.", nil, nil)
	descLastOK = prometheus.NewDesc("perfwatch_depscan_last_success_timestamp_seconds",
		"Unix time the last successful scan started; 0 before the first.", nil, nil)
	descScans = prometheus.NewDesc("perfwatch_depscan_scans_total",
		"Scans run, by result (success, failure).", []string{"result"}, nil)
	descProblems = prometheus.NewDesc("perfwatch_depscan_problems",
		"Files that could not be read or parsed, and entries the parsers skipped, in the last successful scan (listed in the JSON report).", nil, nil)
	descAdvisories = prometheus.NewDesc("perfwatch_depscan_advisories",
		"Advisories in the OSV database the last successful scan matched against.", nil, nil)
)

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descVulns, descOutdated, descPackages, descVulnerable, descDeprecated,
		descHealth, descViolations, descLicUnknown, descProjects, descDuration, descLastOK, descScans, descProblems, descAdvisories} {
		ch <- d
	}
}

// Collect sends the last successful scan's gauges and the scanner's own metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	s, duration, lastOK, ok, failed, advisories := c.snap, c.duration, c.lastOK, c.successes, c.failures, c.advisories
	c.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, e := range s.ecosystems {
		for i, sev := range Severities() {
			gauge(descVulns, float64(e.vulns[i]), e.project, e.ecosystem, sev)
		}
		for i, l := range Levels() {
			gauge(descOutdated, float64(e.outdated[i]), e.project, e.ecosystem, l)
		}
		gauge(descPackages, float64(e.packages), e.project, e.ecosystem)
		gauge(descVulnerable, float64(e.vulnerable), e.project, e.ecosystem)
		gauge(descDeprecated, float64(e.deprecated), e.project, e.ecosystem)
	}
	for _, p := range s.projects {
		gauge(descHealth, float64(p.health), p.name)
		gauge(descViolations, float64(p.denied), p.name)
		gauge(descLicUnknown, float64(p.unknown), p.name)
	}
	if lastOK > 0 {
		gauge(descProjects, float64(s.found))
		gauge(descProblems, float64(s.problems))
		gauge(descAdvisories, advisories)
	}
	if ok+failed > 0 {
		gauge(descDuration, duration)
	}
	gauge(descLastOK, lastOK)
	ch <- prometheus.MustNewConstMetric(descScans, prometheus.CounterValue, ok, "success")
	ch <- prometheus.MustNewConstMetric(descScans, prometheus.CounterValue, failed, "failure")
}

// snapshot is a report reduced to its metrics' values, built once per scan so that a
// scrape does not walk every package.
type snapshot struct {
	ecosystems []ecosystemRow
	projects   []projectRow
	found      int
	problems   int
}

type ecosystemRow struct {
	project, ecosystem string
	vulns              [5]int // by Severities()
	outdated           [4]int // by Levels()
	packages           int
	vulnerable         int
	deprecated         int
}

type projectRow struct {
	name            string
	health          int
	denied, unknown int
}

// summarize counts a report's findings and packages per project and ecosystem. Beyond
// the first max projects by name the rest are summed into OtherProject, whose health
// is the worst of theirs: the cap bounds the series, and the fold keeps every finding
// counted and the worst score visible.
func summarize(r *scan.Report, max int) snapshot {
	s := snapshot{found: len(r.Projects), problems: len(r.Problems)}
	projects := slices.Clone(r.Projects)
	slices.SortFunc(projects, func(a, b scan.Project) int { return cmp.Compare(a.Name, b.Name) })
	eco := map[[2]string]*ecosystemRow{}
	prj := map[string]*projectRow{}
	for i, p := range projects {
		name := p.Name
		if i >= max {
			name = OtherProject
		}
		pr := prj[name]
		if pr == nil {
			pr = &projectRow{name: name, health: p.Health}
			prj[name] = pr
		}
		pr.health = min(pr.health, p.Health)
		row := func(e depscan.Ecosystem) *ecosystemRow {
			k := [2]string{name, string(e)}
			if eco[k] == nil {
				eco[k] = &ecosystemRow{project: name, ecosystem: string(e)}
			}
			return eco[k]
		}
		for _, d := range p.Packages {
			er := row(d.Ecosystem)
			er.packages++
			if d.Vulnerabilities > 0 {
				er.vulnerable++
			}
			if d.Deprecated != "" || d.Yanked != "" {
				er.deprecated++
			}
			if l := slices.Index(Levels(), d.Outdated); l >= 0 {
				er.outdated[l]++
			} else if d.Outdated != "current" {
				er.outdated[len(Levels())-1]++ // an empty or new word is not "current"
			}
			switch d.LicenceVerdict {
			case "denied":
				pr.denied++
			case "allowed", "review":
			default:
				pr.unknown++
			}
		}
		for _, f := range p.Findings {
			row(f.Ecosystem).vulns[severityIndex(f.Severity)]++
		}
	}
	for _, r := range eco {
		s.ecosystems = append(s.ecosystems, *r)
	}
	slices.SortFunc(s.ecosystems, func(a, b ecosystemRow) int {
		return cmp.Or(cmp.Compare(a.project, b.project), cmp.Compare(a.ecosystem, b.ecosystem))
	})
	for _, p := range prj {
		s.projects = append(s.projects, *p)
	}
	slices.SortFunc(s.projects, func(a, b projectRow) int { return cmp.Compare(a.name, b.name) })
	return s
}

// severityIndex places a finding's severity among Severities(): a CVSS rating of none
// still names a vulnerability and counts as low, as the health score counts it.
func severityIndex(sev string) int {
	if sev == "none" {
		sev = "low"
	}
	if i := slices.Index(Severities(), sev); i >= 0 {
		return i
	}
	return len(Severities()) - 1
}
