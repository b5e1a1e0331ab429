package e2e

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Helpers shared by TestNodeMixin and TestNodeExporterFull: which series a PromQL
// expression reads, and whether they exist for perfwatch-exporter and for the
// node_exporter reference.

// selectors returns the vector selectors of expr (those under range selectors and
// subqueries too), deduplicated, each written as a plain selector without offset or @.
func selectors(expr string) ([]*parser.VectorSelector, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var out []*parser.VectorSelector
	seen := map[string]bool{}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			plain := &parser.VectorSelector{Name: vs.Name, LabelMatchers: vs.LabelMatchers}
			if s := plain.String(); !seen[s] {
				seen[s] = true
				out = append(out, plain)
			}
		}
		return nil
	})
	return out, nil
}

// withLabel returns vs with the matcher of label name replaced by name="value" (added
// when vs has none), and whether vs had one.
func withLabel(vs *parser.VectorSelector, name, value string) (*parser.VectorSelector, bool) {
	out := &parser.VectorSelector{Name: vs.Name}
	had := false
	for _, m := range vs.LabelMatchers {
		if m.Name == name {
			had = true
			continue
		}
		out.LabelMatchers = append(out.LabelMatchers, m)
	}
	out.LabelMatchers = append(out.LabelMatchers, labels.MustNewMatcher(labels.MatchEqual, name, value))
	return out, had
}

// seriesExist tells whether Prometheus has any series for the selector over the last
// window.
func seriesExist(ctx context.Context, api v1.API, selector string, window time.Duration) (bool, error) {
	now := time.Now()
	sets, _, _, err := api.Series(ctx, []string{selector}, now.Add(-window), now)
	return len(sets) > 0, err
}

// selectorMetric is the metric name of a selector (its __name__), for reports by family.
func selectorMetric(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel {
			return m.Value
		}
	}
	return vs.String()
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// joinSorted writes a set as a sorted, comma-separated list.
func joinSorted(set map[string]bool) string {
	keys := sortedKeys(set)
	return strings.Join(keys, ", ")
}

// bullet writes lines as an indented list for a log message.
func bullet(lines []string) string {
	if len(lines) == 0 {
		return "  (none)"
	}
	lines = slices.Clone(lines)
	sort.Strings(lines)
	return "  " + strings.Join(lines, "\n  ")
}
