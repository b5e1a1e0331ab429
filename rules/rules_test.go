package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/perfwatch/perfwatch/rules/rulegen"
)

func loadConfig(t *testing.T) *rulegen.Config {
	t.Helper()
	c, err := rulegen.Load("config.yml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGeneratedFilesUpToDate fails when a committed rule or test file differs from
// what the generator writes, or when a generated-looking file has no generator.
func TestGeneratedFilesUpToDate(t *testing.T) {
	files, err := loadConfig(t).Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%v: run go generate ./rules", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./rules and commit the result", name)
		}
	}
	for _, pattern := range []string{"perfwatch-*.rules.yml", "tests/perfwatch-*.test.yml"} {
		existing, _ := filepath.Glob(pattern)
		for _, name := range existing {
			if _, ok := files[name]; !ok {
				t.Errorf("%s is not generated from config.yml any more: delete it", name)
			}
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Record string `yaml:"record"`
			Alert  string `yaml:"alert"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type testFile struct {
	Tests []struct {
		AlertRuleTests []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
		PromqlExprTests []struct {
			Expr string `yaml:"expr"`
		} `yaml:"promql_expr_test"`
	} `yaml:"tests"`
}

func decode(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestEveryRuleHasPromtoolTests checks that each alert fires in some alert_rule_test
// and each recording rule is evaluated by some promql_expr_test in tests/.
func TestEveryRuleHasPromtoolTests(t *testing.T) {
	firing := map[string]bool{}
	var exprs []string
	tests, _ := filepath.Glob("tests/*.yml")
	for _, path := range tests {
		var tf testFile
		decode(t, path, &tf)
		for _, tg := range tf.Tests {
			for _, a := range tg.AlertRuleTests {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				}
			}
			for _, e := range tg.PromqlExprTests {
				exprs = append(exprs, e.Expr)
			}
		}
	}
	rules, _ := filepath.Glob("perfwatch-*.rules.yml")
	if len(rules) == 0 {
		t.Fatal("no rule files")
	}
	for _, path := range rules {
		var rf ruleFile
		decode(t, path, &rf)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" && !firing[r.Alert] {
					t.Errorf("%s: alert %s never fires in a test under tests/", path, r.Alert)
				}
				if r.Record != "" && !slices.ContainsFunc(exprs, func(e string) bool { return strings.Contains(e, r.Record) }) {
					t.Errorf("%s: recording rule %s has no promql_expr_test under tests/", path, r.Record)
				}
			}
		}
	}
}

// TestRunbooks checks that every alert has docs/runbooks/<AlertName>.md saying what it
// means, its impact, how to diagnose it (a query and a dashboard) and how to mitigate it,
// and that no runbook is left for an alert that does not exist.
func TestRunbooks(t *testing.T) {
	c := loadConfig(t)
	alerts := map[string]bool{}
	for _, a := range c.Alerts() {
		alerts[a.Name] = true
		path := filepath.Join("..", "docs", "runbooks", a.Name+".md")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("alert %s has no runbook: %v", a.Name, err)
			continue
		}
		text := string(data)
		if !strings.HasPrefix(text, "# "+a.Name+"\n") {
			t.Errorf("%s: must start with the heading # %s", path, a.Name)
		}
		sections := map[string]string{}
		for _, part := range strings.Split(text, "\n## ")[1:] {
			title, body, _ := strings.Cut(part, "\n")
			sections[title] = body
		}
		for _, s := range []string{"Meaning", "Impact", "Diagnosis", "Mitigation"} {
			if len(strings.TrimSpace(sections[s])) < 80 {
				t.Errorf("%s: section ## %s is missing or too short", path, s)
			}
		}
		diag := sections["Diagnosis"]
		if !strings.Contains(diag, "```promql") {
			t.Errorf("%s: Diagnosis has no ```promql query", path)
		}
		if !strings.Contains(diag, "/d/"+a.Dashboard) {
			t.Errorf("%s: Diagnosis does not link the alert's dashboard /d/%s", path, a.Dashboard)
		}
	}
	existing, _ := filepath.Glob(filepath.Join("..", "docs", "runbooks", "*.md"))
	for _, path := range existing {
		name := strings.TrimSuffix(filepath.Base(path), ".md")
		if name != "README" && !alerts[name] {
			t.Errorf("%s: no alert is called %s", path, name)
		}
	}
}
