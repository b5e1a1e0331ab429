package exporter

import (
	"sort"
	"testing"

	"github.com/perfwatch/perfwatch/internal/metricsdoc"
)

const docSection = "Host exporter (`exporter`)"

// TestMetricsDocumented fails when a metric the exporter registers is not in
// its docs/metrics.md table, when the table lists one it never registers, or
// when the documented type is wrong.
func TestMetricsDocumented(t *testing.T) {
	rows, err := metricsdoc.Section(metricsdoc.Path(), docSection)
	if err != nil {
		t.Fatal(err)
	}
	enabled := map[string]bool{}
	for _, f := range Factories() {
		enabled[f.Name] = true
	}
	cols, err := NewCollectors(fixtureConfig(fixtureProc), enabled)
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]*Desc{}
	for _, d := range New(cols, Options{}).Descs() {
		registered[d.Name()] = d
	}
	var names []string
	for n := range registered {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		row, ok := rows[n]
		if !ok {
			t.Errorf("%s is registered but not documented under %q", n, docSection)
			continue
		}
		if row.Type != registered[n].Type().String() {
			t.Errorf("%s: documented type %q, registered %s", n, row.Type, registered[n].Type())
		}
	}
	for n := range rows {
		if registered[n] == nil {
			t.Errorf("%s is documented under %q but the exporter never registers it", n, docSection)
		}
	}
}
