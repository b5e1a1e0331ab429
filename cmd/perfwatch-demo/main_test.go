package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/perfwatch/perfwatch/internal/metricsdoc"
	"github.com/perfwatch/perfwatch/internal/testaddr"
)

func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestRunServesAppMetricsAndLoad starts the demo with its traffic generator and checks
// that the generated traffic shows in the metrics, then stops it with SIGTERM.
func TestRunServesAppMetricsAndLoad(t *testing.T) {
	app, admin := testaddr.Must(t), testaddr.Must(t)
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"--web.app-listen-address=" + app, "--web.listen-address=" + admin,
			"--load.rps=100", "--load.mix=report=0", "--log.level=error"})
	}()
	var metrics string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		m, err := get("http://" + admin + "/metrics")
		if err == nil && strings.Contains(m, `http_route="/api/items/{id}"`) && strings.Contains(m, `http_route="/api/sync"`) {
			metrics = m
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if metrics == "" {
		t.Fatal("generated traffic never showed in the metrics")
	}
	if body, err := get("http://" + app + "/api/users/1"); err != nil || !strings.Contains(body, "user1@example.com") {
		t.Errorf("API: %v %s", err, body)
	}
	documented, err := metricsdoc.Section(metricsdoc.Path(), "Demo application")
	if err != nil {
		t.Fatal(err)
	}
	for name := range documented {
		if !strings.Contains(metrics, "\n"+name) {
			t.Errorf("%s is documented but not exposed", name)
		}
	}
	terminate(t, done)
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"--demo.failure-ratio=2", "between 0 and 1"},
		{"--load.mix=bogus=1", "load mix"},
		{"--demo.fault-ratio=-0.1", "between 0 and 1"},
		{"--load.fault-share=1.5", "between 0 and 1"},
		{"--load.fault-mix=item=1", "fault mix"},
		{"--no-such-flag", "unknown long flag"},
		{"--rum.sample-rate=1.5", "between 0 and 1"},
		{"--rum.sample-rate=-1", "between 0 and 1"},
		{"--load.browser-interval=-1s", "must not be negative"},
		{"--db.path=/nonexistent-dir/x.db", "database"},
	} {
		err := run([]string{tc.args, "--web.app-listen-address=" + testaddr.Must(t), "--web.listen-address=" + testaddr.Must(t)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestAdminListenerWebConfig puts the metrics behind basic auth with
// --web.config.file, as the exporter does, while the API stays open.
func TestAdminListenerWebConfig(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app, admin := testaddr.Must(t), testaddr.Must(t)
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"--web.app-listen-address=" + app, "--web.listen-address=" + admin,
			"--web.config.file=" + cfg, "--log.level=error"})
	}()
	status := func(url, user, pass string) int {
		req, _ := http.NewRequest("GET", url, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(10 * time.Second)
	for status("http://"+app+"/healthz", "", "") != 200 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"prometheus", "wrong", 401}, {"prometheus", "s3cret", 200}} {
		if got := status("http://"+admin+"/metrics", tc.user, tc.pass); got != tc.want {
			t.Errorf("metrics as %q/%q: %d, want %d", tc.user, tc.pass, got, tc.want)
		}
	}
	if got := status("http://"+app+"/api/users/1", "", ""); got != 200 {
		t.Errorf("API without credentials: %d, want 200", got)
	}
	terminate(t, done)
}

// TestRunTracksErrors runs the demo with its faults on: their groups show in the error
// API on the admin listener and in the metrics, and the state file is written.
func TestRunTracksErrors(t *testing.T) {
	app, admin := testaddr.Must(t), testaddr.Must(t)
	state := filepath.Join(t.TempDir(), "errors.json")
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"--web.app-listen-address=" + app, "--web.listen-address=" + admin,
			"--load.rps=50", "--load.fault-share=0.5", "--demo.fault-ratio=1", "--errors.state-file=" + state,
			"--errors.save-interval=100ms", "--errors.release=demo-test", "--log.level=error"})
	}()
	type group struct {
		ID           string `json:"id"`
		Route        string `json:"route"`
		Severity     string `json:"severity"`
		FirstRelease string `json:"first_release"`
	}
	var groups []group
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		body, err := get("http://" + admin + "/api/errors/groups")
		var list struct {
			Groups []group `json:"groups"`
		}
		if err == nil && json.Unmarshal([]byte(body), &list) == nil {
			groups = groups[:0]
			for _, g := range list.Groups {
				if g.Route != "/api/reports/activity" { // the abandoned reports' cancellations
					groups = append(groups, g)
				}
			}
			if len(groups) >= 4 {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	routes := map[string]string{}
	for _, g := range groups {
		routes[g.Route] = g.Severity
		if g.FirstRelease != "demo-test" {
			t.Errorf("group %s first release %q, want demo-test", g.ID, g.FirstRelease)
		}
	}
	if len(groups) != 4 || routes["/api/items/{id}/preview"] != "critical" || routes["/api/search"] != "high" ||
		routes["/api/users/{id}/audit"] != "high" || routes["/api/checkout"] != "high" {
		t.Errorf("error groups by route %v, want the four faults", routes)
	}
	if page, err := get("http://" + admin + "/errors/"); err != nil || !strings.Contains(page, "/api/search") {
		t.Errorf("HTML page: %v\n%s", err, page)
	}
	metrics, err := get("http://" + admin + "/metrics")
	if err != nil || !strings.Contains(metrics, `perfwatch_errors_total{error_type="runtime.boundsError",severity="critical",source="server"}`) {
		t.Errorf("metrics lack the panics' errors: %v", err)
	}
	terminate(t, done)
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if !strings.Contains(string(b), g.ID) {
			t.Errorf("state file lacks group %s", g.ID)
		}
	}
}

