package recommend

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// routeEv builds evidence for a test case from the healthy CRUD route below, changed by mod.
func routeEv(name string, mod func(*Evidence)) Evidence {
	e := healthyCRUD()
	e.Route = name
	if mod != nil {
		mod(&e)
	}
	return e
}

// healthyCRUD is a fast route reading one row: most of its short time is in its one
// query, which is how a healthy route looks (issue #10), and must get no advice.
func healthyCRUD() Evidence {
	return Evidence{
		Job: "shop", Route: "/api/items/{id}",
		RequestRate: 20, LatencyP95: 0.045, SlowRatio: 0,
		NPlusOneRatio: 0, DBTimeShare: 0.72, DBQueriesPerRequest: 1,
		CacheHitRatio:  map[string]float64{"users": 0.93},
		CPUUtilisation: 0.35,
		Importance: map[string]float64{
			FeatureRequestRate: 0.3, FeatureConcurrency: 0.25, FeatureDBQueriesPerRequest: 0.2,
			FeatureCacheHitRatio: 0.1, FeatureCPUUtilisation: 0.1, FeatureHourOfDay: 0.05,
		},
		PredictedLatency1_5x: 0.06, PredictedLatency2x: 0.09, PredictionR2: 0.8,
	}
}

// want is one expected recommendation: kind, severity and fragments of its advice.
type want struct {
	kind   Kind
	sev    Severity
	advice []string
}

