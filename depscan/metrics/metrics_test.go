package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

var scanned = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

func dep(eco depscan.Ecosystem, name, outdated, licence string, vulns int) scan.Dependency {
	return scan.Dependency{Package: depscan.Package{Name: name, Version: "1.0.0", Ecosystem: eco},
		Outdated: outdated, LicenceVerdict: licence, Vulnerabilities: vulns}
}

func finding(eco depscan.Ecosystem, pkg, sev string) scan.Finding {
	return scan.Finding{Package: pkg, Ecosystem: eco, ID: "X-" + pkg + "-" + sev, Severity: sev}
}

// report is two projects: "api" with Go and npm packages, "web" with PyPI ones.
func report() *scan.Report {
	api := scan.Project{Name: "api", Health: 40,
		Packages: []scan.Dependency{
			dep(depscan.Go, "golang.org/x/net", "minor", "allowed", 2),
			dep(depscan.Go, "golang.org/x/text", "current", "denied", 0),
			dep(depscan.Npm, "lodash", "major", "unknown", 1),
			dep(depscan.Npm, "left-pad", "unknown", "review", 0),
		},
		Findings: []scan.Finding{
			finding(depscan.Go, "golang.org/x/net", "critical"),
			finding(depscan.Go, "golang.org/x/net", "none"),
			finding(depscan.Npm, "lodash", "high"),
		},
	}
	api.Packages[3].Deprecated = "use String.prototype.padStart"
	web := scan.Project{Name: "web", Health: 100,
		Packages: []scan.Dependency{dep(depscan.PyPI, "requests", "patch", "", 0)},
		Findings: []scan.Finding{}}
	return &scan.Report{Root: ".", Scanned: scanned, Projects: []scan.Project{web, api}, Problems: []string{"a: broken", "b: note"}}
}

