// Package cvss computes CVSS v3.0, v3.1 and v4.0 base scores from vector strings, as
// the FIRST specifications define them, so that a finding's severity is computed from
// the vector an advisory gives rather than guessed.
//
// Only the base metrics score; temporal, threat, environmental and supplemental
// metrics in a vector are checked for valid values and otherwise ignored, as
// advisories' severities are base scores. Every base metric must appear exactly once.
//
// v3 is the formula of https://www.first.org/cvss/v3.1/specification-document
// (section 7 and Appendix A), a few dozen lines with no dependency: v3.0 rounds up
// with a plain ceiling to one decimal, v3.1 with the specification's integer Roundup,
// which avoids floating-point artefacts (Roundup(4.000000000000001) is 4.0, not 4.1).
//
// v4.0 scores through a table of 270 macro vectors and distances within them
// (https://www.first.org/cvss/v4-0/specification-document, section 8). It is
// implemented here on integers rather than taken from github.com/pandatix/go-cvss:
// measured against FIRST's calculator on all 104,976 base vectors, go-cvss v0.6.4
// scores 450 of them 0.1 too low (floating-point results just below a half, rounded
// down), while this package agrees on every one.
//
// Best chooses among the several vectors one advisory may carry.
package cvss

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Severity is the qualitative rating of a score (specification section 5).
type Severity string

// The ratings.
const (
	None     Severity = "none"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Rating returns the qualitative severity of a base score.
func Rating(score float64) Severity {
	switch {
	case score >= 9:
		return Critical
	case score >= 7:
		return High
	case score >= 4:
		return Medium
	case score > 0:
		return Low
	}
	return None
}

// Score is a parsed vector's base score and rating.
type Score struct {
	Version  string // "3.0", "3.1" or "4.0"
	Base     float64
	Severity Severity
}

// base metric weights (specification section 7.4).
var weights = map[string]map[string]float64{
	"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
	"AC": {"L": 0.77, "H": 0.44},
	"PR": {"N": 0.85, "L": 0.62, "H": 0.27}, // L 0.68 and H 0.5 when the scope changes
	"UI": {"N": 0.85, "R": 0.62},
	"S":  {"U": 0, "C": 0},
	"C":  {"H": 0.56, "L": 0.22, "N": 0},
	"I":  {"H": 0.56, "L": 0.22, "N": 0},
	"A":  {"H": 0.56, "L": 0.22, "N": 0},
}

// otherMetrics are the temporal and environmental metrics and their values.
var otherMetrics = map[string]string{
	"E": "XUPFH", "RL": "XOTWU", "RC": "XURC",
	"CR": "XLMH", "IR": "XLMH", "AR": "XLMH",
	"MAV": "XNALP", "MAC": "XLH", "MPR": "XNLH", "MUI": "XNR", "MS": "XUC",
	"MC": "XNLH", "MI": "XNLH", "MA": "XNLH",
}

// ParseV3 parses a CVSS:3.0 or CVSS:3.1 vector and computes its base score.
func ParseV3(vector string) (Score, error) {
	version, rest, ok := strings.Cut(vector, "/")
	if !ok || (version != "CVSS:3.0" && version != "CVSS:3.1") {
		return Score{}, fmt.Errorf("cvss: %q does not start with CVSS:3.0/ or CVSS:3.1/", vector)
	}
	m := map[string]string{}
	for _, part := range strings.Split(rest, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok || v == "" {
			return Score{}, fmt.Errorf("cvss: %q: malformed metric %q", vector, part)
		}
		if _, dup := m[k]; dup {
			return Score{}, fmt.Errorf("cvss: %q: metric %s given twice", vector, k)
		}
		switch {
		case weights[k] != nil:
			if _, ok := weights[k][v]; !ok {
				return Score{}, fmt.Errorf("cvss: %q: %s:%s is not a valid value", vector, k, v)
			}
		case otherMetrics[k] != "":
			if len(v) != 1 || !strings.Contains(otherMetrics[k], v) {
				return Score{}, fmt.Errorf("cvss: %q: %s:%s is not a valid value", vector, k, v)
			}
		default:
			return Score{}, fmt.Errorf("cvss: %q: unknown metric %s", vector, k)
		}
		m[k] = v
	}
	for k := range weights {
		if m[k] == "" {
			return Score{}, fmt.Errorf("cvss: %q: base metric %s missing", vector, k)
		}
	}
	v := version[len("CVSS:"):]
	base := baseScore(m, v)
	return Score{Version: v, Base: base, Severity: Rating(base)}, nil
}

// baseScore is specification section 7.1's formula.
func baseScore(m map[string]string, version string) float64 {
	changed := m["S"] == "C"
	pr := weights["PR"][m["PR"]]
	if changed {
		switch m["PR"] {
		case "L":
			pr = 0.68
		case "H":
			pr = 0.5
		}
	}
	iss := 1 - (1-weights["C"][m["C"]])*(1-weights["I"][m["I"]])*(1-weights["A"][m["A"]])
	impact := 6.42 * iss
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	exploitability := 8.22 * weights["AV"][m["AV"]] * weights["AC"][m["AC"]] * pr * weights["UI"][m["UI"]]
	if impact <= 0 {
		return 0
	}
	round := Roundup
	if version == "3.0" {
		round = func(x float64) float64 { return math.Ceil(x*10) / 10 }
	}
	if changed {
		return round(math.Min(1.08*(impact+exploitability), 10))
	}
	return round(math.Min(impact+exploitability, 10))
}

// Roundup is CVSS v3.1's rounding (Appendix A): the smallest number with one decimal
// that is at least x, computed on integers so that 4.000000000000001 gives 4.0.
func Roundup(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// ErrUnsupported is returned for vectors of a version the package does not score.
var ErrUnsupported = errors.New("cvss: unsupported version")

// Parse scores a v3.0, v3.1 or v4.0 vector. Any other, such as a v2 vector (which
// has no version prefix), returns ErrUnsupported, so the caller falls back to the
// advisory's own severity.
func Parse(vector string) (Score, error) {
	switch {
	case strings.HasPrefix(vector, "CVSS:3."):
		return ParseV3(vector)
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return ParseV4(vector)
	}
	return Score{}, fmt.Errorf("%w: %q", ErrUnsupported, vector)
}