func TestRecommend(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		ev   Evidence
		want []want
	}{
		{"healthy CRUD route", healthyCRUD(), nil},
		{"healthy CRUD route on a busy host", routeEv("/api/items/{id}", func(e *Evidence) { e.CPUUtilisation = 0.93 }), nil},
		{"healthy CRUD route with a cold cache elsewhere in the job", routeEv("/api/items/{id}", func(e *Evidence) { e.CacheHitRatio["sessions"] = 0.1 }), nil},
		{"healthy CRUD route, importances dominated by CPU", routeEv("/api/items/{id}", func(e *Evidence) {
			e.Importance = map[string]float64{FeatureCPUUtilisation: 0.9, FeatureRequestRate: 0.1}
		}), nil},
		{"everything unknown", NewEvidence("shop", "/api/items"), nil},
		{"everything unknown but traffic", routeEv("/x", func(e *Evidence) {
			*e = NewEvidence("shop", "/x")
			e.RequestRate = 10
		}), nil},
		{"route other", routeEv("other", func(e *Evidence) { e.NPlusOneRatio = 0.5 }), nil},
		{"too little traffic", routeEv("/rare", func(e *Evidence) { e.RequestRate = 0.005; e.NPlusOneRatio = 0.5 }), nil},

		// 12 % of requests loop, 60 % of the time in the database: N+1, high.
		// 40 queries per request is under 50, and the N+1 advice covers them anyway.
		{"N+1 on a database-bound route", routeEv("/api/vaults/{id}", func(e *Evidence) {
			e.NPlusOneRatio, e.DBTimeShare, e.DBQueriesPerRequest, e.LatencyP95 = 0.12, 0.6, 40, 0.4
		}), []want{{KindNPlusOne, High, []string{"12 % of the requests to /api/vaults/{id}", "40 queries per request", "eager loading"}}}},
		{"N+1, fast and not database-bound", routeEv("/api/folders", func(e *Evidence) {
			e.NPlusOneRatio, e.DBTimeShare, e.DBQueriesPerRequest = 0.08, 0.3, 12
		}), []want{{KindNPlusOne, Medium, []string{"8 % of the requests", "12 queries per request"}}}},
		{"N+1 at the threshold is not above it", routeEv("/api/folders", func(e *Evidence) { e.NPlusOneRatio = 0.05 }), nil},
		{"N+1 and many queries: one recommendation", routeEv("/api/feeds/refresh", func(e *Evidence) {
			e.NPlusOneRatio, e.DBQueriesPerRequest, e.DBTimeShare = 1, 90, 0.4
		}), []want{{KindNPlusOne, Medium, []string{"100 %", "90 queries per request"}}}},

		// 120 queries is at least twice 50: high; 60 with 30 % in the database: medium.
		{"many queries", routeEv("/api/report", func(e *Evidence) { e.DBQueriesPerRequest, e.DBTimeShare, e.LatencyP95 = 120, 0.4, 0.3 }),
			[]want{{KindQueriesPerRequest, High, []string{"run 120 database queries", "limit 50", "40 % of its time in the database"}}}},
		{"somewhat many queries", routeEv("/api/report", func(e *Evidence) { e.DBQueriesPerRequest, e.DBTimeShare, e.LatencyP95 = 60, 0.3, 0.3 }),
			[]want{{KindQueriesPerRequest, Medium, []string{"run 60 database queries"}}}},
		{"many queries, share unknown", routeEv("/api/report", func(e *Evidence) { e.DBQueriesPerRequest, e.DBTimeShare = 60, nan }),
			[]want{{KindQueriesPerRequest, Medium, []string{"(limit 50). Fetch"}}}},

		// 85 % in the database, two queries, p95 1.5 s (slow above 1 s): slow statements.
		{"slow statements", routeEv("/api/search", func(e *Evidence) {
			e.DBTimeShare, e.DBQueriesPerRequest, e.LatencyP95, e.SlowRatio = 0.85, 2, 1.5, 0.2
		}), []want{{KindDBTimeShare, Medium, []string{"85 % of its time in the database", "p95 is 1.5 s (slow above 1 s)", "only 2 queries", "EXPLAIN"}}}},
		{"very slow statements", routeEv("/api/search", func(e *Evidence) { e.DBTimeShare, e.LatencyP95 = 0.85, 2.5 }),
			[]want{{KindDBTimeShare, High, nil}}},
		{"database-bound but fast", routeEv("/api/search", func(e *Evidence) { e.DBTimeShare, e.LatencyP95 = 0.95, 0.9 }), nil},

		// A cold cache with the route slow and database-bound: both the statements and
		// the cache. The worst cache below 50 % is named.
		{"cold cache on a slow database-bound route", routeEv("/api/profile", func(e *Evidence) {
			e.DBTimeShare, e.DBQueriesPerRequest, e.LatencyP95 = 0.7, 3, 1.2
			e.CacheHitRatio = map[string]float64{"users": 0.3, "sessions": 0.9, "avatars": 0.45}
		}), []want{
			{KindDBTimeShare, Medium, nil},
			{KindCacheHitRatio, Medium, []string{"Cache users of shop hits only 30 %", "70 % of its time in the database"}},
		}},
		{"cold cache, fast route with many queries", routeEv("/api/profile", func(e *Evidence) {
			e.DBTimeShare, e.DBQueriesPerRequest, e.LatencyP95 = 0.6, 55, 0.5
			e.CacheHitRatio = map[string]float64{"users": 0.2}
		}), []want{{KindQueriesPerRequest, High, nil}, {KindCacheHitRatio, Low, []string{"hits only 20 %"}}}},

		// p95 1.5 s, 10 % in the database, host 92 % busy: CPU, medium; 97 %: high.
		{"busy host", routeEv("/api/render", func(e *Evidence) { e.LatencyP95, e.DBTimeShare, e.CPUUtilisation = 1.5, 0.1, 0.92 }),
			[]want{{KindCPUSaturation, Medium, []string{"92 % busy (limit 80 %)", "only 10 % is spent in the database", "pprof"}}}},
		{"saturated host", routeEv("/api/render", func(e *Evidence) { e.LatencyP95, e.DBTimeShare, e.CPUUtilisation = 1.5, 0.1, 0.97 }),
			[]want{{KindCPUSaturation, High, nil}}},
		{"busy host but database-bound", routeEv("/api/render", func(e *Evidence) { e.LatencyP95, e.DBTimeShare, e.CPUUtilisation = 1.5, 0.6, 0.92 }),
			[]want{{KindDBTimeShare, Medium, nil}}},

		// 20 req/s today, predicted 1.3 s at 2x (40 req/s), 700 ms at 1.5x: low.
		{"capacity at 2x", routeEv("/api/checkout", func(e *Evidence) {
			e.LatencyP95, e.PredictedLatency1_5x, e.PredictedLatency2x = 0.4, 0.7, 1.3
			e.Importance = map[string]float64{FeatureConcurrency: 0.6, FeatureRequestRate: 0.4}
		}), []want{{KindCapacity, Low, []string{"(40 requests per second)", "predicts 1.3 s", "(700 ms at 1.5 times)", "contention"}}}},
		{"capacity at 1.5x", routeEv("/api/checkout", func(e *Evidence) { e.LatencyP95, e.PredictedLatency1_5x, e.PredictedLatency2x = 0.4, 1.1, 1.8 }),
			[]want{{KindCapacity, Medium, nil}}},
		{"capacity, model not trusted", routeEv("/api/checkout", func(e *Evidence) {
			e.LatencyP95, e.PredictedLatency2x, e.PredictionR2 = 0.4, 1.8, 0.2
		}), nil},
		{"capacity, R² unknown", routeEv("/api/checkout", func(e *Evidence) {
			e.LatencyP95, e.PredictedLatency2x, e.PredictionR2 = 0.4, 1.8, nan
		}), []want{{KindCapacity, Low, nil}}},

		// p95 1.4 s, host at 50 %, importance of CPU 0.7: latency follows CPU, medium.
		{"latency driven by CPU", routeEv("/api/export", func(e *Evidence) {
			e.LatencyP95, e.DBTimeShare, e.CPUUtilisation = 1.4, 0.1, 0.5
			e.Importance = map[string]float64{FeatureCPUUtilisation: 0.7, FeatureRequestRate: 0.3}
		}), []want{{KindLatencyDriver, Medium, []string{"70 % of its latency is explained by the host's CPU utilisation", "pprof"}}}},
		{"latency driven by the hour", routeEv("/api/export", func(e *Evidence) {
			e.LatencyP95, e.DBTimeShare = 1.4, 0.1
			e.Importance = map[string]float64{FeatureHourOfDay: 0.85, FeatureRequestRate: 0.15}
		}), []want{{KindLatencyDriver, High, []string{"scheduled jobs"}}}},
		{"CPU saturation already says it", routeEv("/api/export", func(e *Evidence) {
			e.LatencyP95, e.DBTimeShare, e.CPUUtilisation = 1.4, 0.1, 0.9
			e.Importance = map[string]float64{FeatureCPUUtilisation: 0.7, FeatureRequestRate: 0.3}
		}), []want{{KindCPUSaturation, Medium, nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Recommend([]Evidence{tc.ev}, DefaultThresholds())
			if len(got) != len(tc.want) {
				t.Fatalf("got %d recommendations, want %d:\n%s", len(got), len(tc.want), dump(got))
			}
			for i, w := range tc.want {
				// Severity first in the result; match by kind instead.
				j := slices.IndexFunc(got, func(r Recommendation) bool { return r.Kind == w.kind })
				if j < 0 {
					t.Fatalf("no %s recommendation (#%d):\n%s", w.kind, i, dump(got))
				}
				r := got[j]
				if r.Severity != w.sev || r.Job != tc.ev.Job || r.Route != tc.ev.Route {
					t.Errorf("%s: severity %s, job %s, route %s; want %s, %s, %s", r.Kind, r.Severity, r.Job, r.Route, w.sev, tc.ev.Job, tc.ev.Route)
				}
				for _, a := range w.advice {
					if !strings.Contains(r.Advice, a) {
						t.Errorf("%s: advice lacks %q: %s", r.Kind, a, r.Advice)
					}
				}
				if len(r.Evidence) == 0 {
					t.Errorf("%s: no evidence", r.Kind)
				}
				for _, v := range r.Evidence {
					if !known(v.Value) || v.Name == "" {
						t.Errorf("%s: evidence %+v", r.Kind, v)
					}
				}
			}
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("JSON: %v", err)
			}
		})
	}
}

