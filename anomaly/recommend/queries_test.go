package recommend

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

// TestQueries checks that every evidence query parses, covers every field once, reads
// raw series only, and groups by the labels it declares.
func TestQueries(t *testing.T) {
	o := DefaultQueryOptions()
	o.Selector = `job="shop"`
	qs := Queries(o)
	fields := map[string]bool{}
	for _, q := range qs {
		if fields[q.Field] {
			t.Errorf("%s twice", q.Field)
		}
		fields[q.Field] = true
		expr, err := parser.NewParser(parser.Options{}).ParseExpr(q.Expr)
		if err != nil {
			t.Errorf("%s: %v\n%s", q.Field, err, q.Expr)
			continue
		}
		if strings.Contains(q.Expr, ":") && !strings.Contains(q.Expr, "[5m]") {
			t.Errorf("%s reads a recording rule: %s", q.Field, q.Expr)
		}
		// Every aggregation groups by exactly the declared labels (le inside quantiles).
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			if a, ok := n.(*parser.AggregateExpr); ok {
				by := slices.DeleteFunc(slices.Clone(a.Grouping), func(l string) bool { return l == "le" })
				if !a.Without && !slices.Equal(by, q.Labels) {
					t.Errorf("%s: aggregation by %v, declared %v", q.Field, a.Grouping, q.Labels)
				}
			}
			if vs, ok := n.(*parser.VectorSelector); ok && strings.HasPrefix(vs.Name, "perfwatch_") || ok && strings.HasPrefix(vs.Name, "http_") {
				if vs.Name != importanceGauge && !strings.Contains(vs.String(), `job="shop"`) {
					t.Errorf("%s: %s without the selector", q.Field, vs)
				}
			}
			return nil
		})
	}
	for _, f := range []string{FieldRequestRate, FieldLatencyP95, FieldSlowRatio, FieldNPlusOneRatio, FieldDBTimeShare, FieldDBQueriesPerRequest,
		FieldCacheHitRatio, FieldCPUUtilisation, FieldFeatureImportance, FieldPredictedLatency1_5x, FieldPredictedLatency2x, FieldPredictionR2} {
		if !fields[f] {
			t.Errorf("no query for %s", f)
		}
		var e Evidence
		if err := e.Set(f, "k", 1); err != nil {
			t.Errorf("Set(%s): %v", f, err)
		}
	}
	for _, part := range []string{
		`le=~"1|1\\.0"`, `http_response_status_code!="101"`, `scenario="load_2x"`, `scenario="load_1_5x"`,
		`mode=~"idle|iowait|steal"`, `job=~"perfwatch-exporter|node"`, `> 0.05`,
	} {
		if !slices.ContainsFunc(qs, func(q Query) bool { return strings.Contains(q.Expr, part) }) {
			t.Errorf("no query contains %s", part)
		}
	}
}

func TestEvidenceSet(t *testing.T) {
	e := NewEvidence("shop", "/x")
	if err := e.Set("latency_p99", "", 1); err == nil {
		t.Error("unknown field accepted")
	}
	if err := e.Set(FieldCacheHitRatio, "", 1); err == nil {
		t.Error("cache ratio without a cache accepted")
	}
	for _, step := range []struct {
		v    float64
		want bool
	}{{0.4, true}, {math.NaN(), false}, {0.5, true}, {math.Inf(1), false}} {
		if err := e.Set(FieldCacheHitRatio, "users", step.v); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.CacheHitRatio["users"]; ok != step.want {
			t.Errorf("after %g: present %v", step.v, ok)
		}
	}
	if err := e.Set(FieldLatencyP95, "", math.Inf(1)); err != nil || !math.IsNaN(e.LatencyP95) {
		t.Errorf("infinite latency: %v, %g", err, e.LatencyP95)
	}
}

// TestBuilder fills evidence as the sidecar would from the queries' results: route
// fields per route, cache ratios per job, the busiest host and the importances for all.
func TestBuilder(t *testing.T) {
	b := NewBuilder(3)
	add := func(field string, v float64, kv ...string) {
		t.Helper()
		ls := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			ls[kv[i]] = kv[i+1]
		}
		if err := b.Add(field, ls, v); err != nil {
			t.Fatal(err)
		}
	}
	add(FieldRequestRate, 20, "job", "shop", "http_route", "/b")
	add(FieldRequestRate, 5, "job", "shop", "http_route", "/a")
	add(FieldLatencyP95, 0.2, "job", "shop", "http_route", "/a")
	add(FieldRequestRate, 1, "job", "blog", "http_route", "/")
	add(FieldRequestRate, 1, "job", "blog", "http_route", "/beyond-the-bound")
	add(FieldCacheHitRatio, 0.3, "job", "shop", "cache", "users")
	add(FieldCacheHitRatio, math.NaN(), "job", "shop", "cache", "idle")
	add(FieldCPUUtilisation, 0.4, "instance", "host-a:9100", "job", "perfwatch-exporter")
	add(FieldCPUUtilisation, 0.9, "instance", "host-b:9100", "job", "perfwatch-exporter")
	add(FieldFeatureImportance, 0.7, "feature", FeatureCPUUtilisation, "job", "perfwatch-anomaly")
	add(FieldFeatureImportance, 0.3, "feature", FeatureRequestRate, "job", "perfwatch-anomaly")
	add(FieldPredictedLatency2x, 1.5, "job", "shop", "http_route", "/a", "scenario", "load_2x")
	if err := b.Add(FieldRequestRate, map[string]string{"job": "shop"}, 1); err == nil {
		t.Error("a route field without http_route accepted")
	}
	if err := b.Add("bogus", map[string]string{"job": "shop", "http_route": "/a"}, 1); err == nil {
		t.Error("unknown field accepted")
	}
	evs := b.Evidence()
	var names []string
	for _, e := range evs {
		names = append(names, e.Job+e.Route)
	}
	if !slices.Equal(names, []string{"blog/", "shop/a", "shop/b"}) || b.Dropped() != 1 {
		t.Fatalf("routes %v, dropped %d", names, b.Dropped())
	}
	a := evs[1]
	if a.RequestRate != 5 || a.LatencyP95 != 0.2 || a.PredictedLatency2x != 1.5 || !math.IsNaN(a.DBTimeShare) {
		t.Errorf("/a: %+v", a)
	}
	if a.CPUUtilisation != 0.9 || a.Importance[FeatureCPUUtilisation] != 0.7 || len(a.CacheHitRatio) != 1 || a.CacheHitRatio["users"] != 0.3 {
		t.Errorf("/a shared values: cpu %g, importance %v, caches %v", a.CPUUtilisation, a.Importance, a.CacheHitRatio)
	}
	if evs[0].CacheHitRatio != nil {
		t.Errorf("blog got shop's caches: %v", evs[0].CacheHitRatio)
	}
	// The result is a copy.
	a.CacheHitRatio["users"] = 1
	if b.Evidence()[1].CacheHitRatio["users"] != 0.3 {
		t.Error("changing the result changed the builder")
	}
}
