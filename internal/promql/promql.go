// Package promql writes the small pieces of PromQL that perfwatch's generated
// expressions share: the rule generator (rules/rulegen) and the anomaly sidecar's
// evidence queries (anomaly/recommend) select the same series and histogram buckets
// the same way.
package promql

import (
	"fmt"
	"strconv"
	"strings"
)

// Selector writes metric{matchers}, joining the matchers (label matchers without
// braces, such as a configured selector) and skipping empty ones.
func Selector(metric string, matchers ...string) string {
	var ms []string
	for _, m := range matchers {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return metric
	}
	return metric + "{" + strings.Join(ms, ", ") + "}"
}

// LeMatcher selects the histogram bucket whose upper bound is seconds. Prometheus 2
// keeps the exposition's text ("1"), Prometheus 3 normalises it to a float ("1.0"),
// so integral bounds match both spellings.
func LeMatcher(seconds float64) string {
	s := strconv.FormatFloat(seconds, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		return fmt.Sprintf(`le=~"%s|%s\\.0"`, s, s)
	}
	return fmt.Sprintf(`le="%s"`, s)
}

// Number formats a threshold for an expression, as short as it stays exact.
func Number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
