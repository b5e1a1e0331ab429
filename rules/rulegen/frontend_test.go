package rulegen

import (
	"slices"
	"strings"
	"testing"
)

// TestFrontendConfigErrors checks the frontend section's validation, one broken key at a time.
func TestFrontendConfigErrors(t *testing.T) {
	shipped := string(shippedConfig(t))
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"quantile as a percentage", "quantile: 0.75", "quantile: 75", "frontend.quantile: must be between 0 and 1"},
		{"negative view guard", "min_view_rate: 0.05", "min_view_rate: -1", "frontend.min_view_rate: must not be negative"},
		{"no baseline", "error_baseline_window: 1h", "error_baseline_window: 0s", "frontend.error_baseline_window: must be a positive duration"},
		{"negative error guard", "error_min_rate: 0.2", "error_min_rate: -0.2", "frontend.error_min_rate: must not be negative"},
		{"negative beacon guard", "min_beacon_rate: 0.1", "min_beacon_rate: -0.1", "frontend.min_beacon_rate: must not be negative"},
		{"LCP without threshold", "medium: {threshold: 2.5, for: 15m}", "medium: {for: 15m}", "frontend.alerts.WebVitalLCPSlow.levels.medium: threshold is required"},
		{"LCP beyond the buckets", "high: {threshold: 4, for: 15m}", "high: {threshold: 60, for: 15m}", "frontend.alerts.WebVitalLCPSlow.levels.high.threshold: must be below the histogram's last bucket 60"},
		{"INP of 0", "medium: {threshold: 0.2, for: 15m}", "medium: {threshold: 0, for: 15m}", "frontend.alerts.WebVitalINPSlow.levels.medium.threshold: must be positive"},
		{"CLS beyond the buckets", "high: {threshold: 0.25, for: 15m}", "high: {threshold: 3, for: 15m}", "frontend.alerts.WebVitalCLSHigh.levels.high.threshold: must be below the histogram's last bucket 2"},
		{"spike ratio of 0", "high: {threshold: 5, for: 5m}", "high: {threshold: 0, for: 5m}", "frontend.alerts.BrowserErrorSpike.levels.high.threshold: must be positive"},
		{"rejection share as a percentage", "low: {threshold: 0.1, for: 15m}\n", "low: {threshold: 10, for: 15m}\n", "frontend.alerts.RUMBeaconRejectionsHigh.levels.low.threshold: must be between 0 and 1"},
		{"unknown key", "min_view_rate:", "min_views_rate:", "field min_views_rate not found"},
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

// TestFrontendVitalsMatchTheIngest checks the vitals' good and poor thresholds against
// their buckets (docs/rum.md): both must be boundaries for the shares to be exact.
func TestFrontendVitalsMatchTheIngest(t *testing.T) {
	if len(Vitals()) != 5 {
		t.Fatalf("%d vitals, want LCP, INP, CLS, FCP, TTFB", len(Vitals()))
	}
	for _, v := range Vitals() {
		if !slices.Contains(v.Buckets, v.Good) || !slices.Contains(v.Buckets, v.Poor) || !(v.Good < v.Poor) {
			t.Errorf("%s: good %g and poor %g must be bucket boundaries of %v, good below poor", v.Name, v.Good, v.Poor, v.Buckets)
		}
		if !slices.IsSorted(v.Buckets) {
			t.Errorf("%s: buckets %v not sorted", v.Name, v.Buckets)
		}
	}
}

