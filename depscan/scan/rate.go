package scan

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/perfwatch/perfwatch/depscan/cvss"
	"github.com/perfwatch/perfwatch/depscan/health"
	"github.com/perfwatch/perfwatch/depscan/osv"
)

// rate turns an OSV finding's severities into one rating: the CVSS base score of
// cvss.Best's choice among its vectors (the newest version, then the highest score);
// else the database's own word (GitHub's CRITICAL, HIGH, MODERATE, LOW); else
// unknown, which the health score and --fail-on count as medium.
func rate(f osv.Finding) Finding {
	out := Finding{ID: f.ID, Aliases: f.Aliases, Summary: f.Summary, FixedIn: f.FixedIn, Severity: "unknown"}
	vectors := make([]string, 0, len(f.Severity))
	for _, s := range f.Severity {
		vectors = append(vectors, s.Score)
	}
	if sc, vector, ok := cvss.Best(vectors); ok {
		base := sc.Base
		out.Score, out.Vector, out.Severity = &base, vector, string(sc.Severity)
		return out
	}
	switch strings.ToUpper(f.DatabaseSeverity) {
	case "CRITICAL":
		out.Severity = "critical"
	case "HIGH":
		out.Severity = "high"
	case "MODERATE", "MEDIUM":
		out.Severity = "medium"
	case "LOW":
		out.Severity = "low"
	}
	return out
}

func severityOf(s string) health.Severity {
	switch s {
	case "critical":
		return health.Critical
	case "high":
		return health.High
	case "medium":
		return health.Medium
	case "low":
		return health.Low
	case "none":
		return health.Low // a 0.0 vector still names a vulnerability
	}
	return health.Unknown
}

// severityOrder lists the ratings, most severe first.
func severityOrder() []string { return []string{"critical", "high", "medium", "low", "unknown"} }

// ErrFound is returned by Fail when a finding reaches the threshold.
var ErrFound = errors.New("vulnerabilities at or above the threshold")

// Fail reports ErrFound when r holds a finding at least as severe as threshold
// (critical, high, medium, low; unknown counts as medium, the stated policy).
func Fail(r *Report, threshold string) error {
	severities := severityOrder()
	limit := slices.Index(severities, threshold)
	if limit < 0 || threshold == "unknown" {
		return fmt.Errorf("fail-on %q: want critical, high, medium or low", threshold)
	}
	for _, p := range r.Projects {
		for _, f := range p.Findings {
			sev := f.Severity
			if sev == "unknown" {
				sev = "medium"
			}
			if i := slices.Index(severities, sev); i >= 0 && i <= limit {
				return fmt.Errorf("%w: %s %s %s (%s)", ErrFound, f.Package, f.Version, f.ID, f.Severity)
			}
		}
	}
	return nil
}
