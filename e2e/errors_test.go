package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// The fault routes of the demo (demo/faults.go) and what each raises.
var demoFaults = map[string]string{
	"/api/items/{id}/preview": "runtime.boundsError",
	"/api/users/{id}/audit":   "*sqlite.Error",
	"/api/search":             "context.deadlineExceededError",
	"/api/checkout":           "*demo.GatewayError",
}

// faultArgs make a demo whose traffic is mostly faults, each failing every time.
var faultArgs = []string{"--load.rps=150", "--load.fault-share=0.3", "--demo.fault-ratio=1", "--errors.save-interval=200ms"}

// errorsDemo is a perfwatch-demo process started by the error tests.
type errorsDemo struct {
	*process
	app, admin string // host:port of the API and of the admin listener
	state      string // its state file
	stopOnce   sync.Once
}

// stop ends the process once; a test may stop it before its clean-up does.
func (d *errorsDemo) stop() { d.stopOnce.Do(d.process.stop) }

// startErrorsDemo starts perfwatch-demo with its own state file (args add flags) and
// waits until its admin listener answers.
func startErrorsDemo(ctx context.Context, t *testing.T, logDir, name, state string, args ...string) *errorsDemo {
	t.Helper()
	d := &errorsDemo{app: testaddr.Must(t), admin: testaddr.Must(t), state: state}
	if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"--web.app-listen-address=" + d.app, "--web.listen-address=" + d.admin,
		"--errors.state-file=" + state, "--errors.release=e2e"}, args...)
	p, err := start(name, logDir, filepath.Join(env.bins, "perfwatch-demo"), args...)
	if err != nil {
		t.Fatal(err)
	}
	d.process = p
	t.Cleanup(d.stop)
	p.ready(ctx, t, "http://"+d.admin+"/-/healthy")
	return d
}

// apiGroup is the part of an error group of the admin API the tests read.
type apiGroup struct {
	ID       string   `json:"id"`
	Source   string   `json:"source"`
	Type     string   `json:"type"`
	Types    []string `json:"types"`
	Message  string   `json:"message"`
	Route    string   `json:"route"`
	Severity string   `json:"severity"`
	State    string   `json:"state"`
	Count    uint64   `json:"count"`
}

// groups lists the demo's error groups through its admin API.
func (d *errorsDemo) groups(ctx context.Context) ([]apiGroup, error) { return listGroups(ctx, d.admin) }

