package exporter

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
)

const metricsDoc = "../docs/metrics.md"
const docSection = "## Host exporter (`exporter`)"

// documentedMetrics returns the metric names in the first column of the
// exporter's table in docs/metrics.md.
func documentedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(metricsDoc)
	if err != nil {
		t.Fatalf("open %s: %v", metricsDoc, err)
	}
	defer f.Close()
	names := map[string]bool{}
	in, header := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "## ") {
			in = line == docSection
			continue
		}
		if !in || !strings.HasPrefix(line, "|") {
			continue
		}
		cols := strings.Split(strings.Trim(line, "|"), "|")
		if !header {
			want := []string{"metric", "type", "labels", "label bounds", "emitted by"}
			for i, w := range want {
				if i >= len(cols) || strings.TrimSpace(cols[i]) != w {
					t.Fatalf("%s: table header %q, want columns %v", metricsDoc, line, want)
				}
			}
			header = true
			continue
		}
		first := strings.TrimSpace(cols[0])
		if strings.HasPrefix(first, "---") {
			continue
		}
		if len(first) < 3 || first[0] != '`' || strings.Count(first, "`") != 2 || strings.ContainsAny(first, "{,}") {
			t.Errorf("%s: first column %q is not one metric name in backticks", metricsDoc, first)
			continue
		}
		names[strings.Trim(first, "`")] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !header {
		t.Fatalf("%s: no table under %q", metricsDoc, docSection)
	}
	return names
}

func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	enabled := map[string]bool{}
	for _, f := range Factories() {
		enabled[f.Name] = true
	}
	cols, err := NewCollectors(fixtureConfig(fixtureProc), enabled)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range New(cols, BuildInfo{}, nil).Descs() {
		names[d.Name()] = true
	}
	return names
}

func TestMetricsDocumented(t *testing.T) {
	doc := documentedMetrics(t)
	reg := registeredMetrics(t)
	var missing, extra []string
	for n := range reg {
		if !doc[n] {
			missing = append(missing, n)
		}
	}
	for n := range doc {
		if !reg[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, n := range missing {
		t.Errorf("%s is registered but not documented in %s (%s)", n, metricsDoc, docSection)
	}
	for _, n := range extra {
		t.Errorf("%s is documented in %s but the exporter never registers it", n, metricsDoc)
	}
}
