package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

func TestDefaults(t *testing.T) {
	c := Default()
	if got := time.Duration(c.Schedule.Step); got != time.Minute {
		t.Errorf("step = %v", got)
	}
	if len(c.Queries) != 7 {
		t.Errorf("%d default queries, want 7", len(c.Queries))
	}
	lat := c.Queries[1]
	if lat.Name != "latency_p95" || lat.Model.DetectionDirection != "above_expected" || lat.Model.Method != "ewma" || lat.Model.Threshold != 3 {
		t.Errorf("latency_p95 model = %+v", lat.Model)
	}
	// Every default expression is valid PromQL.
	var exprs []string
	for _, q := range c.Queries {
		exprs = append(exprs, q.Expr)
	}
	for _, f := range append(append(c.Multivariate.Features, c.Prediction.Features...), c.Prediction.Target) {
		if f.Name != HourOfDay {
			exprs = append(exprs, f.Expr)
		}
	}
	for _, e := range exprs {
		if _, err := parser.NewParser(parser.Options{}).ParseExpr(e); err != nil {
			t.Errorf("default expression %q: %v", e, err)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"empty", "", ""},
		{"comments only", "# nothing\n", ""},
		{"override", "schedule: {step: 30s, fit_every: 2h}\nmodel: {method: median_mad}\nqueries:\n  - name: up\n    expr: up\n    model: {threshold: 4}\n", ""},
		{"unknown field", "schedule: {stepp: 1m}\n", "field stepp not found"},
		{"wrong type names path", "queries:\n  - name: a\n    expr: up\n    model:\n      threshold: high\n", "queries[0].model.threshold"},
		{"bad duration", "schedule: {step: fast}\n", "fast"},
		{"step too small", "schedule: {step: 10ms}\n", "schedule.step"},
		{"infer faster than step", "schedule: {step: 5m, infer_every: 1m}\n", "schedule.infer_every"},
		{"bad name", "queries: [{name: 'a-b', expr: up}]\n", "queries[0].name"},
		{"duplicate name", "queries: [{name: a, expr: up}, {name: a, expr: up}]\n", "used twice"},
		{"empty expr", "queries: [{name: a}]\n", "queries[0].expr"},
		{"bad method", "model: {method: arima}\n", "model.method"},
		{"bad direction", "queries: [{name: a, expr: up, model: {detection_direction: up}}]\n", "queries[0].model.detection_direction"},
		{"season not multiple", "model: {season: 90m, bucket_width: 1h}\n", "model.season"},
		{"negative min dev", "model: {min_dev_from_expected: -1}\n", "min_dev_from_expected"},
		{"nothing to do", "queries: []\nmultivariate: {enabled: false}\nprediction: {enabled: false}\n", "nothing to do"},
		{"multivariate name clash", "queries: [{name: route_multivariate, expr: up}]\n", "multivariate.name"},
		{"bad join", "prediction: {features: [{name: a, expr: up, join: host}]}\n", "prediction.features[0].join"},
		{"hour with expr", "prediction: {features: [{name: hour_of_day, expr: up}]}\n", "computed from the timestamp"},
		{"load feature missing", "prediction: {features: [{name: a, expr: up}]}\n", "prediction.load_features[0]"},
		{"bad scenario", "prediction: {scenarios: [{name: current, load_factor: 2}]}\n", "prediction.scenarios[0].name"},
		{"bad factor", "prediction: {scenarios: [{name: x, load_factor: -1}]}\n", "load_factor"},
		{"contamination", "multivariate: {contamination: 0.7}\n", "contamination"},
		{"cpu threshold", "recommendations: {cpu_utilisation: 80}\n", "cpu_utilisation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if c.Schedule.Step == 0 || c.Model.Threshold == 0 {
					t.Fatalf("defaults not filled in: %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestQueryInheritsModel(t *testing.T) {
	c, err := Parse([]byte("model: {threshold: 5, min_dev_from_expected: 2}\nqueries:\n  - {name: a, expr: up}\n  - {name: b, expr: up, model: {threshold: 2, min_dev_from_expected: 0}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Queries[0].Model, c.Queries[1].Model
	if a.Threshold != 5 || *a.MinDevFromExpected != 2 {
		t.Errorf("a = %+v, want the global threshold 5 and min dev 2", a)
	}
	if b.Threshold != 2 || *b.MinDevFromExpected != 0 {
		t.Errorf("b = %+v, want its own threshold 2 and an explicit min dev 0", b)
	}
}

func TestLoad(t *testing.T) {
	if c, err := Load(""); err != nil || len(c.Queries) == 0 {
		t.Fatalf("Load(\"\") = %v, %v", c, err)
	}
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yml")); err == nil || !strings.Contains(err.Error(), "missing.yml") {
		t.Errorf("Load(missing) = %v", err)
	}
	p := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(p, []byte("schedule: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "bad.yml") {
		t.Errorf("Load(bad) = %v", err)
	}
}