// listGroups lists the error groups of the admin API on admin (the demo's or the
// collector's), up to 1000.
func listGroups(ctx context.Context, admin string) ([]apiGroup, error) {
	body, err := errorsGet(ctx, "http://"+admin+"/api/errors/groups?limit=1000")
	if err != nil {
		return nil, err
	}
	var list struct {
		Groups []apiGroup `json:"groups"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		return nil, fmt.Errorf("error groups of %s: %w: %.300s", admin, err, body)
	}
	return list.Groups, nil
}

// faultGroups waits until the demo holds a group for every fault (or for the routes
// given) and returns them by route.
func (d *errorsDemo) faultGroups(ctx context.Context, t *testing.T, routes ...string) map[string]apiGroup {
	t.Helper()
	if len(routes) == 0 {
		for r := range demoFaults {
			routes = append(routes, r)
		}
	}
	var byRoute map[string]apiGroup
	var last []apiGroup
	if !eventually(30*time.Second, func() bool {
		gs, err := d.groups(ctx)
		if err != nil {
			return false
		}
		last = gs
		byRoute = map[string]apiGroup{}
		for _, g := range gs {
			if _, ok := demoFaults[g.Route]; ok {
				if prev, dup := byRoute[g.Route]; dup && prev.ID != g.ID {
					t.Errorf("%s: two groups for route %s: %+v and %+v", d.name, g.Route, prev, g)
				}
				byRoute[g.Route] = g
			}
		}
		for _, r := range routes {
			if _, ok := byRoute[r]; !ok {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("%s: the faults' groups did not all appear; groups %+v (log %s)", d.name, last, d.log)
	}
	for route, g := range byRoute {
		if g.Type != demoFaults[route] {
			t.Errorf("%s: group of %s has type %s, want %s", d.name, route, g.Type, demoFaults[route])
		}
	}
	return byRoute
}

// sendFaults makes n requests to each fault route of the demo's API.
func (d *errorsDemo) sendFaults(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	paths := map[string]string{"/api/items/7/preview": "GET", "/api/users/3/audit": "GET", "/api/search?q=x": "GET", "/api/checkout": "POST"}
	for path, method := range paths {
		for range n {
			req, _ := http.NewRequestWithContext(ctx, method, "http://"+d.app+path, strings.NewReader("{}"))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 500 {
				t.Fatalf("%s %s: %s, want a failure", method, path, resp.Status)
			}
		}
	}
}

// expSample is one sample of a text exposition.
type expSample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape reads the demo's metrics (the text format).
func (d *errorsDemo) scrape(ctx context.Context) ([]expSample, error) {
	body, err := errorsGet(ctx, "http://"+d.admin+"/metrics")
	if err != nil {
		return nil, err
	}
	var out []expSample
	for _, line := range strings.Split(body, "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		s := expSample{name: m[1], labels: map[string]string{}, value: v}
		for _, lp := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[lp[1]] = lp[2]
		}
		out = append(out, s)
	}
	return out, nil
}

// findSamples returns the samples named name whose labels include want.
func findSamples(samples []expSample, name string, want map[string]string) []expSample {
	var out []expSample
	for _, s := range samples {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range want {
			ok = ok && s.labels[k] == v
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

func sumSamples(samples []expSample) float64 {
	var n float64
	for _, s := range samples {
		n += s.value
	}
	return n
}

func errorsGet(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// promVector runs an instant query and returns its vector.
func promVector(ctx context.Context, t *testing.T, expr string) model.Vector {
	t.Helper()
	v, _, _, err := env.prom.api.Query(ctx, expr, time.Now())
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		t.Fatalf("%s: %s result, want a vector", expr, v.Type())
	}
	return vec
}

// TestErrorsReplicasAndRestart runs two demo processes with fault-heavy traffic, each
// with its own state file, scraped by the shared Prometheus as one job:
//  1. the same fault has the same group id on both (read through the admin API, and
//     from perfwatch_error_group_info), and Prometheus has the error metrics of both;
//  2. one is restarted with its state file: its groups are known from start-up (their
//     series are exposed before any new event, first-seen times kept), and new events
//     of them do not count as new groups.
func TestErrorsReplicasAndRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const job = "e2e-errors"
	dir := filepath.Join(env.dir, "errors")
	a := startErrorsDemo(ctx, t, dir, "demo-a", filepath.Join(dir, "a", "errors.json"), faultArgs...)
	b := startErrorsDemo(ctx, t, dir, "demo-b", filepath.Join(dir, "b", "errors.json"), faultArgs...)
	remove, err := env.prom.addTargets(job, a.admin, b.admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)

	// 1. One group id per fault, the same on both replicas.
	groupsA, groupsB := a.faultGroups(ctx, t), b.faultGroups(ctx, t)
	for route, ga := range groupsA {
		if gb := groupsB[route]; gb.ID != ga.ID || gb.Message != ga.Message {
			t.Errorf("%s: group %s %q on demo-a, %s %q on demo-b", route, ga.ID, ga.Message, gb.ID, gb.Message)
		}
	}
	for _, d := range []*errorsDemo{a, b} {
		samples, err := d.scrape(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for route, g := range groupsA {
			info := findSamples(samples, "perfwatch_error_group_info", map[string]string{"group": g.ID})
			if len(info) != 1 || info[0].labels["http_route"] != route || info[0].labels["error_type"] != demoFaults[route] {
				t.Errorf("%s: perfwatch_error_group_info of %s (%s): %+v", d.name, g.ID, route, info)
			}
		}
	}
	// Prometheus sees the error metrics of both instances, the groups' on both.
	for _, expr := range []string{
		fmt.Sprintf(`count by (job) (count by (instance) (perfwatch_errors_total{job=%q})) == 2`, job),
		fmt.Sprintf(`count by (job) (count by (instance) (perfwatch_errors_by_route_total{job=%q})) == 2`, job),
		fmt.Sprintf(`count by (job) (count by (instance) (perfwatch_error_groups_new_total{job=%q})) == 2`, job),
		fmt.Sprintf(`count by (job) (count by (instance) (perfwatch_error_groups{job=%q})) == 2`, job),
		fmt.Sprintf(`count by (job) (count by (instance) (perfwatch_errors_state_last_write_timestamp_seconds{job=%q} > 0)) == 2`, job),
	} {
		if err := env.prom.waitForSeries(ctx, expr); err != nil {
			t.Fatal(err)
		}
	}
	for route, g := range groupsA {
		for _, metric := range []string{"perfwatch_error_group_events_total", "perfwatch_error_group_info", "perfwatch_error_group_first_seen_timestamp_seconds"} {
			expr := fmt.Sprintf(`count(count by (instance) (%s{job=%q, group=%q})) == 2`, metric, job, g.ID)
			if err := env.prom.waitForSeries(ctx, expr); err != nil {
				t.Errorf("%s of %s: %v", metric, route, err)
			}
		}
	}
	crit := promVector(ctx, t, fmt.Sprintf(`sum by (group) (perfwatch_error_group_events_total{job=%q, severity="critical"})`, job))
	if len(crit) != 1 || string(crit[0].Metric["group"]) != groupsA["/api/items/{id}/preview"].ID {
		t.Errorf("critical events by group: %v, want only the preview's panic group %s", crit, groupsA["/api/items/{id}/preview"].ID)
	}

	// 2. Restart demo-a with its state file, without traffic of its own.
	before, err := a.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.stop()
	if bs, err := os.ReadFile(a.state); err != nil {
		t.Fatalf("demo-a left no state file: %v", err)
	} else {
		for _, g := range groupsA {
			if !strings.Contains(string(bs), g.ID) {
				t.Errorf("state file lacks group %s", g.ID)
			}
		}
	}
	countsBefore, err := a.groupsByID(ctx, groupsA)
	if err != nil {
		t.Fatal(err)
	}
	a2 := startErrorsDemo(ctx, t, dir, "demo-a-restarted", a.state, "--errors.save-interval=200ms", "--demo.fault-ratio=1")
	removeA2, err := env.prom.addTargets(job+"-restarted", a2.admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeA2)
	after, err := a2.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for route, g := range groupsA {
		l := map[string]string{"group": g.ID}
		if n := len(findSamples(after, "perfwatch_error_group_events_total", l)); n == 0 {
			t.Errorf("after the restart, before any event: no perfwatch_error_group_events_total for %s (%s)", g.ID, route)
		}
		if n := len(findSamples(after, "perfwatch_error_group_info", l)); n != 1 {
			t.Errorf("after the restart: %d perfwatch_error_group_info for %s (%s)", n, g.ID, route)
		}
		fb, fa := findSamples(before, "perfwatch_error_group_first_seen_timestamp_seconds", l), findSamples(after, "perfwatch_error_group_first_seen_timestamp_seconds", l)
		if len(fb) != 1 || len(fa) != 1 || fb[0].value != fa[0].value {
			t.Errorf("first seen of %s (%s): %v before the restart, %v after", g.ID, route, fb, fa)
		}
	}
	if n := sumSamples(findSamples(after, "perfwatch_error_groups_new_total", nil)); n != 0 {
		t.Errorf("%v new groups right after the restart", n)
	}
	a2.sendFaults(ctx, t, 5)
	var groupsA2 map[string]apiGroup
	counted := func() bool {
		groupsA2 = a2.faultGroups(ctx, t)
		for route, g := range groupsA {
			if g2 := groupsA2[route]; g2.ID != g.ID || g2.Count < countsBefore[g.ID]+5 {
				return false
			}
		}
		return true
	}
	if !eventually(10*time.Second, counted) {
		for route, g := range groupsA {
			g2 := groupsA2[route]
			t.Errorf("%s after the restart: group %s count %d, want %s with %d+5", route, g2.ID, g2.Count, g.ID, countsBefore[g.ID])
		}
	}
	final, err := a2.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := sumSamples(findSamples(final, "perfwatch_error_groups_new_total", nil)); n != 0 {
		t.Errorf("events of known groups after the restart made %v new groups", n)
	}
	for route, g := range groupsA {
		if n := sumSamples(findSamples(final, "perfwatch_error_group_events_total", map[string]string{"group": g.ID})); n < 5 {
			t.Errorf("after the restart: %v events of %s (%s), want 5", n, g.ID, route)
		}
	}
	// Prometheus scraped the restarted process too; its new-group counter stays 0.
	expr := fmt.Sprintf(`perfwatch_error_group_events_total{job=%q, group=%q} >= 5`, job+"-restarted", groupsA["/api/search"].ID)
	if err := env.prom.waitForSeries(ctx, expr); err != nil {
		t.Fatal(err)
	}
	if v := promVector(ctx, t, fmt.Sprintf(`sum(perfwatch_error_groups_new_total{job=%q}) > 0`, job+"-restarted")); len(v) > 0 {
		t.Errorf("Prometheus sees new groups on the restarted demo: %v", v)
	}
}

// groupsByID returns the counts of the given groups as the state file holds them.
func (d *errorsDemo) groupsByID(_ context.Context, groups map[string]apiGroup) (map[string]uint64, error) {
	b, err := os.ReadFile(d.state)
	if err != nil {
		return nil, err
	}
	var st struct {
		Groups []apiGroup `json:"groups"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state file %s: %w", d.state, err)
	}
	out := map[string]uint64{}
	for _, g := range st.Groups {
		out[g.ID] = g.Count
	}
	for _, g := range groups {
		if _, ok := out[g.ID]; !ok {
			return nil, fmt.Errorf("state file %s lacks group %s", d.state, g.ID)
		}
	}
	return out, nil
}

