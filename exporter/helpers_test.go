package exporter

import (
	"bytes"
	"context"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

const fixtureProc = "testdata/proc"

// fixtureConfig points every path at a fixture tree.
func fixtureConfig(proc string) Config {
	cfg := DefaultConfig()
	cfg.ProcFS = proc
	cfg.SysFS = "testdata/sys"
	cfg.RootFS = "/"
	return cfg
}

// update runs one collector once and returns its samples keyed as
// `name{label="value",...}`, in label-name order.
func update(t *testing.T, c Collector) (map[string]float64, error) {
	t.Helper()
	var b Batch
	err := c.Update(context.Background(), &b)
	return samples(&b), err
}

func samples(b *Batch) map[string]float64 {
	out := map[string]float64{}
	for _, s := range b.samples {
		out[seriesKey(s.desc.name, s.desc.labels, b.labels[s.lo:s.hi])] = s.value
	}
	return out
}

func seriesKey(name string, names, values []string) string {
	if len(names) == 0 {
		return name
	}
	pairs := make([]string, len(names))
	for i := range names {
		pairs[i] = names[i] + "=" + `"` + values[i] + `"`
	}
	sort.Strings(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// parseText parses exposition text and fails the test if it is invalid.
func parseText(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("invalid exposition: %v\n%s", err, text)
	}
	return mfs
}

// familySeries flattens parsed families into the same keys as samples.
func familySeries(mfs map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var names, values []string
			for _, lp := range m.GetLabel() {
				names = append(names, lp.GetName())
				values = append(values, lp.GetValue())
			}
			v := m.GetGauge().GetValue()
			if mf.GetType() == dto.MetricType_COUNTER {
				v = m.GetCounter().GetValue()
			}
			out[seriesKey(name, names, values)] = v
		}
	}
	return out
}

func mustNew(t *testing.T, f func(Config) (Collector, error), cfg Config) Collector {
	t.Helper()
	c, err := f(cfg)
	if err != nil {
		t.Fatalf("new collector: %v", err)
	}
	return c
}

// collectorCase is one table row shared by the small single-file collectors'
// tests: the whole series set wanted from a fixture tree, and the error.
type collectorCase struct {
	name    string
	proc    string
	want    map[string]float64
	wantErr string // substring; empty for none
}

func runCollectorCases(t *testing.T, newC func(Config) (Collector, error), cases []collectorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, newC, fixtureConfig(tc.proc))
			got, err := update(t, c)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Update: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
			}
			wantSamples(t, got, tc.want)
			described := map[string]bool{}
			for _, d := range c.Descs() {
				described[d.Name()] = true
			}
			for k := range got {
				name, _, _ := strings.Cut(k, "{")
				if !described[name] {
					t.Errorf("%s exported but not in Descs", name)
				}
			}
		})
	}
}

// wantSamples checks that got holds exactly the series of want, with their
// values.
func wantSamples(t *testing.T, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d series, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}
