package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/demo"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// chromium is the one headless Chromium of the e2e tests, started on first use and closed
// after the last test.
var chromium struct {
	once    sync.Once
	browser *demo.Browser
	err     error
}

// browser returns the shared Chromium. A missing chromium skips t, and fails it under
// CI (.ci/run installs Debian's chromium).
func browser(t *testing.T) *demo.Browser {
	t.Helper()
	bin := testtool.NeedEnv(t, "CHROMIUM_BIN", "chromium", "apt-get install chromium")
	chromium.once.Do(func() {
		log, err := os.Create(filepath.Join(env.dir, "chromium.log"))
		if err != nil {
			chromium.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		chromium.browser, chromium.err = demo.StartBrowser(ctx, bin, log)
		if chromium.err != nil {
			log.Close()
			return
		}
		env.atExit = append(env.atExit, func() { chromium.browser.Close(); log.Close() })
	})
	if chromium.err != nil {
		t.Fatalf("chromium: %v (its output is in %s)", chromium.err, filepath.Join(env.dir, "chromium.log"))
	}
	return chromium.browser
}

// visitApp drives n visits of the demo's app at app (host:port) in the shared Chromium
// (demo.Browser.Visit: load, filter, layout shift, a thrown error and an unhandled
// rejection, SPA navigation to an item and back, leave).
func visitApp(ctx context.Context, t *testing.T, app string, n int) {
	t.Helper()
	b := browser(t)
	for i := range n {
		if err := b.Visit(ctx, "http://"+app); err != nil {
			t.Fatalf("visit %d of %s: %v", i+1, app, err)
		}
	}
}

// TestBrowserMonitoring drives the demo's app in Chromium, through the real snippet and
// the real ingest, with two demos: one measuring every page view (--rum.sample-rate=1)
// and one none (0). Through Prometheus, the sampled demo has, in the exact numbers the
// visits make, the five web vitals of the list view (and none of the SPA views), the
// page views of both views, the API calls (fetch and XMLHttpRequest) under their route
// templates, the navigation phases, the render measures, and the JavaScript errors (a
// TypeError thrown in a click handler, an unhandled rejection) in error tracking with
// source="browser", also in its errors API; resources by initiator; real values (a
// layout shift, an interaction of 120 ms) without poor CLS or seconds of INP; nothing
// refused, dropped or under "other". The unsampled demo served the same visit's API
// calls but got no beacon, no vital and no browser error.
func TestBrowserMonitoring(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser(t) // skips or fails before the demos start
	if err := os.MkdirAll(filepath.Join(env.dir, "browser"), 0o755); err != nil {
		t.Fatal(err)
	}
	logs, err := os.MkdirTemp(filepath.Join(env.dir, "browser"), "run-") // fresh error groups for each run (-count)
	if err != nil {
		t.Fatal(err)
	}
	sampled := startErrorsDemo(ctx, t, logs, "demo-rum-sampled", filepath.Join(logs, "sampled-errors.json"), "--rum.sample-rate=1")
	unsampled := startErrorsDemo(ctx, t, logs, "demo-rum-unsampled", filepath.Join(logs, "unsampled-errors.json"), "--rum.sample-rate=0")
	remove, err := env.prom.addTargets("perfwatch-demo-browser", sampled.admin, unsampled.admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)

	visitApp(ctx, t, unsampled.app, 1)
	const visits = 2
	visitApp(ctx, t, sampled.app, visits)

	in := func(d *errorsDemo, sel string) string {
		return strings.Replace(sel, "{", `{instance="`+d.admin+`",`, 1)
	}
	wait := func(d *errorsDemo, sel string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := env.prom.waitForSeries(wctx, in(d, sel)); err != nil {
			t.Errorf("%v (demo log %s)", err, d.log)
		}
	}
	// Exact counts: each visit is one hard view of /app/ (the vitals, once each, and
	// the navigation phases), SPA views of an item and of the list again, three renders
	// of the list (loaded, filtered, back) and one of the item, the vault fetched twice,
	// the item once, the user once (XMLHttpRequest), and each error once.
	times := func(n int) string { return fmt.Sprintf(" == %d", n*visits) }
	for _, vital := range []string{"lcp_seconds", "inp_seconds", "cls", "fcp_seconds", "ttfb_seconds"} {
		wait(sampled, `perfwatch_web_vitals_`+vital+`_count{page="/app/"}`+times(1))
	}
	// A layout shift happened and an interaction took its time (the filter works for
	// 120 ms): the values are real, not zeros.
	wait(sampled, `perfwatch_web_vitals_cls_sum{page="/app/"} > 0`)
	wait(sampled, `perfwatch_web_vitals_inp_seconds_sum{page="/app/"} >= 0.1`)
	for _, sel := range []string{
		`perfwatch_browser_page_views_total{page="/app/", navigation_type="navigate"}` + times(1),
		`perfwatch_browser_page_views_total{page="/app/items/{id}", navigation_type="spa"}` + times(1),
		`perfwatch_browser_page_views_total{page="/app/", navigation_type="spa"}` + times(1),
		// fetch of both views and the XMLHttpRequest.
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="GET", http_route="/api/users/{id}/vault/joined", http_response_status_code="200"}` + times(2),
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="GET", http_route="/api/items/{id}", http_response_status_code="200"}` + times(1),
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="GET", http_route="/api/users/{id}", http_response_status_code="200"}` + times(1),
		`perfwatch_browser_render_duration_seconds_count{page="/app/", name="ItemList"}` + times(3),
		`perfwatch_browser_render_duration_seconds_count{page="/app/items/{id}", name="ItemDetail"}` + times(1),
		`perfwatch_browser_resources_total{page="/app/", initiator="script"} > 0`,
		`perfwatch_browser_resources_total{page="/app/", initiator="link"} > 0`,
		`perfwatch_browser_resources_total{page="/app/", initiator="fetch"} > 0`,
		`perfwatch_browser_resources_total{page="/app/", initiator="xmlhttprequest"} > 0`,
		`perfwatch_browser_resource_transfer_bytes_total{page="/app/", initiator="script"} > 0`,
		`perfwatch_browser_resource_duration_seconds_total{page="/app/", initiator="fetch"} > 0`,
		`perfwatch_errors_total{source="browser", error_type="TypeError"}` + times(1),
		`perfwatch_errors_total{source="browser", error_type="Error"}` + times(1),
		`perfwatch_rum_beacons_total{} >= 2`,
	} {
		wait(sampled, sel)
	}
	for _, phase := range []string{"dns", "connect", "ttfb", "dom_interactive", "load"} {
		wait(sampled, `perfwatch_browser_navigation_duration_seconds_count{page="/app/", phase="`+phase+`"}`+times(1))
	}
	if t.Failed() {
		t.Logf("the sampled demo's browser series:\n%s", promResult(ctx, t, in(sampled, `{__name__=~"perfwatch_(web_vitals|browser)_.+_count|perfwatch_browser_page_views_total"}`)))
	}
	// Nothing refused, dropped, or outside the configured templates.
	for _, sel := range []string{
		`sum(perfwatch_rum_beacons_rejected_total{}) > 0`,
		`sum(perfwatch_rum_events_dropped_total{}) > 0`,
		`count({__name__=~"perfwatch_(web_vitals|browser)_.+", page="other"})`,
		`count({__name__=~"perfwatch_web_vitals_.+_count", page!="/app/"})`, // the SPA views have none
		`count(perfwatch_browser_api_request_duration_seconds_count{http_route="other"})`,
		`count(perfwatch_browser_render_duration_seconds_count{name="other"})`,
	} {
		if v := promResult(ctx, t, in(sampled, sel)); v != "" {
			t.Errorf("%s: %s", in(sampled, sel), v)
		}
	}
	// The values are the page's, not the harness's: the filter's interaction takes its
	// 120 ms and a paint, not seconds (a headless tab painted slowly would make every
	// INP poor), and the late notice is the one layout shift (a scrollbar appearing
	// shifted the whole page once), so that the demo does not fire poor-vitals alerts.
	for _, poor := range []struct{ metric, le string }{{"inp_seconds", "1"}, {"cls", "0.25"}} {
		expr := in(sampled, `perfwatch_web_vitals_`+poor.metric+`_count{}`) + ` - ignoring (le) ` +
			in(sampled, `perfwatch_web_vitals_`+poor.metric+`_bucket{le="`+poor.le+`"}`) + ` > 0`
		if v := promResult(ctx, t, expr); v != "" {
			t.Errorf("views with %s over %s: %s: %s", poor.metric, poor.le, expr, v)
		}
	}

	// The errors API groups the browser's errors: one group each, on the list view.
	body, err := errorsGet(ctx, "http://"+sampled.admin+"/api/errors/groups?source=browser")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Groups []struct {
			apiGroup
			Source string `json:"source"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("errors API: %v: %s", err, body)
	}
	byType := map[string]int{}
	for _, g := range list.Groups {
		byType[g.Type]++
		if g.Route != "/app/" || g.Count != visits {
			t.Errorf("browser error group %+v: want route /app/ and %d events", g, visits)
		}
		if g.Source != "" && g.Source != "browser" {
			t.Errorf("browser error group %+v: source %s", g, g.Source)
		}
	}
	if byType["TypeError"] != 1 || byType["Error"] != 1 || len(list.Groups) != 2 {
		t.Errorf("browser error groups %s: want one TypeError (thrown in the click handler) and one Error (the rejection)", body)
	}

	// The unsampled demo: the browser used its API (the same visit), but nothing
	// arrived from the snippet, however long it had.
	wait(unsampled, `http_server_request_duration_seconds_count{http_route="/api/items/{id}"} > 0`)
	wait(unsampled, `http_server_request_duration_seconds_count{http_route="/api/users/{id}/vault/joined"} > 0`)
	for _, sel := range []string{
		`perfwatch_rum_beacons_total{} > 0`,
		`sum(perfwatch_rum_beacons_rejected_total{}) > 0`,
		`count({__name__=~"perfwatch_(web_vitals|browser)_.+"})`,
		`perfwatch_errors_total{source="browser"} > 0`,
	} {
		if v := promResult(ctx, t, in(unsampled, sel)); v != "" {
			t.Errorf("sample rate 0: %s: %s", in(unsampled, sel), v)
		}
	}
	if v := promResult(ctx, t, in(unsampled, `perfwatch_rum_beacons_total{}`)); v == "" {
		t.Error("sample rate 0: the ingest's perfwatch_rum_beacons_total is not exposed")
	}
}

// promResult runs an instant query and returns its result, or "" when it has none.
func promResult(ctx context.Context, t *testing.T, expr string) string {
	t.Helper()
	v, _, _, err := env.prom.api.Query(ctx, expr, time.Now())
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if isEmpty(v) {
		return ""
	}
	if vec, ok := v.(model.Vector); ok {
		return fmt.Sprint(vec)
	}
	return v.String()
}
