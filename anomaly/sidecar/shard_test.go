package sidecar

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/shard"
)

// TestEngineShardsRoutes runs two engines, --shard=1/2 and 2/2, over the same routes:
// each route's per-route models and results (multivariate score, predictions) are on
// exactly one of them, the route's owner by {job, http_route}, and a route's
// univariate series by job and http_route is on the same engine as its models.
func TestEngineShardsRoutes(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	r := &fakeReader{data: map[string][]fakeSeries{}}
	var rates, rps, lat, conc []fakeSeries
	const routes = 16
	for i := range routes {
		ls := model.LabelSet{"job": "shop", "http_route": model.LabelValue(fmt.Sprintf("/api/r%02d", i))}
		load := daily(20+float64(i), 0.05, uint64(i))
		rates = append(rates, fakeSeries{labels: ls, f: load})
		rps = append(rps, fakeSeries{labels: ls, f: load})
		lat = append(lat, fakeSeries{labels: ls, f: func(t time.Time) float64 { return 0.01 + 0.002*load(t) }})
		conc = append(conc, fakeSeries{labels: ls, f: func(t time.Time) float64 { v := load(t); return v * (0.01 + 0.002*v) }})
	}
	r.set("rate_expr", rates...)
	r.set("rps_expr", rps...)
	r.set("lat_expr", lat...)
	r.set("conc_expr", conc...)
	cfg := strings.Replace(testConfig,
		"schedule: {step: 1m, fit_window: 3d, fit_every: 1h, infer_every: 1m}\nmodel: {season: 1d, bucket_width: 1h, min_history: 1d, warmup: 1h, min_dev_from_expected: 0}",
		"schedule: {step: 5m, fit_window: 2d, fit_every: 1h, infer_every: 5m}\nmodel: {season: 1d, bucket_width: 1h, min_history: 1d, warmup: 1h, min_dev_from_expected: 0}", 1)
	if cfg == testConfig {
		t.Fatal("testConfig's schedule changed; update this test")
	}
	owner := map[string]int{} // route → shard index that has its models
	for i := 1; i <= 2; i++ {
		sh := shard.Shard{Index: i, Count: 2}
		clk := &clock{t: start.Add(48 * time.Hour)}
		e, reg := newTestEngine(t, cfg, r, sh, clk)
		ctx := context.Background()
		if err := e.Fit(ctx); err != nil {
			t.Fatal(err)
		}
		clk.add(5 * time.Minute)
		if err := e.Infer(ctx); err != nil {
			t.Fatal(err)
		}
		if len(e.routes) == 0 || len(e.routes) == routes {
			t.Errorf("shard %s models %d of %d routes", sh, len(e.routes), routes)
		}
		for k, rt := range e.routes {
			if o := sh.Owner(k.labels()); o != i {
				t.Errorf("shard %s models route %v, owned by %d", sh, k, o)
			}
			if rt.iso == nil || rt.rf == nil {
				t.Errorf("shard %s: route %v without both models", sh, k)
			}
			if prev, ok := owner[k.route]; ok {
				t.Errorf("route %s modelled by shards %d and %d", k.route, prev, i)
			}
			owner[k.route] = i
		}
		for k := range e.series {
			route := string(e.series[k].labels["http_route"])
			if sh.Owner(model.LabelSet{"job": "shop", "http_route": model.LabelValue(route)}) != i {
				t.Errorf("shard %s scores the rate of %s, whose models are on the other shard", sh, route)
			}
		}
		g := gauges(t, reg, "perfwatch_anomaly_score", "perfwatch_prediction_latency_seconds")
		for name := range g {
			for route, o := range owner {
				if o != i && strings.Contains(name, "http_route="+route+",") {
					t.Errorf("shard %s exposes %s of a route it does not own", sh, name)
				}
			}
		}
	}
	if len(owner) != routes {
		t.Errorf("the two shards model %d routes, want all %d: %v", len(owner), routes, owner)
	}
}
