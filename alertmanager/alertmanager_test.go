package alertmanager

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/perfwatch/perfwatch/internal/testtool"
	"github.com/perfwatch/perfwatch/rules/rulegen"
)

const configPath = "../alertmanager.yml"

func amtool(t *testing.T) string {
	t.Helper()
	return testtool.Need(t, "amtool", "Debian package prometheus-alertmanager")
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCheckConfig(t *testing.T) {
	out := run(t, amtool(t), "check-config", configPath)
	if !strings.Contains(out, "1 templates") {
		t.Errorf("amtool found no template:\n%s", out)
	}
}

// TestDiscordVariant uncomments the Discord blocks and checks the result: the
// alternative shipped commented must stay valid.
func TestDiscordVariant(t *testing.T) {
	tool := amtool(t)
	data, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inside, blocks := false, 0
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "# BEGIN discord"):
			inside, blocks = true, blocks+1
			continue
		case strings.HasPrefix(trimmed, "# END discord"):
			inside = false
			continue
		case inside && strings.HasPrefix(trimmed, "# discord_configs") || inside && strings.HasPrefix(trimmed, "#   "):
			line = strings.Replace(line, "# ", "", 1)
		case inside:
			continue // prose
		}
		out = append(out, line)
	}
	if blocks != 3 {
		t.Fatalf("found %d Discord blocks, want one per receiver but null (3)", blocks)
	}
	dir := t.TempDir()
	variant := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(variant, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "alertmanager"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(mustAbs(t, "."), "templates"), filepath.Join(dir, "alertmanager", "templates")); err != nil {
		t.Fatal(err)
	}
	check := run(t, tool, "check-config", variant)
	if !strings.Contains(check, "SUCCESS") {
		t.Fatalf("Discord variant: %s", check)
	}
	var cfg struct {
		Receivers []struct {
			Name           string `yaml:"name"`
			DiscordConfigs []any  `yaml:"discord_configs"`
		} `yaml:"receivers"`
	}
	if err := yaml.Unmarshal([]byte(strings.Join(out, "\n")), &cfg); err != nil {
		t.Fatal(err)
	}
	for _, r := range cfg.Receivers {
		if r.Name != "null" && len(r.DiscordConfigs) != 1 {
			t.Errorf("receiver %s has %d discord_configs once uncommented, want 1", r.Name, len(r.DiscordConfigs))
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRoutes runs `amtool config routes test` for each severity, and for alerts whose
// severity is missing or unknown, which must reach a visible receiver, never "null".
func TestRoutes(t *testing.T) {
	tool := amtool(t)
	for _, tc := range []struct {
		labels   []string
		receiver string
	}{
		{[]string{"severity=critical", "alertname=HTTPRouteErrorRate", "job=demo", "http_route=/api/items/{id}"}, "slack-email"},
		{[]string{"severity=high", "alertname=HTTPRouteErrorRate", "job=demo"}, "slack"},
		{[]string{"severity=medium", "alertname=HostMemoryHighUtilization", "job=perfwatch-exporter"}, "slack"},
		{[]string{"severity=low", "alertname=HostCPUHighUsage", "job=perfwatch-exporter"}, "null"},
		{[]string{"alertname=Watchdog"}, "slack-unknown-severity"},
		{[]string{"alertname=NoSeverity", "job=demo"}, "slack-unknown-severity"},
		{[]string{"severity=", "alertname=EmptySeverity"}, "slack-unknown-severity"},
		{[]string{"severity=warning", "alertname=FromAMixin"}, "slack-unknown-severity"},
		{[]string{"severity=info", "alertname=FromAMixin"}, "slack-unknown-severity"},
		{[]string{"severity=High", "alertname=Capitalised"}, "slack-unknown-severity"},
		{[]string{"severity=citical", "alertname=Typo"}, "slack-unknown-severity"},
		{[]string{"severity=medium", "alertname=AlertSeverityUnknown", "alert_name=FromAMixin", "alert_severity=warning"}, "slack"},
	} {
		t.Run(strings.Join(tc.labels, ","), func(t *testing.T) {
			args := append([]string{"config", "routes", "test", "--config.file=" + configPath, "--verify.receivers=" + tc.receiver}, tc.labels...)
			out, err := exec.Command(tool, args...).CombinedOutput()
			if err != nil {
				t.Errorf("routed to %s, want %s: %v", strings.TrimSpace(string(out)), tc.receiver, err)
			}
		})
	}
}

type route struct {
	Matchers       []string `yaml:"matchers"`
	Receiver       string   `yaml:"receiver"`
	GroupBy        []string `yaml:"group_by"`
	GroupWait      string   `yaml:"group_wait"`
	GroupInterval  string   `yaml:"group_interval"`
	RepeatInterval string   `yaml:"repeat_interval"`
	Routes         []route  `yaml:"routes"`
}

type config struct {
	Global       map[string]any `yaml:"global"`
	Route        route          `yaml:"route"`
	InhibitRules []struct {
		SourceMatchers []string `yaml:"source_matchers"`
		TargetMatchers []string `yaml:"target_matchers"`
		Equal          []string `yaml:"equal"`
	} `yaml:"inhibit_rules"`
	Receivers []map[string]any `yaml:"receivers"`
}

func load(t *testing.T) config {
	t.Helper()
	data, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	var c config
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInhibitionCoversAlertLabels checks that the severity inhibitions compare every
// label a perfwatch alert is aggregated by; a missing one would let the critical
// alert of one route mute the high alert of another.
func TestInhibitionCoversAlertLabels(t *testing.T) {
	rc, err := rulegen.Load("../rules/config.yml")
	if err != nil {
		t.Fatal(err)
	}
	c := load(t)
	severityRules := 0
	for _, ir := range c.InhibitRules {
		if !strings.HasPrefix(ir.SourceMatchers[0], "severity=") {
			continue
		}
		severityRules++
		for _, a := range rc.Alerts() {
			for _, l := range append([]string{"alertname"}, a.Labels...) {
				if !slices.Contains(ir.Equal, l) {
					t.Errorf("inhibit rule %v: equal lacks %s, a label of %s", ir.SourceMatchers, l, a.Name)
				}
			}
		}
	}
	if severityRules != 3 {
		t.Errorf("%d severity inhibit rules, want critical, high and medium", severityRules)
	}
}

// TestMediumGroupsLonger checks that medium alerts wait and repeat longer than high ones.
func TestMediumGroupsLonger(t *testing.T) {
	c := load(t)
	byMatcher := map[string]route{}
	for _, r := range c.Route.Routes {
		byMatcher[r.Matchers[0]] = r
	}
	inherit := func(v, parent string) time.Duration {
		if v == "" {
			v = parent
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	high, medium := byMatcher[`severity="high"`], byMatcher[`severity="medium"`]
	for _, f := range []struct {
		name         string
		high, medium string
		parent       string
	}{
		{"group_wait", high.GroupWait, medium.GroupWait, c.Route.GroupWait},
		{"group_interval", high.GroupInterval, medium.GroupInterval, c.Route.GroupInterval},
		{"repeat_interval", high.RepeatInterval, medium.RepeatInterval, c.Route.RepeatInterval},
	} {
		if h, m := inherit(f.high, f.parent), inherit(f.medium, f.parent); m <= h {
			t.Errorf("%s: medium %s is not longer than high %s", f.name, m, h)
		}
	}
}

// TestNoInlineSecrets checks that credentials come from files.
func TestNoInlineSecrets(t *testing.T) {
	c := load(t)
	for _, k := range []string{"slack_api_url", "smtp_auth_password", "smtp_auth_secret"} {
		if _, ok := c.Global[k]; ok {
			t.Errorf("global.%s is inline; use the _file variant", k)
		}
	}
	data, _ := os.ReadFile(configPath)
	for i, line := range strings.Split(string(data), "\n") {
		code, _, _ := strings.Cut(line, "#")
		for _, k := range []string{"api_url:", "auth_password:", "webhook_url:"} {
			if strings.Contains(code, k) {
				t.Errorf("alertmanager.yml:%d: inline secret %q", i+1, strings.TrimSpace(code))
			}
		}
	}
}