// TestFrontendExpressions checks what each frontend rule promises whatever the
// configuration: the shares read the buckets at the thresholds, the alerts carry their
// traffic guards, and the selector reaches every series read.
func TestFrontendExpressions(t *testing.T) {
	c, err := Parse("config.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"WebVitalLCPSlow":         {"job_page:perfwatch_web_vitals_lcp_seconds:p75_rate5m > ", "and on (job, page)\njob_page:perfwatch_web_vitals_lcp_seconds_count:rate5m > 0.05"},
		"WebVitalINPSlow":         {"job_page:perfwatch_web_vitals_inp_seconds:p75_rate5m > ", "and on (job, page)\njob_page:perfwatch_web_vitals_inp_seconds_count:rate5m > 0.05"},
		"WebVitalCLSHigh":         {"job_page:perfwatch_web_vitals_cls:p75_rate5m > ", "and on (job, page)\njob_page:perfwatch_web_vitals_cls_count:rate5m > 0.05"},
		"BrowserErrorSpike":       {"job_source:perfwatch_browser_errors:rate1h_offset5m\n) > 5", "and on (job, source)\njob_source:perfwatch_browser_errors:rate5m > 0.2"},
		"RUMBeaconRejectionsHigh": {"job:perfwatch_rum_beacons_rejected:ratio_rate5m > 0.1", "and on (job)\njob:perfwatch_rum_beacons_received:rate5m > 0.1"},
	}
	levels := map[string][]string{
		"WebVitalLCPSlow": {"medium > 2.5", "high > 4"},
		"WebVitalINPSlow": {"medium > 0.2", "high > 0.5"},
		"WebVitalCLSHigh": {"medium > 0.1", "high > 0.25"},
	}
	seen := 0
	for _, a := range c.Alerts() {
		parts, ok := want[a.Name]
		if !ok {
			continue
		}
		seen++
		if a.Dashboard != dashboardFrontend || !a.Enabled {
			t.Errorf("%s: dashboard %q, enabled %v", a.Name, a.Dashboard, a.Enabled)
		}
		if a.Fixture == nil && a.Name != "BrowserErrorSpike" {
			t.Errorf("%s: no fixture, so no generated tests", a.Name)
		}
		for _, l := range a.Levels {
			for _, p := range parts {
				if !strings.Contains(l.Expr, p) {
					t.Errorf("%s %s: expression lacks %q:\n%s", a.Name, l.Severity, p, l.Expr)
				}
			}
			if l.For == 0 {
				t.Errorf("%s %s: no for duration", a.Name, l.Severity)
			}
		}
		for _, lv := range levels[a.Name] {
			sev, cond, _ := strings.Cut(lv, " ")
			if !slices.ContainsFunc(a.Levels, func(l AlertLevel) bool {
				return string(l.Severity) == sev && strings.Contains(l.Expr, cond+"\n")
			}) {
				t.Errorf("%s: no %s level with %q", a.Name, sev, cond)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d frontend alerts, want %d", seen, len(want))
	}

	s := frontendSection{&c.Frontend}
	shares := map[string]string{}
	for _, r := range s.recording(c) {
		if rating := r.Labels["rating"]; rating != "" && strings.Contains(r.Record, "lcp") {
			shares[rating] = r.Expr
		}
	}
	for rating, parts := range map[string][]string{
		"good":              {`{le="2.5"}`, "/\n(job_page:perfwatch_web_vitals_lcp_seconds_count:rate5m > 0)"},
		"needs_improvement": {`{le=~"4|4\\.0"}`, `{le="2.5"}`},
		"poor":              {`(job_page:perfwatch_web_vitals_lcp_seconds_count:rate5m - sum without (le)`, `{le=~"4|4\\.0"}`},
	} {
		for _, p := range parts {
			if !strings.Contains(shares[rating], p) {
				t.Errorf("LCP %s share lacks %q: %s", rating, p, shares[rating])
			}
		}
	}

	// The selector reaches every raw series the section reads.
	c.Frontend.Selector = `job="shop"`
	for _, r := range s.recording(c) {
		for _, m := range []string{"perfwatch_web_vitals_", "perfwatch_browser_page_views_total", "perfwatch_errors_total", "perfwatch_rum_"} {
			for rest := r.Expr; ; {
				i := strings.Index(rest, m)
				if i < 0 {
					break
				}
				if i > 0 && rest[i-1] == ':' { // a recording rule's name, not a raw series
					rest = rest[i+len(m):]
					continue
				}
				rest = rest[i:]
				end := strings.IndexAny(rest, "{[)")
				if end < 0 || rest[end] != '{' || !strings.HasPrefix(rest[end:], `{job="shop"`) {
					t.Errorf("%s: %s without the selector", r.Record, rest)
				}
				rest = rest[len(m):]
			}
		}
	}
}
