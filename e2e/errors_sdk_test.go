package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// TestErrorsSentrySDKs runs the real Sentry SDKs against perfwatch-collector (issue
// #13): Debian's python3-sentry-sdk 1.9.10 in a Django app (e2e/apps/sentry-django)
// and @sentry/node 11.12.0 from npm (e2e/apps/sentry-node), each reporting through its
// DSN. It reads the groups from the collector's errors API and the counts from the
// shared Prometheus: the same error raised with different ids is one group, chained
// exceptions keep their chain, handled errors are medium and unhandled ones high,
// info messages are dropped, and nothing the apps attach (a password in the query, a
// session cookie, the user's e-mail) reaches the API or the metrics.
func TestErrorsSentrySDKs(t *testing.T) {
	if err := exec.Command(djangoPython, "-c", "import django, sentry_sdk").Run(); err != nil {
		testtool.Missing(t, "%s cannot import django and sentry_sdk (%v): run scripts/install-backend-apps.sh (apt-get install python3-django python3-sentry-sdk)", djangoPython, err)
	}
	testtool.Need(t, "node", "apt-get install nodejs npm, then scripts/install-backend-apps.sh")
	if _, err := os.Stat(filepath.Join("apps", "sentry-node", "node_modules", "@sentry", "node")); err != nil {
		testtool.Missing(t, "e2e/apps/sentry-node/node_modules is missing: run scripts/install-backend-apps.sh (npm ci --prefix e2e/apps/sentry-node)")
	}
	if err := nodeAtLeast(20, 19); err != nil {
		testtool.Missing(t, "@sentry/node 11 needs Node >= 20.19: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := os.MkdirAll(env.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logs, err := os.MkdirTemp(env.dir, "errors-sdk-") // a fresh state file for each run
	if err != nil {
		t.Fatal(err)
	}
	col := startCollector(ctx, t, logs)
	sel := fmt.Sprintf(`job="perfwatch-collector",instance=%q`, col.admin)

	remove, err := env.prom.addTargets("perfwatch-collector", col.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer remove()

	django := startSentryApp(ctx, t, logs, "sentry-django", "http://kdjango@"+col.ingest+"/1",
		djangoPython, "apps/sentry-django/app.py")
	node := startSentryApp(ctx, t, logs, "sentry-node", "http://knode@"+col.ingest+"/2",
		"node", "apps/sentry-node/server.js")

	// What each app is asked for: each path once. The ids differ, the groups must not.
	hostile := "?password=hunter2&token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	djangoPaths := []string{"/orders/1/", "/orders/2/" + hostile, "/orders/3/", "/orders/4/", "/orders/5/",
		"/wrapped/1/", "/wrapped/2/", "/wrapped/3/", "/handled/1/", "/handled/2/" + hostile,
		"/message/", "/info/", "/info/"}
	// @sentry/node's Dedupe integration drops an event equal to the one before it, so
	// the same error never follows itself.
	nodePaths := []string{"/orders/1", "/wrapped/1", "/orders/2" + hostile, "/info", "/orders/3",
		"/wrapped/2", "/info", "/orders/4", "/handled/1", "/message"}
	for _, p := range djangoPaths {
		sdkAppGet(ctx, t, django+p)
	}
	for _, p := range nodePaths {
		sdkAppGet(ctx, t, node+p)
	}

	// The groups, by source and type, with their counts and severities: info events
	// are no errors and make no group.
	type key struct{ source, typ string }
	want := map[key]struct {
		count    uint64
		severity string
	}{
		{"python", "ZeroDivisionError"}: {5, "high"},
		{"python", "RuntimeError"}:      {3, "high"}, // a RuntimeError raised from a KeyError: the type raised
		{"python", "ValueError"}:        {2, "medium"},
		{"python", "message"}:           {1, "low"},
		{"node", "TypeError"}:           {4, "high"},
		{"node", "Error"}:               {2, "high"}, // an Error caused by a RangeError: the type raised
		{"node", "SyntaxError"}:         {1, "medium"},
		{"node", "message"}:             {1, "low"},
	}
	var groups []apiGroup
	deadline := time.Now().Add(45 * time.Second)
	for {
		groups, err = col.groups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var total uint64
		for _, g := range groups {
			total += g.Count
		}
		if total >= 19 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	got := map[key]apiGroup{}
	for _, g := range groups {
		k := key{g.Source, g.Type}
		if prev, dup := got[k]; dup {
			t.Errorf("two groups for %v: %+v and %+v (the same error with different ids must be one group)", k, prev, g)
		}
		got[k] = g
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("no group for %s %s; groups: %+v", k.source, k.typ, groups)
		case g.Count != w.count || g.Severity != w.severity:
			t.Errorf("group %s %s: count %d severity %s, want %d %s", k.source, k.typ, g.Count, g.Severity, w.count, w.severity)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d groups, want %d: %+v", len(got), len(want), groups)
	}
	if g := got[key{"python", "RuntimeError"}]; len(g.Types) != 2 || g.Types[0] != "RuntimeError" || g.Types[1] != "KeyError" {
		t.Errorf("python chain %q, want RuntimeError then KeyError", g.Types)
	}
	if g := got[key{"python", "ZeroDivisionError"}]; g.Route != "/orders/{id}/" {
		t.Errorf("python route %q, want the Django route template /orders/{id}/", g.Route)
	}

	// The detail of every group, and /metrics: no secret of the requests.
	var everything strings.Builder
	for _, g := range groups {
		body, err := errorsGet(ctx, "http://"+col.admin+"/api/errors/groups/"+g.ID)
		if err != nil {
			t.Fatal(err)
		}
		everything.WriteString(body)
	}
	metrics, err := errorsGet(ctx, "http://"+col.admin+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	everything.WriteString(metrics)
	for _, secret := range []string{"hunter2", "eyJhbGciOiJIUzI1NiJ9", "s3cr3t", "alice@example.com"} {
		if strings.Contains(everything.String(), secret) {
			t.Errorf("the collector's API or metrics carry %q", secret)
		}
	}
	if !strings.Contains(everything.String(), `"in_app":true`) {
		t.Errorf("no in-app frame in any sample stack")
	}

	// The same counts through Prometheus.
	for expr, wantV := range map[string]float64{
		`sum(perfwatch_errors_total{SEL,source="python"})`:                                11,
		`sum(perfwatch_errors_total{SEL,source="node"})`:                                  8,
		`sum(perfwatch_errors_total{SEL,source="python",error_type="ZeroDivisionError"})`: 5,
		`sum(perfwatch_errors_ingest_items_total{SEL,type="event",result="accepted"})`:    19,
		`sum(perfwatch_errors_ingest_items_total{SEL,type="event",result="dropped"})`:     4, // the info messages
		`sum(perfwatch_errors_ingest_rejected_total{SEL})`:                                0,
	} {
		if err := sdkWaitValue(ctx, strings.ReplaceAll(expr, "SEL", sel), wantV); err != nil {
			t.Error(err)
		}
	}
	// Sessions and client reports are accepted and dropped.
	if err := env.prom.waitForSeries(ctx, `perfwatch_errors_ingest_items_total{`+sel+`,type=~"sessions|client_report",result="dropped"} > 0`); err != nil {
		t.Error(err)
	}
}

// sdkCollector is a perfwatch-collector process.
type sdkCollector struct {
	*process
	ingest, admin string // host:port of the ingest and of the admin listener
}

// startCollector starts perfwatch-collector with two projects, 1 (key kdjango) and 2
// (key knode), and a state file.
func startCollector(ctx context.Context, t *testing.T, logs string) *sdkCollector {
	t.Helper()
	bin := filepath.Join(env.bins, "perfwatch-collector")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(logs, "collector.yml")
	if err := os.WriteFile(conf, []byte(`projects:
  - id: 1
    name: shop-django
    keys: [kdjango]
  - id: 2
    name: shop-node
    keys: [knode]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &sdkCollector{ingest: testaddr.Must(t), admin: testaddr.Must(t)}
	p, err := start("perfwatch-collector", logs, bin, "--config.file="+conf,
		"--ingest.listen-address="+c.ingest, "--web.listen-address="+c.admin,
		"--errors.state-file="+filepath.Join(logs, "errors.json"), "--log.level=debug")
	if err != nil {
		t.Fatal(err)
	}
	c.process = p
	t.Cleanup(p.stop)
	p.ready(ctx, t, "http://"+c.admin+"/-/healthy")
	return c
}

func (c *sdkCollector) groups(ctx context.Context) ([]apiGroup, error) {
	return listGroups(ctx, c.admin)
}

// startSentryApp starts one of the Sentry SDK apps on a free port with its DSN and
// returns its base URL.
func startSentryApp(ctx context.Context, t *testing.T, logs, name, dsn, interpreter, script string) string {
	t.Helper()
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	addr := testaddr.Must(t)
	p, err := startWithEnv(name, logs, []string{"SENTRY_DSN=" + dsn, "PYTHONDONTWRITEBYTECODE=1"}, interpreter, abs, port(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	p.ready(ctx, t, "http://"+addr+"/")
	return "http://" + addr
}

// sdkAppGet asks an app for path with a browser's User-Agent and a session cookie
// (which the ingest must drop), and waits for the answer: the apps flush their events
// before or just after answering.
func sdkAppGet(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
	req.Header.Set("Cookie", "sessionid=s3cr3t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// sdkWaitValue polls Prometheus until expr's single value is want.
func sdkWaitValue(ctx context.Context, expr string, want float64) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	last := "no result"
	for {
		v, _, _, err := env.prom.api.Query(wctx, expr, time.Now())
		if err != nil {
			last = err.Error()
		} else if vec, ok := v.(model.Vector); ok && len(vec) == 1 {
			last = vec[0].Value.String()
			if float64(vec[0].Value) == want {
				return nil
			}
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("%s: want %v, last %s", expr, want, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// nodeAtLeast checks the version of the node on PATH.
func nodeAtLeast(major, minor int) error {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return err
	}
	var ma, mi int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "v%d.%d", &ma, &mi); err != nil {
		return fmt.Errorf("node --version %q: %w", out, err)
	}
	if ma < major || (ma == major && mi < minor) {
		return fmt.Errorf("node is %s", strings.TrimSpace(string(out)))
	}
	return nil
}
