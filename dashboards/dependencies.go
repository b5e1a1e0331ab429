package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// UIDDependencies is the uid of the Dependencies dashboard, the depscan alerts'
// dashboard_url.
const UIDDependencies = "perfwatch-dependencies"

// healthThreshold is DependencyHealthLow's threshold in rules/config.yml.
const healthThreshold = 70.0

// dependencies is perfwatch-depscan's view (issue #16): the vulnerabilities of each
// project's dependencies by severity, the packages behind their latest release by
// level, the health scores, the licence violations, and how fresh and how fast the
// scans are. Package names are not labels: the panels count, the scanner's
// /api/v1/report names.
func dependencies() (dashboard.Dashboard, error) {
	m := func(metric, extra string) string {
		return metric + `{job=~"$job", instance=~"$instance", project=~"$project"` + extra + `}`
	}
	self := func(metric string) string { return metric + `{job=~"$job", instance=~"$instance"}` }
	vulns := func(extra string) string { return m("perfwatch_dependency_vulnerabilities", extra) }
	health := m("perfwatch_dependency_health_score", "")
	violations := m("perfwatch_dependency_licence_violations", "")
	return newDashboard(UIDDependencies, "perfwatch / Dependencies",
		"What perfwatch-depscan found in the projects' lockfiles: vulnerabilities by severity and project, packages behind their latest release, health scores (0 to 100; below 70 alerts), licence violations, and the scanner's freshness. The packages, advisories and fixed versions are in the scanner's /api/v1/report (docs/depscan.md).",
		"perfwatch_depscan_last_success_timestamp_seconds").
		WithVariable(labelVariable("project", "Project", `label_values(perfwatch_dependency_health_score{job=~"$job"}, project)`)).
		WithRow(row("Now")).
		WithPanel(singleStat("Critical vulnerabilities", "Findings rated critical (CVSS 9.0 or more) in the selected projects' dependencies. DependencyVulnerabilityNew fires when the count rises.", "short", 6,
			query(`sum(`+vulns(`, severity="critical"`)+`)`, "critical"),
			step(nil, "green"), step(num(1), "red"))).
		WithPanel(singleStat("High vulnerabilities", "Findings rated high (CVSS 7.0 to 8.9). DependencyVulnerabilityNew fires when the count rises.", "short", 6,
			query(`sum(`+vulns(`, severity="high"`)+`)`, "high"),
			step(nil, "green"), step(num(1), "orange"))).
		WithPanel(singleStat("Lowest health score", "The lowest health score of the selected projects (0 to 100). DependencyHealthLow fires below 70: a high or critical vulnerability caps a project at 60, a denied licence at 70.", "none", 6,
			query(`min(`+health+`)`, "lowest"),
			step(nil, "red"), step(num(healthThreshold), "orange"), step(num(90), "green"))).
		WithPanel(singleStat("Licence violations", "Dependencies of the selected projects whose licence the policy denies. DependencyLicenceViolation fires above 0.", "short", 6,
			query(`sum(`+violations+`)`, "denied"),
			step(nil, "green"), step(num(1), "orange"))).
		WithRow(row("Vulnerabilities")).
		WithPanel(stacked("Vulnerabilities by severity", "Findings in the selected projects by severity; unknown is an advisory without a rating (counted as medium by the health score).", "short", 12, 9,
			query(`sum by (severity) (`+vulns("")+`)`, "{{severity}}"))).
		WithPanel(tableOf("Vulnerabilities by project", "Findings per project and ecosystem by severity now, and the packages with at least one.", 12, 9,
			map[string]string{"project": "Project", "ecosystem": "Ecosystem", "Value #A": "critical", "Value #B": "high", "Value #C": "medium", "Value #D": "low", "Value #E": "unknown", "Value #F": "vulnerable packages"},
			instant("A", `sum by (project, ecosystem) (`+vulns(`, severity="critical"`)+`)`),
			instant("B", `sum by (project, ecosystem) (`+vulns(`, severity="high"`)+`)`),
			instant("C", `sum by (project, ecosystem) (`+vulns(`, severity="medium"`)+`)`),
			instant("D", `sum by (project, ecosystem) (`+vulns(`, severity="low"`)+`)`),
			instant("E", `sum by (project, ecosystem) (`+vulns(`, severity="unknown"`)+`)`),
			instant("F", `sum by (project, ecosystem) (`+m("perfwatch_dependency_vulnerable_packages", "")+`)`)).
			Unit("short")).
		WithRow(row("Health, outdated and licences")).
		WithPanel(timeSeries("Health scores", "Each project's health score (0 to 100, docs/depscan.md); the dashed line is DependencyHealthLow's threshold of 70.", "none", 12, 9,
			query(`min by (project) (`+health+`)`, "{{project}}")).
			Min(0).Max(100).
			Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
				Steps([]dashboard.Threshold{step(nil, "red"), step(num(healthThreshold), "green")})).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))).
		WithPanel(stacked("Outdated packages by level", "Dependencies behind their latest release: a patch, a minor or a major release behind; unknown while no registry answered for them.", "short", 12, 9,
			query(`sum by (level) (`+m("perfwatch_dependency_outdated", "")+`)`, "{{level}}"))).
		WithPanel(timeSeries("Licence violations by project", "Per project, dependencies whose licence the policy denies, and those whose licence was not found or not understood.", "short", 12, 8,
			query(`sum by (project) (`+violations+`)`, "{{project}} denied"),
			query(`sum by (project) (`+m("perfwatch_dependency_licence_unknown", "")+`)`, "{{project}} unknown")).
			Min(0)).
		WithPanel(tableOf("Packages by project", "Per project and ecosystem: the dependencies, those deprecated by their registry or yanked, and those behind their latest release by level.", 12, 8,
			map[string]string{"project": "Project", "ecosystem": "Ecosystem", "Value #A": "packages", "Value #B": "deprecated", "Value #C": "major behind", "Value #D": "minor behind", "Value #E": "patch behind", "Value #F": "unknown"},
			instant("A", `sum by (project, ecosystem) (`+m("perfwatch_dependency_packages", "")+`)`),
			instant("B", `sum by (project, ecosystem) (`+m("perfwatch_dependency_deprecated", "")+`)`),
			instant("C", `sum by (project, ecosystem) (`+m("perfwatch_dependency_outdated", `, level="major"`)+`)`),
			instant("D", `sum by (project, ecosystem) (`+m("perfwatch_dependency_outdated", `, level="minor"`)+`)`),
			instant("E", `sum by (project, ecosystem) (`+m("perfwatch_dependency_outdated", `, level="patch"`)+`)`),
			instant("F", `sum by (project, ecosystem) (`+m("perfwatch_dependency_outdated", `, level="unknown"`)+`)`)).
			Unit("short")).
		WithRow(row("Scanner")).
		WithPanel(timeSeries("Time since the last successful scan", "Seconds since each scanner's last successful scan started. DependencyScanStale fires above 3 hours.", "s", 8, 8,
			query(`time() - max by (instance) (`+self("perfwatch_depscan_last_success_timestamp_seconds")+` > 0)`, "{{instance}}")).
			Min(0)).
		WithPanel(timeSeries("Scan duration", "Duration of each scanner's last scan: walking the roots, parsing the lockfiles and matching the advisories.", "s", 8, 8,
			query(`max by (instance) (`+self("perfwatch_depscan_scan_duration_seconds")+`)`, "{{instance}}")).
			Min(0)).
		WithPanel(timeSeries("Scans by result", "Scans per interval by result: at start, every --scan.interval, and on each lockfile change.", "short", 8, 8,
			query(`sum by (result) (increase(`+self("perfwatch_depscan_scans_total")+`[$__rate_interval]))`, "{{result}}")).
			Min(0)).
		WithPanel(timeSeries("Problems and advisories", "Files the last scan could not read or parse and entries it skipped (listed in the report's problems), and the advisories in the OSV database it matched against (right axis).", "short", 12, 8,
			query(`sum by (instance) (`+self("perfwatch_depscan_problems")+`)`, "{{instance}} problems"),
			query(`sum by (instance) (`+self("perfwatch_depscan_advisories")+`)`, "{{instance}} advisories")).
			OverrideByRegexp(".* advisories$", []dashboard.DynamicConfigValue{{Id: "custom.axisPlacement", Value: "right"}})).
		WithPanel(timeSeries("Projects scanned", "Projects found under the scanned roots; beyond --scan.max-projects (100) they are summed into project _other.", "short", 12, 8,
			query(`sum by (instance) (`+self("perfwatch_depscan_projects")+`)`, "{{instance}}")).
			Min(0)).
		Build()
}
