package rulegen

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func shippedConfig(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../config.yml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseRejectsBadConfig(t *testing.T) {
	shipped := string(shippedConfig(t))
	for _, tc := range []struct {
		name, old, new string
		want           []string // substrings of the error
	}{
		{"unknown top-level key", "grafana_url:", "grafana:", []string{"cfg.yml:", "field grafana not found"}},
		{"unknown key in a level", "high: {threshold: 0.05, for: 5m}", "high: {treshold: 0.05, for: 5m}", []string{"line ", "field treshold not found"}},
		{"unknown alert", "    HTTPErrorRate:\n", "    HTTPErrorRatio:\n", []string{"field HTTPErrorRatio not found"}},
		{"unknown severity", "        medium: {threshold: 0.05, for: 10m}", "        warning: {threshold: 0.05, for: 10m}", []string{`unknown severity "warning"`}},
		{"ratio out of range", "critical: {threshold: 0.25, for: 5m}", "critical: {threshold: 25, for: 5m}", []string{"cfg.yml:", "http.alerts.HTTPRouteErrorRate.levels.critical.threshold: must be between 0 and 1"}},
		{"missing threshold", "high: {threshold: 0.2, for: 10m}", "high: {for: 10m}", []string{"HTTPRouteSlowRequests.levels.high: threshold is required"}},
		{"threshold on TargetDown", "high: {for: 5m}", "high: {threshold: 1, for: 5m}", []string{"TargetDown.levels.high.threshold: this alert takes no threshold"}},
		{"short window not shorter", "long_window: 1h, short_window: 5m", "long_window: 1h, short_window: 1h", []string{"slo.burn_rates.0.short_window: must be shorter than long_window"}},
		{"objective of 1", "objective: 0.999", "objective: 1", []string{"slo.availability.objective: must be between 0 and 1"}},
		{"no levels", "    HostCPUHighUsage:\n      enabled: true\n      levels:\n        low: {threshold: 0.8, for: 15m}\n        medium: {threshold: 0.9, for: 15m}\n", "    HostCPUHighUsage:\n      enabled: true\n      levels: {}\n", []string{"host.alerts.HostCPUHighUsage.levels: an enabled alert needs at least one level"}},
		{"bad duration", "rate_window: 5m", "rate_window: 5 minutes", []string{"cfg.yml:", `unknown unit " minutes"`}},
		{"no N+1 threshold", "medium: {threshold: 0.05, for: 15m}", "medium: {threshold: 0, for: 15m}", []string{"database.alerts.DBRouteNPlusOneQueries.levels.medium.threshold: must be positive"}},
		{"no queries threshold", "medium: {threshold: 50, for: 15m}", "medium: {threshold: 0, for: 15m}", []string{"database.alerts.DBRouteQueriesPerRequestHigh.levels.medium.threshold: must be positive"}},
		{"quantile as a percentage", "queries_quantile: 0.95", "queries_quantile: 95", []string{"database.queries_quantile: must be between 0 and 1"}},
		{"negative cache traffic guard", "min_cache_request_rate: 0.05", "min_cache_request_rate: -1", []string{"database.min_cache_request_rate: must not be negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(shipped, tc.old) {
				t.Fatalf("config.yml no longer contains %q", tc.old)
			}
			_, err := Parse("cfg.yml", []byte(strings.Replace(shipped, tc.old, tc.new, 1)))
			if err == nil {
				t.Fatal("Parse accepted the broken configuration")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidationErrorsNameTheLine(t *testing.T) {
	data := strings.Replace(string(shippedConfig(t)), "critical: {threshold: 0.25, for: 5m}", "critical: {threshold: 25, for: 5m}", 1)
	want := 0
	for i, line := range strings.Split(data, "\n") {
		if strings.Contains(line, "threshold: 25,") {
			want = i + 1
			break
		}
	}
	_, err := Parse("cfg.yml", []byte(data))
	if err == nil || !strings.HasPrefix(err.Error(), "cfg.yml:"+strconv.Itoa(want)+": ") {
		t.Fatalf("error %v does not start with cfg.yml:%d", err, want)
	}
}

func TestTestProfileKeepsExpressions(t *testing.T) {
	c, err := Parse("config.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	fast := c.WithTestProfile()
	for i, s := range sections(c) {
		prod, test := c.groups(s), fast.groups(sections(fast)[i])
		if len(prod) != len(test) {
			t.Fatalf("%s: %d groups, test profile %d", s.name(), len(prod), len(test))
		}
		for g := range prod {
			if test[g].Interval != c.TestProfile.EvaluationInterval {
				t.Errorf("%s: interval %s, want %s", test[g].Name, test[g].Interval, c.TestProfile.EvaluationInterval)
			}
			for r := range prod[g].Rules {
				p, q := prod[g].Rules[r], test[g].Rules[r]
				if p.Expr != q.Expr {
					t.Errorf("%s%s: expression differs in the test profile", p.Alert, p.Record)
				}
				if q.For > c.TestProfile.MaxFor || (p.For <= c.TestProfile.MaxFor && q.For != p.For) {
					t.Errorf("%s: for %s became %s", p.Alert, p.For, q.For)
				}
			}
		}
	}
}

func TestHumanizeMatchesPrometheus(t *testing.T) {
	// Expected strings from Prometheus's template tests (template/template_test.go).
	for v, want := range map[float64]string{0: "0", 1: "1", 1234567: "1.235M", 0.001: "1m", 0.0002: "200u", 12.5: "12.5", -1500: "-1.5k"} {
		if got := humanize(v); got != want {
			t.Errorf("humanize(%g) = %q, want %q", v, got, want)
		}
	}
}
