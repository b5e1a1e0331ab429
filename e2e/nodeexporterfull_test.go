package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/perfwatch/perfwatch/dashboards"
)

// nodeExporterFull is Grafana's "Node Exporter Full" dashboard, as published
// (third_party/node-exporter-full/README.md).
const nodeExporterFull = "../third_party/node-exporter-full/node-exporter-full.json"

// nefNoData lists the dashboard targets (panel title/refId) that return data with
// node_exporter 1.5's defaults and not with perfwatch-exporter's, each with the reason.
// The test fails for any other such target, and for an entry here whose target now has
// data for perfwatch-exporter (remove it then). Entries marked TODO are families
// perfwatch-exporter does not export yet (issue #11).
var nefNoData = map[string]string{}

// nefTarget is one target of one panel of the dashboard.
type nefTarget struct {
	Row, Panel, RefID, Expr string
	Instant, Hidden         bool
}

func (t nefTarget) key() string { return t.Panel + "/" + t.RefID }

// nefDashboard reads the dashboard's targets (rows' panels included) and query
// variables.
func nefDashboard(t *testing.T) (targets []nefTarget, variables map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(nodeExporterFull)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Type, Title string
		Targets     []struct {
			RefID   string `json:"refId"`
			Expr    string `json:"expr"`
			Instant bool   `json:"instant"`
			Hide    bool   `json:"hide"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name, Type string
				Query      json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	var walk func(row string, ps []json.RawMessage)
	walk = func(row string, ps []json.RawMessage) {
		for _, r := range ps {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatal(err)
			}
			if p.Type == "row" {
				row = p.Title
			}
			for _, tg := range p.Targets {
				targets = append(targets, nefTarget{Row: row, Panel: p.Title, RefID: tg.RefID, Expr: tg.Expr, Instant: tg.Instant, Hidden: tg.Hide})
			}
			walk(row, p.Panels)
		}
	}
	walk("", d.Panels)
	variables = map[string]string{}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil || q.Query == "" {
			var s string
			if json.Unmarshal(v.Query, &s) != nil {
				t.Fatalf("variable %s: query %s", v.Name, v.Query)
			}
			q.Query = s
		}
		variables[v.Name] = q.Query
	}
	return targets, variables
}

var labelValuesQuery = regexp.MustCompile(`^\s*label_values\((.+),\s*(\w+)\)\s*$`)

// pick evaluates a query variable as Grafana does for label_values(selector, label):
// /api/v1/label/<label>/values with match[]=selector over the dashboard's time range.
func pick(ctx context.Context, t *testing.T, query string, in dashboards.Interpolation) []string {
	t.Helper()
	m := labelValuesQuery.FindStringSubmatch(query)
	if m == nil {
		t.Fatalf("variable query %q is not label_values(selector, label)", query)
	}
	now := time.Now()
	vals, _, _, err := env.prom.api.LabelValues(ctx, m[2], []string{in.Expand(m[1])}, now.Add(-in.Range), now)
	if err != nil {
		t.Fatalf("%s: %v", in.Expand(query), err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// TestNodeExporterFull evaluates Grafana's "Node Exporter Full" dashboard against the
// shared Prometheus, which scrapes perfwatch-exporter as job "node" and Debian's
// node_exporter with its defaults as the reference:
//   - its job, nodename and node pickers, evaluated as Grafana does, list
//     perfwatch-exporter's job and instance;
//   - every target, with the variables set for perfwatch-exporter and then for the
//     reference, evaluates without error;
//   - every target that returns data for node_exporter returns data for
//     perfwatch-exporter, but for those in nefNoData.
func TestNodeExporterFull(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	targets, variables := nefDashboard(t)
	if len(targets) < 250 {
		t.Fatalf("only %d targets in %s", len(targets), nodeExporterFull)
	}
	for _, v := range []string{"job", "nodename", "node"} {
		if variables[v] == "" {
			t.Fatalf("the dashboard has no query variable %s: %v", v, variables)
		}
	}
	keys := map[string]bool{}
	for _, tg := range targets {
		if keys[tg.key()] {
			t.Fatalf("two targets are %s; nefNoData needs another key", tg.key())
		}
		keys[tg.key()] = true
	}
	for k := range nefNoData {
		if !keys[k] {
			t.Errorf("nefNoData: the dashboard has no target %s", k)
		}
	}

	nt := useNodeTargets(t)
	// As Grafana at a 1 s scrape interval (the data source's timeInterval) over the
	// last minute: $__interval 2 s (the step), $__rate_interval max($__interval + scrape
	// interval, 4 × scrape interval) = 4 s.
	base := dashboards.Interpolation{RateInterval: 4 * ScrapeInterval, Interval: 2 * time.Second, Range: time.Minute}

	// The pickers, as a user would go through them: job, then nodename, then node.
	jobs := pick(ctx, t, variables["job"], base)
	in := map[string]dashboards.Interpolation{}
	for job, instance := range map[string]string{nodeJob: nt.perfwatch, referenceJob: nt.reference} {
		if !slices.Contains(jobs, job) {
			t.Fatalf("the job picker (%s) lists %v, not %s", variables["job"], jobs, job)
		}
		vars := map[string]string{"job": job}
		step := base
		step.Vars = vars
		nodenames := pick(ctx, t, variables["nodename"], step)
		if len(nodenames) != 1 {
			t.Fatalf("job %s: the nodename picker lists %v, want one name", job, nodenames)
		}
		vars["nodename"] = nodenames[0]
		nodes := pick(ctx, t, variables["node"], step)
		if !slices.Equal(nodes, []string{instance}) {
			t.Fatalf("job %s: the node picker lists %v, want [%s]", job, nodes, instance)
		}
		vars["node"] = instance
		in[job] = step
		t.Logf("pickers for %s: job %s, nodename %s, node %s", job, job, vars["nodename"], instance)
	}
	// Only these variables may appear: anything else would be substituted with ".*".
	known := regexp.MustCompile(`\$\{?(job|node|nodename|__rate_interval|__interval|__range_s|__range)\b`)
	for _, tg := range targets {
		if rest := known.ReplaceAllString(tg.Expr, ""); strings.Contains(rest, "$") {
			t.Errorf("%s: unknown variable in %s", tg.key(), tg.Expr)
		}
	}

	// Evaluate every target for both jobs, a few at a time.
	type result struct {
		data bool
		err  error
	}
	jobs2 := []string{nodeJob, referenceJob}
	results := make([][2]result, len(targets))
	now := time.Now().Add(-ScrapeInterval) // as Grafana, just behind the newest scrape
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, tg := range targets {
		for j, job := range jobs2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				empty, err := nefQuery(ctx, env.prom.api, in[job].Expand(tg.Expr), tg.Instant, now)
				results[i][j] = result{data: err == nil && !empty, err: err}
			}()
		}
	}
	wg.Wait()
	type outcome struct {
		data map[string]bool // by job
		err  map[string]error
	}
	outcomes := make([]outcome, len(targets))
	for i := range targets {
		outcomes[i] = outcome{data: map[string]bool{}, err: map[string]error{}}
		for j, job := range jobs2 {
			outcomes[i].data[job], outcomes[i].err[job] = results[i][j].data, results[i][j].err
		}
	}

	count := map[string]int{}
	countVisible := map[string]int{}
	var gaps, extra, allowed []string
	missingFamilies := map[string]map[string]bool{} // family → targets
	absent := map[string]map[string]bool{}          // family → targets: no exporter has it here
	for i, tg := range targets {
		o := outcomes[i]
		for _, job := range []string{nodeJob, referenceJob} {
			if o.err[job] != nil {
				t.Errorf("%s (job %s): %v\n%s", tg.key(), job, o.err[job], in[job].Expand(tg.Expr))
			}
			if o.data[job] {
				count[job]++
				if !tg.Hidden {
					countVisible[job]++
				}
			}
		}
		reason, listed := nefNoData[tg.key()]
		switch {
		case o.data[referenceJob] && !o.data[nodeJob]:
			// Tell the families that perfwatch-exporter lacks for it.
			var fams []string
			vss, err1 := selectors(in[nodeJob].Expand(tg.Expr))
			refs, err2 := selectors(in[referenceJob].Expand(tg.Expr))
			if err1 != nil || err2 != nil || len(vss) != len(refs) {
				t.Fatalf("%s: selectors %v %v (%v, %v)", tg.key(), vss, refs, err1, err2)
			}
			for k, vs := range vss {
				ref := refs[k]
				hasNode, err1 := seriesExist(ctx, env.prom.api, vs.String(), time.Minute)
				hasRef, err2 := seriesExist(ctx, env.prom.api, ref.String(), time.Minute)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if hasRef && !hasNode {
					fams = append(fams, selectorMetric(vs))
					if missingFamilies[selectorMetric(vs)] == nil {
						missingFamilies[selectorMetric(vs)] = map[string]bool{}
					}
					missingFamilies[selectorMetric(vs)][tg.key()] = true
				}
			}
			line := fmt.Sprintf("%s [row %s] needs %s", tg.key(), tg.Row, strings.Join(fams, ", "))
			if len(fams) == 0 {
				line = fmt.Sprintf("%s [row %s]: every series exists, but the expression returns nothing", tg.key(), tg.Row)
			}
			if listed {
				allowed = append(allowed, line+": "+reason)
			} else {
				gaps = append(gaps, line)
				t.Errorf("%s: data for node_exporter, none for perfwatch-exporter\n%s", line, in[nodeJob].Expand(tg.Expr))
			}
		case listed && o.data[nodeJob]:
			t.Errorf("nefNoData: %s has data for perfwatch-exporter now; remove it (%s)", tg.key(), reason)
		case listed:
			t.Logf("nefNoData: %s has no data for node_exporter either on this machine (%s)", tg.key(), reason)
		case o.data[nodeJob] && !o.data[referenceJob]:
			extra = append(extra, fmt.Sprintf("%s [row %s]", tg.key(), tg.Row))
		case !o.data[nodeJob] && !o.data[referenceJob]:
			vss, err := selectors(in[nodeJob].Expand(tg.Expr))
			if err != nil {
				t.Fatal(err)
			}
			for _, vs := range vss {
				name := selectorMetric(vs)
				if has, err := seriesExist(ctx, env.prom.api, fmt.Sprintf(`{__name__=%q}`, name), time.Minute); err == nil && !has {
					if absent[name] == nil {
						absent[name] = map[string]bool{}
					}
					absent[name][tg.key()] = true
				}
			}
		}
	}
	var fams []string
	for _, f := range sortedKeys(missingFamilies) {
		fams = append(fams, fmt.Sprintf("%s (%d targets)", f, len(missingFamilies[f])))
	}
	t.Logf("targets with data for node_exporter, not perfwatch-exporter, allowed for now (nefNoData):\n%s", bullet(allowed))
	t.Logf("targets with data for perfwatch-exporter, not node_exporter:\n%s", bullet(extra))
	t.Logf("families node_exporter has and perfwatch-exporter lacks, by the targets that need them:\n%s", bullet(fams))
	var none []string
	for _, f := range sortedKeys(absent) {
		none = append(none, fmt.Sprintf("%s (%d targets)", f, len(absent[f])))
	}
	t.Logf("families that targets without data for either exporter read and neither has on this machine (not failures):\n%s", bullet(none))
	hidden := 0
	for _, tg := range targets {
		if tg.Hidden {
			hidden++
		}
	}
	t.Logf("Node Exporter Full: %d targets (%d hidden): data for perfwatch-exporter %d (%d visible), for node_exporter 1.5 with its defaults %d (%d visible); %d gaps not allowed",
		len(targets), hidden, count[nodeJob], countVisible[nodeJob], count[referenceJob], countVisible[referenceJob], len(gaps))
}

// nefQuery runs expr as Grafana would for a dashboard over the last minute: an instant
// query at now, or a range query with a 2 s step.
func nefQuery(ctx context.Context, api v1.API, expr string, instant bool, now time.Time) (empty bool, err error) {
	if instant {
		v, _, _, err := api.Query(ctx, expr, now)
		return err == nil && isEmpty(v), err
	}
	v, _, _, err := api.QueryRange(ctx, expr, v1.Range{Start: now.Add(-time.Minute), End: now, Step: 2 * time.Second})
	return err == nil && isEmpty(v), err
}
