// Package health computes perfwatch-depscan's health scores: 0–100 per dependency and
// per project, from vulnerabilities by severity, how far behind the latest release the
// dependency is, deprecation, licence and maintenance. docs/depscan.md states the
// formula with worked examples; the tests are those examples.
//
// A dependency starts at 100 and loses points for each problem (Penalties); it never
// goes below 0. A project's score is the mean of its dependencies' scores, capped by
// its worst problem, so that one critical vulnerability among five hundred healthy
// packages still reads as an unhealthy project rather than as 99.9.
package health

import (
	"fmt"
	"math"
	"time"
)

// Severity of a vulnerability; an advisory without one counts as Medium (the stated
// policy for unknown severity: neither ignored nor alarmed on).
type Severity int

// Severities.
const (
	Unknown Severity = iota
	Low
	Medium
	High
	Critical
)

// Behind is how far the used version is from the latest release.
type Behind int

// How far behind.
const (
	Current Behind = iota
	Patch          // same major and minor, older patch
	Minor          // same major, older minor
	Major          // an older major
)

// Licence is the policy's verdict on a dependency's licence.
type Licence int

// Verdicts.
const (
	LicenceAllowed Licence = iota
	LicenceReview          // on the review list, or an expression the policy does not decide
	LicenceUnknown         // no licence found or not parseable: reported, not passed
	LicenceDenied          // on the deny list: a violation
)

// Dependency is what the score looks at for one dependency.
type Dependency struct {
	// Vulnerabilities counts the findings by severity.
	Vulnerabilities map[Severity]int
	// Behind and MajorsBehind say how old the version is (MajorsBehind counts the
	// major versions between it and the latest, at least 1 when Behind is Major).
	Behind       Behind
	MajorsBehind int
	// Deprecated is the registry's deprecation mark on the used version or module.
	Deprecated bool
	// Licence is the policy's verdict.
	Licence Licence
	// LatestRelease is when the newest release of the package was published; zero
	// when unknown (offline), which costs nothing.
	LatestRelease time.Time
}

// The points each problem costs a dependency, and the caps a problem puts on a
// project's score (docs/depscan.md explains the choice).
const (
	pointsCritical, pointsHigh, pointsMedium, pointsLow = 40, 25, 10, 3
	pointsPatch, pointsMinor, pointsMajor               = 1, 5, 15
	pointsExtraMajor, maxExtraMajors                    = 5, 2
	pointsDeprecated                                    = 30
	pointsDenied, pointsUnknownLicence, pointsReview    = 30, 10, 5
	pointsStale2y, pointsStale4y                        = 10, 20

	capCritical, capHigh, capMedium, capLow = 40, 60, 80, 95
	capDenied, capDeprecated                = 70, 85
)

// Reason is one deduction, for the report.
type Reason struct {
	What   string `json:"what"`
	Points int    `json:"points"`
}

// Score returns the dependency's score at now and the deductions behind it.
func Score(d Dependency, now time.Time) (int, []Reason) {
	var reasons []Reason
	add := func(points int, format string, args ...any) {
		if points > 0 {
			reasons = append(reasons, Reason{fmt.Sprintf(format, args...), points})
		}
	}
	for _, s := range []struct {
		sev    Severity
		name   string
		points int
	}{{Critical, "critical", pointsCritical}, {High, "high", pointsHigh}, {Medium, "medium", pointsMedium}, {Unknown, "of unknown severity (as medium)", pointsMedium}, {Low, "low", pointsLow}} {
		if n := d.Vulnerabilities[s.sev]; n > 0 {
			add(n*s.points, "%d %s vulnerabilit%s", n, s.name, plural(n, "y", "ies"))
		}
	}
	switch d.Behind {
	case Patch:
		add(pointsPatch, "a patch release behind")
	case Minor:
		add(pointsMinor, "a minor release behind")
	case Major:
		extra := min(max(d.MajorsBehind-1, 0), maxExtraMajors)
		add(pointsMajor+extra*pointsExtraMajor, "%d major release%s behind", max(d.MajorsBehind, 1), plural(max(d.MajorsBehind, 1), "", "s"))
	}
	if d.Deprecated {
		add(pointsDeprecated, "deprecated")
	}
	switch d.Licence {
	case LicenceDenied:
		add(pointsDenied, "licence denied by the policy")
	case LicenceUnknown:
		add(pointsUnknownLicence, "licence unknown")
	case LicenceReview:
		add(pointsReview, "licence to review")
	}
	if !d.LatestRelease.IsZero() {
		switch age := now.Sub(d.LatestRelease); {
		case age > 4*365*24*time.Hour:
			add(pointsStale4y, "no release for more than 4 years")
		case age > 2*365*24*time.Hour:
			add(pointsStale2y, "no release for more than 2 years")
		}
	}
	score := 100
	for _, r := range reasons {
		score -= r.Points
	}
	return max(score, 0), reasons
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Project returns a project's score: the mean of its dependencies' scores, rounded,
// capped at 40 with a critical vulnerability, 60 with a high one, 80 with a medium (or
// unknown) one, 70 with a denied licence, 85 with a deprecated dependency and 95 with a
// low vulnerability. A project without dependencies scores 100.
func Project(deps []Dependency, now time.Time) int {
	if len(deps) == 0 {
		return 100
	}
	sum, limit := 0.0, 100
	for _, d := range deps {
		s, _ := Score(d, now)
		sum += float64(s)
		v := d.Vulnerabilities
		switch {
		case v[Critical] > 0:
			limit = min(limit, capCritical)
		case v[High] > 0:
			limit = min(limit, capHigh)
		case v[Medium] > 0 || v[Unknown] > 0:
			limit = min(limit, capMedium)
		case v[Low] > 0:
			limit = min(limit, capLow)
		}
		if d.Licence == LicenceDenied {
			limit = min(limit, capDenied)
		}
		if d.Deprecated {
			limit = min(limit, capDeprecated)
		}
	}
	return min(int(math.Round(sum/float64(len(deps)))), limit)
}