// The expected exposition is counted by hand from report(): every severity of each
// project × ecosystem with packages, the CVSS rating "none" as low, an outdated level
// per package not current, an empty licence verdict as unknown.
const wantReport = `
# HELP perfwatch_dependency_vulnerabilities Vulnerabilities found in a project's dependencies of an ecosystem, by severity (critical, high, medium, low, unknown), in the last successful scan.
# TYPE perfwatch_dependency_vulnerabilities gauge
perfwatch_dependency_vulnerabilities{ecosystem="Go",project="api",severity="critical"} 1
perfwatch_dependency_vulnerabilities{ecosystem="Go",project="api",severity="high"} 0
perfwatch_dependency_vulnerabilities{ecosystem="Go",project="api",severity="low"} 1
perfwatch_dependency_vulnerabilities{ecosystem="Go",project="api",severity="medium"} 0
perfwatch_dependency_vulnerabilities{ecosystem="Go",project="api",severity="unknown"} 0
perfwatch_dependency_vulnerabilities{ecosystem="npm",project="api",severity="critical"} 0
perfwatch_dependency_vulnerabilities{ecosystem="npm",project="api",severity="high"} 1
perfwatch_dependency_vulnerabilities{ecosystem="npm",project="api",severity="low"} 0
perfwatch_dependency_vulnerabilities{ecosystem="npm",project="api",severity="medium"} 0
perfwatch_dependency_vulnerabilities{ecosystem="npm",project="api",severity="unknown"} 0
perfwatch_dependency_vulnerabilities{ecosystem="PyPI",project="web",severity="critical"} 0
perfwatch_dependency_vulnerabilities{ecosystem="PyPI",project="web",severity="high"} 0
perfwatch_dependency_vulnerabilities{ecosystem="PyPI",project="web",severity="low"} 0
perfwatch_dependency_vulnerabilities{ecosystem="PyPI",project="web",severity="medium"} 0
perfwatch_dependency_vulnerabilities{ecosystem="PyPI",project="web",severity="unknown"} 0
# HELP perfwatch_dependency_outdated Dependencies of a project and ecosystem behind their latest release, by level (patch, minor, major; unknown when the registry was not consulted), in the last successful scan.
# TYPE perfwatch_dependency_outdated gauge
perfwatch_dependency_outdated{ecosystem="Go",level="major",project="api"} 0
perfwatch_dependency_outdated{ecosystem="Go",level="minor",project="api"} 1
perfwatch_dependency_outdated{ecosystem="Go",level="patch",project="api"} 0
perfwatch_dependency_outdated{ecosystem="Go",level="unknown",project="api"} 0
perfwatch_dependency_outdated{ecosystem="npm",level="major",project="api"} 1
perfwatch_dependency_outdated{ecosystem="npm",level="minor",project="api"} 0
perfwatch_dependency_outdated{ecosystem="npm",level="patch",project="api"} 0
perfwatch_dependency_outdated{ecosystem="npm",level="unknown",project="api"} 1
perfwatch_dependency_outdated{ecosystem="PyPI",level="major",project="web"} 0
perfwatch_dependency_outdated{ecosystem="PyPI",level="minor",project="web"} 0
perfwatch_dependency_outdated{ecosystem="PyPI",level="patch",project="web"} 1
perfwatch_dependency_outdated{ecosystem="PyPI",level="unknown",project="web"} 0
# HELP perfwatch_dependency_packages Dependencies of a project in an ecosystem, in the last successful scan.
# TYPE perfwatch_dependency_packages gauge
perfwatch_dependency_packages{ecosystem="Go",project="api"} 2
perfwatch_dependency_packages{ecosystem="npm",project="api"} 2
perfwatch_dependency_packages{ecosystem="PyPI",project="web"} 1
# HELP perfwatch_dependency_vulnerable_packages Dependencies of a project in an ecosystem with at least one vulnerability, in the last successful scan.
# TYPE perfwatch_dependency_vulnerable_packages gauge
perfwatch_dependency_vulnerable_packages{ecosystem="Go",project="api"} 1
perfwatch_dependency_vulnerable_packages{ecosystem="npm",project="api"} 1
perfwatch_dependency_vulnerable_packages{ecosystem="PyPI",project="web"} 0
# HELP perfwatch_dependency_deprecated Dependencies of a project in an ecosystem deprecated by their registry, or whose version is yanked or retracted, in the last successful scan.
# TYPE perfwatch_dependency_deprecated gauge
perfwatch_dependency_deprecated{ecosystem="Go",project="api"} 0
perfwatch_dependency_deprecated{ecosystem="npm",project="api"} 1
perfwatch_dependency_deprecated{ecosystem="PyPI",project="web"} 0
# HELP perfwatch_dependency_health_score Health score of a project, 0 to 100 (docs/depscan.md), in the last successful scan.
# TYPE perfwatch_dependency_health_score gauge
perfwatch_dependency_health_score{project="api"} 40
perfwatch_dependency_health_score{project="web"} 100
# HELP perfwatch_dependency_licence_violations Dependencies of a project whose licence the policy denies, in the last successful scan.
# TYPE perfwatch_dependency_licence_violations gauge
perfwatch_dependency_licence_violations{project="api"} 1
perfwatch_dependency_licence_violations{project="web"} 0
# HELP perfwatch_dependency_licence_unknown Dependencies of a project whose licence was not found or not understood, in the last successful scan.
# TYPE perfwatch_dependency_licence_unknown gauge
perfwatch_dependency_licence_unknown{project="api"} 1
perfwatch_dependency_licence_unknown{project="web"} 1
# HELP perfwatch_depscan_projects Projects found under the scanned roots in the last successful scan, including those folded into project="_other" beyond the cap.
# TYPE perfwatch_depscan_projects gauge
perfwatch_depscan_projects 2
# HELP perfwatch_depscan_problems Files that could not be read or parsed, and entries the parsers skipped, in the last successful scan (listed in the JSON report).
# TYPE perfwatch_depscan_problems gauge
perfwatch_depscan_problems 2
# HELP perfwatch_depscan_advisories Advisories in the OSV database the last successful scan matched against.
# TYPE perfwatch_depscan_advisories gauge
perfwatch_depscan_advisories 17
`

// wantSelf is the scanner's own metrics after one success (1.5 s) and, when failed,
// a failure (0.25 s) after it.
func wantSelf(failed bool) string {
	duration, failures := "1.5", "0"
	if failed {
		duration, failures = "0.25", "1"
	}
	return fmt.Sprintf(`
# HELP perfwatch_depscan_scan_duration_seconds Duration of the last scan, successful or not.
# TYPE perfwatch_depscan_scan_duration_seconds gauge
perfwatch_depscan_scan_duration_seconds %s
# HELP perfwatch_depscan_last_success_timestamp_seconds Unix time the last successful scan started; 0 before the first.
# TYPE perfwatch_depscan_last_success_timestamp_seconds gauge
perfwatch_depscan_last_success_timestamp_seconds %d
# HELP perfwatch_depscan_scans_total Scans run, by result (success, failure).
# TYPE perfwatch_depscan_scans_total counter
perfwatch_depscan_scans_total{result="failure"} %s
perfwatch_depscan_scans_total{result="success"} 1
`, duration, scanned.Unix(), failures)
}

