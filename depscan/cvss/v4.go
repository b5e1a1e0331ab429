package cvss

import (
	"fmt"
	"slices"
	"strings"
)

// v4Metric is one metric of a v4.0 vector and the values it may take.
type v4Metric struct {
	name   string
	values []string
}

// v4Metrics lists CVSS v4.0's metrics in the order the specification (section 7)
// requires in a vector, with their valid values; the first v4BaseMetrics are the
// base metrics, all mandatory, and the others default to X (not defined).
var v4Metrics = []v4Metric{
	{"AV", []string{"N", "A", "L", "P"}}, {"AC", []string{"L", "H"}}, {"AT", []string{"N", "P"}},
	{"PR", []string{"N", "L", "H"}}, {"UI", []string{"N", "P", "A"}},
	{"VC", []string{"H", "L", "N"}}, {"VI", []string{"H", "L", "N"}}, {"VA", []string{"H", "L", "N"}},
	{"SC", []string{"H", "L", "N"}}, {"SI", []string{"H", "L", "N"}}, {"SA", []string{"H", "L", "N"}},
	{"E", []string{"X", "A", "P", "U"}},
	{"CR", []string{"X", "H", "M", "L"}}, {"IR", []string{"X", "H", "M", "L"}}, {"AR", []string{"X", "H", "M", "L"}},
	{"MAV", []string{"X", "N", "A", "L", "P"}}, {"MAC", []string{"X", "L", "H"}}, {"MAT", []string{"X", "N", "P"}},
	{"MPR", []string{"X", "N", "L", "H"}}, {"MUI", []string{"X", "N", "P", "A"}},
	{"MVC", []string{"X", "H", "L", "N"}}, {"MVI", []string{"X", "H", "L", "N"}}, {"MVA", []string{"X", "H", "L", "N"}},
	{"MSC", []string{"X", "H", "L", "N"}}, {"MSI", []string{"X", "S", "H", "L", "N"}}, {"MSA", []string{"X", "S", "H", "L", "N"}},
	{"S", []string{"X", "N", "P"}}, {"AU", []string{"X", "N", "Y"}}, {"R", []string{"X", "A", "U", "I"}},
	{"V", []string{"X", "D", "C"}}, {"RE", []string{"X", "L", "M", "H"}},
	{"U", []string{"X", "Clear", "Green", "Amber", "Red"}},
}

// Indexes into v4Metrics of the metrics that score.
const (
	iAV = iota
	iAC
	iAT
	iPR
	iUI
	iVC
	iVI
	iVA
	iSC
	iSI
	iSA
	iE
	iCR
	iIR
	iAR
	iMAV
	iMAC
	iMAT
	iMPR
	iMUI
	iMVC
	iMVI
	iMVA
	iMSC
	iMSI
	iMSA

	v4BaseMetrics = iSA + 1
)

// v4Values holds one value per entry of v4Metrics, "X" for those a vector leaves out.
type v4Values [32]string

// ParseV4 parses a CVSS:4.0 vector and computes its CVSS-B score: the score of its
// base metrics alone, with the macro-vector method of the specification's section
// 8. Threat, environmental and supplemental metrics are checked for order and
// valid values and otherwise ignored, as for v3: an advisory rates the
// vulnerability, not one deployment of it, and without E the specification
// assumes the worst (Attacked).
func ParseV4(vector string) (Score, error) {
	vals, err := parseV4(vector)
	if err != nil {
		return Score{}, fmt.Errorf("cvss: %q: %w", vector, err)
	}
	for i := v4BaseMetrics; i < len(v4Metrics); i++ {
		vals[i] = "X"
	}
	base := float64(scoreV4(&vals)) / 10
	return Score{Version: "4.0", Base: base, Severity: Rating(base)}, nil
}

// parseV4 checks a vector against section 7: the prefix, every base metric, each
// metric at most once and in the specification's order, and only defined values.
func parseV4(vector string) (v4Values, error) {
	var vals v4Values
	for i := range vals {
		vals[i] = "X"
	}
	rest, ok := strings.CutPrefix(vector, "CVSS:4.0/")
	if !ok {
		return vals, fmt.Errorf("does not start with CVSS:4.0/")
	}
	next := 0 // index in v4Metrics of the first metric still allowed
	for _, part := range strings.Split(rest, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok || v == "" {
			return vals, fmt.Errorf("malformed metric %q", part)
		}
		i := slices.IndexFunc(v4Metrics, func(m v4Metric) bool { return m.name == k })
		switch {
		case i < 0:
			return vals, fmt.Errorf("unknown metric %q", k)
		case i < next:
			return vals, fmt.Errorf("metric %s repeated or out of order", k)
		case next < v4BaseMetrics && i != next:
			return vals, fmt.Errorf("base metric %s missing or out of order", v4Metrics[next].name)
		case !slices.Contains(v4Metrics[i].values, v):
			return vals, fmt.Errorf("%s:%s is not a valid value", k, v)
		}
		vals[i] = v
		next = i + 1
	}
	if next < v4BaseMetrics {
		return vals, fmt.Errorf("base metric %s missing", v4Metrics[next].name)
	}
	return vals, nil
}
