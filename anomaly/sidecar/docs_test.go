package sidecar

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/recommend"
	"github.com/perfwatch/perfwatch/anomaly/shard"
	"github.com/perfwatch/perfwatch/anomaly/store"
	"github.com/perfwatch/perfwatch/internal/metricsdoc"
)

// TestMetricsDocumented runs a fit and an inference that make every one of the
// engine's and the store's series appear, a recommendation included, and checks them
// against docs/metrics.md's section: everything exposed is documented and everything
// documented is exposed (the build info is the command's).
func TestMetricsDocumented(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(72 * time.Hour)}
	r := testReader(start)
	// The evidence of an N+1 pattern on /a.
	for _, q := range recommend.Queries(recommend.DefaultQueryOptions()) {
		var v float64
		switch q.Field {
		case recommend.FieldRequestRate:
			v = 50
		case recommend.FieldNPlusOneRatio:
			v = 0.9
		case recommend.FieldDBQueriesPerRequest:
			v = 40
		default:
			continue
		}
		r.set(q.Expr, fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/a"}, f: func(time.Time) float64 { return v }})
	}
	yaml := strings.Replace(testConfig, "recommendations: {enabled: false}", "", 1)
	e, reg := newTestEngine(t, yaml, r, shard.Shard{}, clk)
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	reg.MustRegister(st.Collector())
	ctx := context.Background()
	if err := e.Fit(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if err := e.Infer(ctx); err != nil {
		t.Fatal(err)
	}
	documented, err := metricsdoc.Section(metricsdoc.Path(), "Anomaly sidecar")
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exposed := map[string]bool{}
	for _, mf := range mfs {
		exposed[mf.GetName()] = true
		if _, ok := documented[mf.GetName()]; !ok {
			t.Errorf("%s is exposed but not documented", mf.GetName())
		}
	}
	for name := range documented {
		if !exposed[name] && name != "perfwatch_anomaly_build_info" {
			t.Errorf("%s is documented but not exposed", name)
		}
	}
}