func TestCollector(t *testing.T) {
	for _, tt := range []struct {
		name   string
		failed bool
	}{
		{"success", false},
		// A failed scan keeps the last report's gauges and its timestamp.
		{"failure after success", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{})
			c.Succeeded(report(), 1500*time.Millisecond, 17)
			if tt.failed {
				c.Failed(250 * time.Millisecond)
			}
			if err := testutil.CollectAndCompare(c, strings.NewReader(wantReport+wantSelf(tt.failed))); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCollectorBeforeFirstScan(t *testing.T) {
	c := New(Options{})
	const want = `
# HELP perfwatch_depscan_last_success_timestamp_seconds Unix time the last successful scan started; 0 before the first.
# TYPE perfwatch_depscan_last_success_timestamp_seconds gauge
perfwatch_depscan_last_success_timestamp_seconds 0
# HELP perfwatch_depscan_scans_total Scans run, by result (success, failure).
# TYPE perfwatch_depscan_scans_total counter
perfwatch_depscan_scans_total{result="failure"} 0
perfwatch_depscan_scans_total{result="success"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}

// TestFold caps the projects at one: "web" sorts after "api" and is folded, keeping
// its counts and its score (the worse of the folded ones).
func TestFold(t *testing.T) {
	for _, tt := range []struct {
		max                  int
		wantHealth, wantPkgs string
	}{
		{max: 1,
			wantHealth: "perfwatch_dependency_health_score{project=\"_other\"} 100\nperfwatch_dependency_health_score{project=\"api\"} 40\n",
			wantPkgs:   "perfwatch_dependency_packages{ecosystem=\"Go\",project=\"api\"} 2\nperfwatch_dependency_packages{ecosystem=\"PyPI\",project=\"_other\"} 1\nperfwatch_dependency_packages{ecosystem=\"npm\",project=\"api\"} 2\n"},
		{max: 0, // the default cap: nothing folded
			wantHealth: "perfwatch_dependency_health_score{project=\"api\"} 40\nperfwatch_dependency_health_score{project=\"web\"} 100\n",
			wantPkgs:   "perfwatch_dependency_packages{ecosystem=\"Go\",project=\"api\"} 2\nperfwatch_dependency_packages{ecosystem=\"PyPI\",project=\"web\"} 1\nperfwatch_dependency_packages{ecosystem=\"npm\",project=\"api\"} 2\n"},
	} {
		c := New(Options{MaxProjects: tt.max})
		r := report()
		// A third project folded with "web" when the cap is 1: the fold's score is the
		// worst of the two, its packages summed.
		r.Projects = append(r.Projects, scan.Project{Name: "worker", Health: 70,
			Packages: []scan.Dependency{dep(depscan.PyPI, "celery", "current", "allowed", 0)}})
		c.Succeeded(r, time.Second, 1)
		health, pkgs := tt.wantHealth, tt.wantPkgs
		if tt.max == 1 {
			health = strings.Replace(health, "_other\"} 100", "_other\"} 70", 1)
			pkgs = strings.Replace(pkgs, "_other\"} 1", "_other\"} 2", 1)
		} else {
			health += "perfwatch_dependency_health_score{project=\"worker\"} 70\n"
			pkgs += "perfwatch_dependency_packages{ecosystem=\"PyPI\",project=\"worker\"} 1\n"
		}
		want := "# HELP perfwatch_dependency_health_score Health score of a project, 0 to 100 (docs/depscan.md), in the last successful scan.\n# TYPE perfwatch_dependency_health_score gauge\n" + health +
			"# HELP perfwatch_dependency_packages Dependencies of a project in an ecosystem, in the last successful scan.\n# TYPE perfwatch_dependency_packages gauge\n" + pkgs
		if err := testutil.CollectAndCompare(c, strings.NewReader(want), "perfwatch_dependency_health_score", "perfwatch_dependency_packages"); err != nil {
			t.Errorf("max %d: %v", tt.max, err)
		}
	}
}

func TestLint(t *testing.T) {
	c := New(Options{})
	c.Succeeded(report(), time.Second, 3)
	problems, err := testutil.CollectAndLint(c)
	if err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Gather(); err != nil {
		t.Error(err)
	}
}
