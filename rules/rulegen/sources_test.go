package rulegen

import (
	"strings"
	"testing"
)

// TestSlowRequestSecondsMustBeABucketOfEverySource: generation fails when an enabled
// source has no bucket boundary at http.slow_request_seconds (its slow-request alert
// and latency SLO would be silent), and names the source, its boundaries and the fix.
func TestSlowRequestSecondsMustBeABucketOfEverySource(t *testing.T) {
	shipped := string(shippedConfig(t))
	for _, tc := range []struct {
		name    string
		slow    string
		enable  []string
		buckets map[string]string // source → buckets line
		want    []string          // substrings of the error; none = accepted
	}{
		{name: "no source on, any threshold", slow: "0.8"},
		{name: "1 s on every source", slow: "1", enable: SourceNames},
		{name: "2.5 s on every source", slow: "2.5", enable: SourceNames},
		{name: "5 ms: OpenTelemetry has it", slow: "0.005", enable: []string{SourceOTelStable, SourceOTelLegacy}},
		{name: "5 ms: django-prometheus has not", slow: "0.005", enable: []string{SourceDjangoPrometheus},
			want: []string{"sources.django_prometheus.enabled", "http.slow_request_seconds 0.005 is not a bucket boundary of source django_prometheus (0.01 0.025 0.05", "sources.django_prometheus.buckets"}},
		{name: "25 s: only django-prometheus", slow: "25", enable: []string{SourceDjangoPrometheus}},
		{name: "25 s: not OpenTelemetry", slow: "25", enable: []string{SourceOTelStable, SourceDjangoPrometheus},
			want: []string{"cfg.yml:", "sources.otel_stable.enabled: http.slow_request_seconds 25 is not a bucket boundary of source otel_stable (0.005 0.01"}},
		{name: "0.8 s: none of them", slow: "0.8", enable: []string{SourceOTelLegacy},
			want: []string{"source otel_legacy (0 0.005 0.01 0.025 0.05 0.075 0.1 0.25 0.5 0.75 1 2.5 5 7.5 10)"}},
		{name: "0.8 s with the application's own buckets", slow: "0.8", enable: []string{SourceDjangoPrometheus},
			buckets: map[string]string{SourceDjangoPrometheus: "[0.1, 0.4, 0.8, 1.6]"}},
		{name: "own buckets without the threshold", slow: "1", enable: []string{SourceDjangoPrometheus},
			buckets: map[string]string{SourceDjangoPrometheus: "[0.1, 0.4, 0.8, 1.6]"},
			want:    []string{"source django_prometheus (0.1 0.4 0.8 1.6)"}},
		{name: "buckets not increasing", slow: "1", enable: []string{SourceOTelStable},
			buckets: map[string]string{SourceOTelStable: "[1, 0.5]"},
			want:    []string{"sources.otel_stable.buckets.1: must be finite, not negative and increasing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := strings.Replace(shipped, "slow_request_seconds: 1\n", "slow_request_seconds: "+tc.slow+"\n", 1)
			for _, n := range tc.enable {
				line := "  " + n + ":\n    enabled: false\n"
				if !strings.Contains(cfg, line) {
					t.Fatalf("config.yml no longer contains %q", line)
				}
				repl := "  " + n + ":\n    enabled: true\n"
				if b, ok := tc.buckets[n]; ok {
					repl += "    buckets: " + b + "\n"
				}
				cfg = strings.Replace(cfg, line, repl, 1)
			}
			c, err := Parse("cfg.yml", []byte(cfg))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if _, err := c.Files(); err != nil {
					t.Fatalf("generation failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Parse accepted the configuration")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestWithSources switches adapters on as gen --source does, validating them alike.
func TestWithSources(t *testing.T) {
	c, err := Parse("cfg.yml", shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	on, err := c.WithSources(SourceDjangoPrometheus)
	if err != nil {
		t.Fatal(err)
	}
	if !on.Sources.DjangoPrometheus.Enabled || c.Sources.DjangoPrometheus.Enabled {
		t.Error("WithSources must switch the copy's adapter on and leave the original")
	}
	files, err := on.RuleFiles()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files[RuleFileName("sources")]), "name: "+AdapterGroupName(SourceDjangoPrometheus)) {
		t.Error("no adapter group in the sources rule file")
	}
	if _, err := c.WithSources("django"); err == nil || !strings.Contains(err.Error(), `unknown source "django"`) {
		t.Errorf("unknown source: %v", err)
	}
	slow := *c
	slow.HTTP.SlowRequestSeconds = 0.005
	if _, err := slow.WithSources(SourceDjangoPrometheus); err == nil || !strings.Contains(err.Error(), "not a bucket boundary") {
		t.Errorf("slow threshold off django's buckets: %v", err)
	}
}