// TestErrorsCorruptStateFile starts a demo whose state file is not one: it serves,
// logs the problem, moves the file aside, tracks new events and writes a good file.
func TestErrorsCorruptStateFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(env.dir, "errors-corrupt")
	state := filepath.Join(dir, "state", "errors.json")
	if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
		t.Fatal(err)
	}
	garbage := []byte(`{"version": 1, "groups": [{"id": "trunc`)
	if err := os.WriteFile(state, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	d := startErrorsDemo(ctx, t, dir, "demo-corrupt", state, faultArgs...)
	if body, err := errorsGet(ctx, "http://"+d.app+"/api/users/1"); err != nil || !strings.Contains(body, "user1@example.com") {
		t.Errorf("the API does not serve: %v %s", err, body)
	}
	log, err := os.ReadFile(d.log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "state file unreadable, moved aside") || !strings.Contains(string(log), state) {
		t.Errorf("the log does not report the corrupt state file:\n%s", log)
	}
	aside, _ := filepath.Glob(state + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("corrupt state file moved aside to %v, want one file", aside)
	}
	if b, err := os.ReadFile(aside[0]); err != nil || string(b) != string(garbage) {
		t.Errorf("moved-aside file %s: %v %q", aside[0], err, b)
	}
	groups := d.faultGroups(ctx, t)
	samples, err := d.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := sumSamples(findSamples(samples, "perfwatch_errors_state_load_failures_total", nil)); n != 1 {
		t.Errorf("perfwatch_errors_state_load_failures_total %v, want 1", n)
	}
	if n := sumSamples(findSamples(samples, "perfwatch_error_groups_new_total", nil)); n < float64(len(demoFaults)) {
		t.Errorf("perfwatch_error_groups_new_total %v, want at least %d", n, len(demoFaults))
	}
	// The tracker writes a good state file again.
	var saved map[string]uint64
	if !eventually(10*time.Second, func() bool {
		saved, err = d.groupsByID(ctx, groups)
		return err == nil
	}) {
		t.Fatalf("no good state file written: %v", err)
	}
	if len(saved) < len(demoFaults) {
		t.Errorf("state file holds %d groups", len(saved))
	}
}

