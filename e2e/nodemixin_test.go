package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// mixinDir holds node_exporter's mixin, rendered (third_party/node-mixin/README.md).
const mixinDir = "../third_party/node-mixin"

var mixinFiles = []string{"alerts.yml", "rules.yml"}

// mixinRule is one rule of the rendered mixin.
type mixinRule struct {
	Alert  string `yaml:"alert"`
	Record string `yaml:"record"`
	Expr   string `yaml:"expr"`
}

func (r mixinRule) name() string {
	if r.Alert != "" {
		return "alert " + r.Alert
	}
	return "record " + r.Record
}

// TestNodeMixin loads node_exporter's own mixin (its alerting and recording rules,
// rendered from jsonnet and committed) into the shared Prometheus, which scrapes
// perfwatch-exporter as job "node" (the mixin's selector) and Debian's node_exporter
// with its defaults as the reference, and requires for every rule:
//   - Prometheus evaluates it without error (health ok, no lastError);
//   - every series it reads exists for perfwatch-exporter whenever it exists for
//     node_exporter (the same selector with the job matcher pointed at the reference).
//
// Inputs that neither exporter has on this machine (md devices, systemd, bonding …)
// are logged, not failed.
func TestNodeMixin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	files := map[string][]byte{}
	var rules []mixinRule
	records := map[string]bool{}
	for _, name := range mixinFiles {
		raw, err := os.ReadFile(filepath.Join(mixinDir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = raw
		var f struct {
			Groups []struct {
				Rules []mixinRule `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				rules = append(rules, r)
				if r.Record != "" {
					records[r.Record] = true
				}
			}
		}
	}
	if len(rules) < 40 {
		t.Fatalf("only %d rules in %s", len(rules), mixinDir)
	}

	targets := useNodeTargets(t)

	// The project's host rules record some of the same names (instance:node_cpu_
	// utilisation:rate5m, …) for job=~"perfwatch-exporter|node": two rule files writing
	// one series would fail each other, so none may be loaded while the mixin is.
	loaded, err := env.prom.api.Rules(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range loaded.Groups {
		for _, r := range g.Rules {
			if rr, ok := r.(v1.RecordingRule); ok && records[rr.Name] {
				t.Fatalf("%s (group %s in %s) is loaded already and records a name of node-mixin's; the mixin test needs it unloaded", rr.Name, g.Name, g.File)
			}
		}
	}

	loadedAt := time.Now()
	remove, err := env.prom.addRules(ctx, "node-mixin", files)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	ours := func(g v1.RuleGroup) bool { return strings.Contains(filepath.Base(g.File), "node-mixin-") }

	// Wait until every mixin rule has been evaluated twice since loading.
	var evaluated []v1.RuleGroup
	if !eventually(30*time.Second, func() bool {
		got, err := env.prom.api.Rules(ctx, nil)
		if err != nil {
			return false
		}
		evaluated = evaluated[:0]
		n := 0
		for _, g := range got.Groups {
			if !ours(g) {
				continue
			}
			evaluated = append(evaluated, g)
			for _, r := range g.Rules {
				var last time.Time
				switch r := r.(type) {
				case v1.AlertingRule:
					last = r.LastEvaluation
				case v1.RecordingRule:
					last = r.LastEvaluation
				}
				if last.Before(loadedAt.Add(ScrapeInterval)) {
					return false
				}
				n++
			}
		}
		return n == len(rules)
	}) {
		t.Fatalf("Prometheus did not evaluate the %d mixin rules twice within 30s: %+v", len(rules), evaluated)
	}

	// (a) every rule evaluates.
	health := 0
	for _, g := range evaluated {
		for _, r := range g.Rules {
			var name, h, lastErr string
			switch r := r.(type) {
			case v1.AlertingRule:
				name, h, lastErr = "alert "+r.Name, string(r.Health), r.LastError
			case v1.RecordingRule:
				name, h, lastErr = "record "+r.Name, string(r.Health), r.LastError
			default:
				t.Errorf("group %s: rule of type %T", g.Name, r)
				continue
			}
			if h != "ok" || lastErr != "" {
				t.Errorf("%s (group %s): health %q, last error %q", name, g.Name, h, lastErr)
				continue
			}
			health++
		}
	}

	// (b) every input series exists for perfwatch-exporter when it exists for the
	// reference. Selectors are checked once; what they feed is reported per family.
	type result struct{ node, ref bool }
	checked := map[string]result{}
	lacking := map[string]map[string]bool{}  // metric → rules: node_exporter has it, perfwatch not
	neither := map[string]map[string]bool{}  // metric → rules: no exporter has it here
	onlyNode := map[string]map[string]bool{} // metric → rules: perfwatch has it, node_exporter not
	note := func(m map[string]map[string]bool, metric, rule string) {
		if m[metric] == nil {
			m[metric] = map[string]bool{}
		}
		m[metric][rule] = true
	}
	inputsOK := 0
	for _, r := range rules {
		vss, err := selectors(r.Expr)
		if err != nil {
			t.Errorf("%s: %v", r.name(), err)
			continue
		}
		ok := true
		for _, vs := range vss {
			metric := selectorMetric(vs)
			if records[metric] {
				continue // the mixin's own output: follows from the inputs of its rule
			}
			sel := vs.String()
			res, done := checked[sel]
			if !done {
				nodeSel, had := withLabel(vs, "job", nodeJob)
				refSel, _ := withLabel(vs, "job", referenceJob)
				if !had {
					// Upstream's NodeHighNumberConntrackEntriesUsed reads the limit of every job.
					t.Logf("%s: selector %s has no job matcher; checked for job %q", r.name(), sel, nodeJob)
				}
				if res.node, err = seriesExist(ctx, env.prom.api, nodeSel.String(), time.Minute); err != nil {
					t.Fatal(err)
				}
				if res.ref, err = seriesExist(ctx, env.prom.api, refSel.String(), time.Minute); err != nil {
					t.Fatal(err)
				}
				checked[sel] = res
			}
			switch {
			case res.ref && !res.node:
				note(lacking, metric, r.name())
				t.Errorf("%s: node_exporter has %s, perfwatch-exporter does not (family %s)", r.name(), sel, metric)
				ok = false
			case !res.ref && !res.node:
				note(neither, metric, r.name())
				ok = false
			case res.node && !res.ref:
				note(onlyNode, metric, r.name())
			}
		}
		if ok {
			inputsOK++
		}
	}

	var lines []string
	for _, m := range sortedKeys(neither) {
		lines = append(lines, fmt.Sprintf("%s (for %s)", m, joinSorted(neither[m])))
	}
	t.Logf("inputs that neither exporter has on this machine (not failures):\n%s", bullet(lines))
	lines = lines[:0]
	for _, m := range sortedKeys(onlyNode) {
		lines = append(lines, fmt.Sprintf("%s (for %s)", m, joinSorted(onlyNode[m])))
	}
	t.Logf("inputs perfwatch-exporter has and node_exporter has not:\n%s", bullet(lines))
	if len(lacking) > 0 {
		lines = lines[:0]
		for _, m := range sortedKeys(lacking) {
			lines = append(lines, fmt.Sprintf("%s (for %s)", m, joinSorted(lacking[m])))
		}
		t.Errorf("families node_exporter has and perfwatch-exporter lacks:\n%s", bullet(lines))
	}
	t.Logf("%d rules (perfwatch-exporter %s as job %q, node_exporter %s as %q): %d evaluate without error, %d selectors checked, %d rules with every input present for perfwatch-exporter",
		len(rules), targets.perfwatch, nodeJob, targets.reference, referenceJob, health, len(checked), inputsOK)
}