func dump(rs []Recommendation) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %s %s %s/%s: %s\n", r.Severity, r.Kind, r.Job, r.Route, r.Advice)
	}
	return b.String()
}

// TestRecommendEvidenceNumbers checks the numbers of one recommendation exactly.
func TestRecommendEvidenceNumbers(t *testing.T) {
	got := Recommend([]Evidence{routeEv("/api/vaults/{id}", func(e *Evidence) {
		e.NPlusOneRatio, e.DBTimeShare, e.DBQueriesPerRequest, e.LatencyP95 = 0.12, 0.6, 40, 0.4
	})}, DefaultThresholds())
	if len(got) != 1 {
		t.Fatalf("%d recommendations", len(got))
	}
	want := []Value{
		{"request_rate", 20, "req/s"}, {"latency_p95", 0.4, "s"}, {"slow_request_seconds", 1, "s"},
		{"db_time_share", 0.6, "ratio"}, {"db_queries_per_request", 40, "queries/request"}, {"n_plus_one_ratio", 0.12, "ratio"},
	}
	if !slices.Equal(got[0].Evidence, want) {
		t.Errorf("evidence %+v\nwant %+v", got[0].Evidence, want)
	}
}

// TestRecommendOrderAndCap checks the order (severity, job, route, kind) and that the
// cap drops the lowest severities first.
func TestRecommendOrderAndCap(t *testing.T) {
	var evs []Evidence
	for i := range 150 {
		evs = append(evs, routeEv(fmt.Sprintf("/api/r%03d", i), func(e *Evidence) {
			e.NPlusOneRatio, e.DBTimeShare = 0.2, 0.1 // medium
			if i%3 == 0 {
				e.DBTimeShare = 0.9 // high
			}
		}))
	}
	// Reversed input gives the same output.
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	got, again := Recommend(evs, DefaultThresholds()), Recommend(rev, DefaultThresholds())
	if len(got) != 100 {
		t.Fatalf("%d recommendations, want the cap of 100", len(got))
	}
	if !slices.EqualFunc(got, again, func(a, b Recommendation) bool { return a.Route == b.Route && a.Kind == b.Kind }) {
		t.Error("order depends on the input's order")
	}
	for i, r := range got {
		wantSev := Medium
		if i < 50 {
			wantSev = High
		}
		if r.Severity != wantSev {
			t.Fatalf("#%d: %s %s, want %s", i, r.Route, r.Severity, wantSev)
		}
		if i > 0 && r.Severity == got[i-1].Severity && r.Route <= got[i-1].Route {
			t.Errorf("#%d: %s after %s", i, r.Route, got[i-1].Route)
		}
	}
	th := DefaultThresholds()
	th.MaxRecommendations = 10
	if n := len(Recommend(evs, th)); n != 10 {
		t.Errorf("cap 10: %d", n)
	}
}