// TestRunSentryIngest reports an event the way the Sentry SDKs do to the ingest on the
// admin listener: it lands in the error groups; a wrong key is refused.
func TestRunSentryIngest(t *testing.T) {
	app, admin := testaddr.Must(t), testaddr.Must(t)
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"--web.app-listen-address=" + app, "--web.listen-address=" + admin,
			"--errors.ingest-key=demokey", "--errors.ingest-project=42", "--log.level=error"})
	}()
	envelope := `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sent_at":"` + time.Now().UTC().Format(time.RFC3339) + `"}
{"type":"event"}
{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","platform":"python","level":"error","exception":{"values":[{"type":"ZeroDivisionError","value":"division by zero"}]}}
`
	post := func(key string) int {
		req, _ := http.NewRequest("POST", "http://"+admin+"/api/42/envelope/", strings.NewReader(envelope))
		req.Header.Set("Content-Type", "application/x-sentry-envelope")
		req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=sentry.python/1.9.10, sentry_key="+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(10 * time.Second)
	status := post("demokey")
	for status == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		status = post("demokey")
	}
	if status != 200 {
		t.Errorf("envelope with the DSN key: %d, want 200", status)
	}
	if got := post("wrongkey"); got < 400 || got >= 500 {
		t.Errorf("envelope with a wrong key: %d, want a 4xx", got)
	}
	body, err := get("http://" + admin + "/api/errors/groups?source=python")
	if err != nil || !strings.Contains(body, `"type":"ZeroDivisionError"`) {
		t.Errorf("the ingested event is not among the groups: %v %s", err, body)
	}
	terminate(t, done)
}

// TestRunServesBrowserMonitoring checks the browser monitoring of the app listener: the
// app's page starts the snippet with --rum.sample-rate, the snippet is served at
// /rum/perfwatch-rum.js, and a beacon's vital and JavaScript error reach the metrics
// and the errors API (source="browser") under the demo's page template.
func TestRunServesBrowserMonitoring(t *testing.T) {
	app, admin := testaddr.Must(t), testaddr.Must(t)
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"--web.app-listen-address=" + app, "--web.listen-address=" + admin,
			"--rum.sample-rate=0.3", "--log.level=error"})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := get("http://" + admin + "/-/healthy"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	page, err := get("http://" + app + "/app/items/3")
	if err != nil || !strings.Contains(page, `"sampleRate":0.3`) || !strings.Contains(page, `from "/rum/perfwatch-rum.js"`) {
		t.Errorf("app page: %v\n%s", err, page)
	}
	resp, err := http.Get("http://" + app + "/rum/perfwatch-rum.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("snippet: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	beacon := `{"v":1,"page":"/app/items/{id}","nav":"navigate","events":[{"t":"nav","ttfb":12},
		{"t":"vital","name":"LCP","value":1234},
		{"t":"error","type":"TypeError","message":"vault is null","frames":[{"fn":"unlock","url":"http://` + app + `/app/static/app.js","line":3,"col":9}],"key":"k1","count":1},
		{"t":"api","method":"GET","route":"/api/items/{id}","status":200,"duration":12.5}]}`
	resp, err = http.Post("http://"+app+"/rum/v1/beacon", "text/plain", strings.NewReader(beacon))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("beacon: %s", resp.Status)
	}
	metrics, err := get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`perfwatch_web_vitals_lcp_seconds_count{page="/app/items/{id}"} 1`,
		`perfwatch_browser_api_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/api/items/{id}"} 1`,
		`perfwatch_rum_beacons_total 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	groups, err := get("http://" + admin + "/api/errors/groups?source=browser")
	if err != nil || !strings.Contains(groups, `"type":"TypeError"`) || !strings.Contains(groups, `"route":"/app/items/{id}"`) {
		t.Errorf("browser error groups: %v %s", err, groups)
	}
	terminate(t, done)
}

// terminate sends the process the SIGTERM that run waits for and checks that run
// returns cleanly within 10 s.
func terminate(t *testing.T, done <-chan error) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown after SIGTERM")
	}
}