// TestErrorsCriticalAlert drives the demo's panics through the generated error rules
// (test profile) in the shared Prometheus and the shipped alertmanager.yml: the
// critical alert reaches Slack and email, naming the group and route.
func TestErrorsCriticalAlert(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const job, alert = "e2e-errors-alert", "ErrorCritical"
	am, slack, mail := alertingFor(ctx, t, "errors-alert")
	ruleFiles := testProfileRules(t)
	var errorRules []byte
	for name, data := range ruleFiles {
		if strings.Contains(string(data), "alert: "+alert) {
			errorRules = data
			ruleFiles = map[string][]byte{name: data}
			break
		}
	}
	if errorRules == nil {
		t.Fatalf("the generated rules have no alert %s (rules/config.yml's errors section)", alert)
	}
	removeRules, err := env.prom.addRules(ctx, "errors-alert", ruleFiles)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeRules)

	dir := filepath.Join(env.dir, "errors-alert")
	d := startErrorsDemo(ctx, t, dir, "demo-alert", filepath.Join(dir, "errors.json"),
		"--load.rps=100", "--load.fault-share=0.3", "--load.fault-mix=preview=1,audit=0,search=0,checkout=0", "--demo.fault-ratio=1")
	remove, err := env.prom.addTargets(job, d.admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	groups := d.faultGroups(ctx, t, "/api/items/{id}/preview")
	panicGroup := groups["/api/items/{id}/preview"].ID

	suffix := fmt.Sprintf("] critical: %s (%s)", alert, job)
	var msg slackMessage
	if !eventually(90*time.Second, func() bool {
		i := slices.IndexFunc(slack.received(), func(m slackMessage) bool {
			return len(m.Attachments) > 0 && strings.HasPrefix(m.Attachments[0].Title, "[FIRING") && strings.HasSuffix(m.Attachments[0].Title, suffix)
		})
		if i >= 0 {
			msg = slack.received()[i]
		}
		return i >= 0
	}) {
		t.Fatalf("no Slack message for %s within 90 s; got %s\nalerts: %v\nalertmanager log:\n%s", alert, titles(slack.received()),
			promVector(ctx, t, fmt.Sprintf(`ALERTS{job=%q}`, job)), tail(am.log))
	}
	text := msg.text()
	for _, want := range []string{"severity: `critical`", panicGroup, "route: `/api/items/{id}/preview`", "runtime.boundsError", "/docs/runbooks/" + alert + ".md"} {
		if !strings.Contains(text, want) {
			t.Errorf("Slack message lacks %q:\n%s", want, text)
		}
	}
	if msg.Attachments[0].Color != "danger" {
		t.Errorf("Slack message color %q, want danger", msg.Attachments[0].Color)
	}
	var mailed email
	if !eventually(60*time.Second, func() bool {
		i := slices.IndexFunc(mail.received(), func(e email) bool {
			return strings.HasPrefix(e.Subject, "[FIRING") && strings.HasSuffix(e.Subject, suffix)
		})
		if i >= 0 {
			mailed = mail.received()[i]
		}
		return i >= 0
	}) {
		t.Fatalf("no email for %s; got %s (auth failures %v)\nalertmanager log:\n%s", alert, subjects(mail.received()), mail.authFailures(), tail(am.log))
	}
	for _, want := range []string{"severity: critical", panicGroup, "/docs/runbooks/" + alert + ".md"} {
		if !strings.Contains(mailed.Text, want) {
			t.Errorf("email lacks %q:\n%s", want, mailed.Text)
		}
	}
	if mailed.To != "oncall@example.com" {
		t.Errorf("email to %q", mailed.To)
	}
	// Only the panic is critical: no critical alert for the other faults' groups.
	for _, m := range slack.received() {
		for _, g := range groups {
			if g.ID != panicGroup && strings.Contains(m.text(), g.ID) && strings.Contains(m.text(), alert) {
				t.Errorf("a critical alert names group %s (%s):\n%s", g.ID, g.Route, m.text())
			}
		}
	}
}