// TestRecommendOneKindPerRoute: no route gets the same kind twice, whatever the evidence.
func TestRecommendOneKindPerRoute(t *testing.T) {
	e := routeEv("/api/everything", func(e *Evidence) {
		e.NPlusOneRatio, e.DBTimeShare, e.DBQueriesPerRequest, e.LatencyP95, e.CPUUtilisation = 0.5, 0.9, 200, 3, 0.99
		e.PredictedLatency1_5x, e.PredictedLatency2x = 5, 8
		e.CacheHitRatio = map[string]float64{"a": 0.1, "b": 0.2}
		e.Importance = map[string]float64{FeatureHourOfDay: 0.9}
	})
	got := Recommend([]Evidence{e}, DefaultThresholds())
	seen := map[Kind]bool{}
	for _, r := range got {
		if seen[r.Kind] {
			t.Errorf("%s twice", r.Kind)
		}
		seen[r.Kind] = true
	}
	// Slow now: capacity (fast today, slow at 2x) does not apply; the rest do.
	for _, k := range []Kind{KindNPlusOne, KindCacheHitRatio, KindLatencyDriver} {
		if !seen[k] {
			t.Errorf("no %s:\n%s", k, dump(got))
		}
	}
	if seen[KindCapacity] || seen[KindCPUSaturation] {
		t.Errorf("capacity or CPU on a slow database-bound route:\n%s", dump(got))
	}
}

func TestThresholdsValidate(t *testing.T) {
	if err := DefaultThresholds().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Thresholds){
		"slow 0":       func(t *Thresholds) { t.SlowRequestSeconds = 0 },
		"queries NaN":  func(t *Thresholds) { t.QueriesPerRequest = math.NaN() },
		"CPU 80":       func(t *Thresholds) { t.CPUUtilisation = 80 },
		"cache 0":      func(t *Thresholds) { t.CacheHitRatio = 0 },
		"R² 2":         func(t *Thresholds) { t.MinR2 = 2 },
		"rate -1":      func(t *Thresholds) { t.MinRequestRate = -1 },
		"no cap":       func(t *Thresholds) { t.MaxRecommendations = 0 },
		"importance 0": func(t *Thresholds) { t.DominantImportance = 0 },
	} {
		th := DefaultThresholds()
		mod(&th)
		if err := th.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRecommendationJSON(t *testing.T) {
	got := Recommend([]Evidence{routeEv("/api/report", func(e *Evidence) { e.DBQueriesPerRequest = 60 })}, DefaultThresholds())
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"kind":"queries_per_request"`, `"job":"shop"`, `"http_route":"/api/report"`, `"severity":"high"`, `"evidence":[{"name":"request_rate","value":20,"unit":"req/s"}`, `"advice":"Requests to /api/report run 60`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s: %s", k, b)
		}
	}
}

// TestEvidenceJSON: unknown numbers encode as null and decode back to NaN.
func TestEvidenceJSON(t *testing.T) {
	e := NewEvidence("shop", "/api/items")
	e.RequestRate = 3
	e.CacheHitRatio = map[string]float64{"users": 0.5, "broken": math.NaN()}
	b, err := json.Marshal([]Evidence{e})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`"request_rate":3`, `"latency_p95_seconds":null`, `"cache_hit_ratio":{"users":0.5}`, `"prediction_r2":null`} {
		if !strings.Contains(string(b), part) {
			t.Errorf("JSON lacks %s: %s", part, b)
		}
	}
	var back []Evidence
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || back[0].RequestRate != 3 || !math.IsNaN(back[0].LatencyP95) || back[0].Job != "shop" || back[0].CacheHitRatio["users"] != 0.5 {
		t.Errorf("round trip: %+v", back)
	}
}
