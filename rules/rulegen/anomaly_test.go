package rulegen

import (
	"slices"
	"strings"
	"testing"
)

// TestAnomalyConfigErrors checks the anomaly section's validation, one broken key at a time.
func TestAnomalyConfigErrors(t *testing.T) {
	shipped := string(shippedConfig(t))
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"R² above 1", "min_r2: 0.5", "min_r2: 50", "anomaly.min_r2: must be at most 1"},
		{"no inference age", "max_infer_age: 15m", "max_infer_age: 0s", "anomaly.max_infer_age: must be a positive duration"},
		{"no fits window", "fits_window: 6h", "fits_window: 0s", "anomaly.fits_window: must be a positive duration"},
		{"score threshold of 0", "medium: {threshold: 1, for: 15m}", "medium: {threshold: 0, for: 15m}", "anomaly.alerts.AnomalySustained.levels.medium.threshold: must be positive"},
		{"score without threshold", "high: {threshold: 2, for: 15m}", "high: {for: 15m}", "anomaly.alerts.AnomalySustained.levels.high: threshold is required"},
		{"threshold on capacity", "low: {for: 30m}", "low: {threshold: 1, for: 30m}", "anomaly.alerts.LatencyCapacityAtRisk.levels.low.threshold: this alert takes no threshold"},
		{"threshold on stale", "low: {for: 10m}", "low: {threshold: 1, for: 10m}", "anomaly.alerts.AnomalyModelStale.levels.low.threshold: this alert takes no threshold"},
		{"fits share as a percentage", "AnomalyFitsFailing:\n      enabled: true\n      levels:\n        low: {threshold: 0.5,", "AnomalyFitsFailing:\n      enabled: true\n      levels:\n        low: {threshold: 50,", "anomaly.alerts.AnomalyFitsFailing.levels.low.threshold: must be between 0 and 1"},
		{"unknown key", "max_infer_age:", "max_inference_age:", "field max_inference_age not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(shipped, tc.old) {
				t.Fatalf("config.yml no longer contains %q", tc.old)
			}
			_, err := Parse("cfg.yml", []byte(strings.Replace(shipped, tc.old, tc.new, 1)))
			if err == nil {
				t.Fatal("Parse accepted the broken configuration")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// TestAnomalyExpressions checks what each anomaly alert promises whatever the
// configuration: the score compared per series, the capacity alert at the HTTP
// section's slow-request bound with the forest's R² guard, the staleness alert on the
// inference stage and the stale flag, fits failing as a share of all fits, and the
// selectors reaching every series read.
func TestAnomalyExpressions(t *testing.T) {
	c, err := Parse("config.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	c.HTTP.SlowRequestSeconds = 0.5
	c.Anomaly.Selector = `job="shop"`
	want := map[string][]string{
		"AnomalySustained": {`perfwatch_anomaly_score{job="shop"} > `},
		"LatencyCapacityAtRisk": {`max by (job, http_route) (perfwatch_prediction_latency_seconds{job="shop", scenario="load_2x"}) > 0.5`,
			`and on (job, http_route)`, `min by (job, http_route) (perfwatch_prediction_r2{job="shop"}) >= 0.5`},
		"AnomalyModelStale": {`time() - (max by (job, instance) (perfwatch_anomaly_last_success_timestamp_seconds{job="perfwatch-anomaly", stage="infer"}) > 0) > 900`,
			`max by (job, instance) (perfwatch_anomaly_stale{job="perfwatch-anomaly"}) == 1`},
		"AnomalyFitsFailing": {`rate(perfwatch_anomaly_fits_total{job="perfwatch-anomaly", result="failure"}[6h])`,
			"/\nsum by (job, instance) (rate(perfwatch_anomaly_fits_total{job=\"perfwatch-anomaly\"}[6h]))\n> 0.5"},
	}
	levels := map[string][]Severity{
		"AnomalySustained": {Medium, High}, "LatencyCapacityAtRisk": {Low}, "AnomalyModelStale": {Low}, "AnomalyFitsFailing": {Low},
	}
	seen := 0
	for _, a := range c.Alerts() {
		parts, ok := want[a.Name]
		if !ok {
			continue
		}
		seen++
		if a.Dashboard != dashboardML || !a.Enabled {
			t.Errorf("%s: dashboard %q, enabled %v", a.Name, a.Dashboard, a.Enabled)
		}
		if (a.Fixture == nil) != (a.Name == "AnomalyModelStale") {
			t.Errorf("%s: fixture %v (only AnomalyModelStale is tested by hand)", a.Name, a.Fixture)
		}
		var sevs []Severity
		for _, l := range a.Levels {
			sevs = append(sevs, l.Severity)
			for _, p := range parts {
				if !strings.Contains(l.Expr, p) {
					t.Errorf("%s %s: expression lacks %q:\n%s", a.Name, l.Severity, p, l.Expr)
				}
			}
			if l.For == 0 {
				t.Errorf("%s %s: no for duration", a.Name, l.Severity)
			}
		}
		if !slices.Equal(sevs, levels[a.Name]) {
			t.Errorf("%s: levels %v, want %v", a.Name, sevs, levels[a.Name])
		}
		if a.Name == "LatencyCapacityAtRisk" && a.Levels[0].Threshold != 0.5 {
			t.Errorf("%s: test threshold %g, want http.slow_request_seconds", a.Name, a.Levels[0].Threshold)
		}
	}
	if seen != len(want) {
		t.Errorf("%d anomaly alerts, want %d", seen, len(want))
	}
}
