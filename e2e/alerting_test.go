package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/perfwatch/perfwatch/instrument"
)

// alertingJob is the job label of the test application: every assertion filters on it,
// so alerts about other tests' targets never interfere.
const alertingJob = "e2e-alerting"

// TestAlertingEndToEnd drives an instrumented application through the shipped rules
// (generated with the test profile: same expressions, 1 s evaluation, `for` of at most
// 3 s) and the shipped alertmanager.yml (receivers pointed at sinks started here, waits
// shortened), and checks what reaches Slack and email:
//  1. errors above 5 %: a Slack message, severity high, with the route and runbook link;
//  2. above 25 %: Slack and email, severity critical, and the high alert inhibited;
//  3. errors clear: resolved notifications on both channels;
//  4. a silence (acknowledgement) through the API v2: no notification for the alert.
func TestAlertingEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	am, slack, mail := alertingFor(ctx, t, "alerting")
	ruleFiles := testProfileRules(t)
	removeRules, err := env.prom.addRules(ctx, "alerting", ruleFiles)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeRules)

	// The application, scraped by the shared Prometheus. Warm up so that both status
	// series exist before the bursts: rate() only counts increases after the first sample.
	app := startTestApp(t)
	removeTarget, err := env.prom.addTargets(alertingJob, app.metricsAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeTarget)
	app.send(t, 1000, 1)
	if err := env.prom.waitForSeries(ctx, fmt.Sprintf(`http_server_request_duration_seconds_count{job=%q, http_response_status_code="500"}`, alertingJob)); err != nil {
		t.Fatal(err)
	}

	const alert = "HTTPRouteErrorRate"
	const route = "/api/items/{id}"
	slackFor := func(status, severity string) func(slackMessage) bool {
		title := fmt.Sprintf("] %s: %s (%s)", severity, alert, alertingJob)
		return func(m slackMessage) bool {
			return len(m.Attachments) > 0 && strings.HasPrefix(m.Attachments[0].Title, "["+status) && strings.HasSuffix(m.Attachments[0].Title, title)
		}
	}
	mailFor := func(status, severity string) func(email) bool {
		return func(e email) bool {
			return strings.HasPrefix(e.Subject, "["+status) && strings.HasSuffix(e.Subject, fmt.Sprintf("] %s: %s (%s)", severity, alert, alertingJob))
		}
	}
	waitSlack := func(step string, match func(slackMessage) bool) slackMessage {
		t.Helper()
		var found slackMessage
		if !eventually(time.Minute, func() bool {
			i := slices.IndexFunc(slack.received(), match)
			if i >= 0 {
				found = slack.received()[i]
			}
			return i >= 0
		}) {
			t.Fatalf("%s: no such Slack message within a minute; got %s\nalertmanager log:\n%s", step, titles(slack.received()), tail(am.log))
		}
		return found
	}
	waitMail := func(step string, match func(email) bool) email {
		t.Helper()
		var found email
		if !eventually(time.Minute, func() bool {
			i := slices.IndexFunc(mail.received(), match)
			if i >= 0 {
				found = mail.received()[i]
			}
			return i >= 0
		}) {
			t.Fatalf("%s: no such email within a minute; got %s (auth failures %v)\nalertmanager log:\n%s", step, subjects(mail.received()), mail.authFailures(), tail(am.log))
		}
		return found
	}
	mentions := func() int {
		n := 0
		for _, m := range slack.received() {
			if strings.Contains(m.text(), alert+" ("+alertingJob+")") {
				n++
			}
		}
		for _, e := range mail.received() {
			if strings.Contains(e.Subject, alert+" ("+alertingJob+")") {
				n++
			}
		}
		return n
	}

	// 1. 15 % of the route's requests fail: high, to Slack only.
	app.send(t, 2000, 300)
	m := waitSlack("step 1 (high)", slackFor("FIRING", "high"))
	text := m.text()
	for _, want := range []string{
		"severity: `high`",
		"route: `" + route + "`",
		"of the requests to " + route + " on " + alertingJob + " failed with a 5xx status over the last 5m (threshold 5%)",
		"/docs/runbooks/" + alert + ".md|runbook>",
		"/d/perfwatch-endpoints|dashboard>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("step 1: Slack message lacks %q:\n%s", want, text)
		}
	}
	if m.Attachments[0].Color != "warning" || m.Channel != "#perfwatch-alerts" {
		t.Errorf("step 1: color %q channel %q, want warning in #perfwatch-alerts", m.Attachments[0].Color, m.Channel)
	}
	if i := slices.IndexFunc(mail.received(), mailFor("FIRING", "high")); i >= 0 {
		t.Errorf("step 1: a high alert was emailed: %q", mail.received()[i].Subject)
	}

	// 2. 47.5 % fail: critical, to Slack and email; the high alert is inhibited.
	app.send(t, 2000, 1600)
	m = waitSlack("step 2 (critical)", slackFor("FIRING", "critical"))
	if !strings.Contains(m.text(), "severity: `critical`") || m.Attachments[0].Color != "danger" {
		t.Errorf("step 2: Slack message is not a critical one (color %q):\n%s", m.Attachments[0].Color, m.text())
	}
	e := waitMail("step 2 (critical)", mailFor("FIRING", "critical"))
	for _, want := range []string{"severity: critical", "route: `" + route + "`", "/docs/runbooks/" + alert + ".md", "threshold 25%"} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("step 2: email lacks %q:\n%s", want, e.Text)
		}
	}
	if e.To != "oncall@example.com" || !strings.Contains(e.HTML, `href="https://github.com/perfwatch/perfwatch/blob/main/docs/runbooks/`+alert+`.md"`) {
		t.Errorf("step 2: email to %q, HTML part:\n%s", e.To, e.HTML)
	}
	var states map[string]amAlert
	if !eventually(30*time.Second, func() bool {
		states = alertsBySeverity(ctx, t, am, alert)
		high, crit := states["high"], states["critical"]
		return crit.Status.State == "active" && high.Status.State == "suppressed" && len(high.Status.InhibitedBy) > 0
	}) {
		t.Fatalf("step 2: want the critical alert active and the high one inhibited, got %+v", states)
	}

	// The Overview dashboard's firing-alerts panels show both levels of the problem.
	for _, panel := range []string{"Firing alerts by severity", "Firing alerts"} {
		expr := panelQuery(t, "overview.json", panel)
		v, _, _, err := env.prom.api.Query(ctx, expr, time.Now())
		if err != nil || !strings.Contains(v.String(), `severity="critical"`) || !strings.Contains(v.String(), `severity="high"`) {
			t.Errorf("step 2: Overview panel %q (%s) shows %v (err %v), want the critical and high alerts", panel, expr, v, err)
		}
	}

	// 3. The errors stop and successful requests dilute the window below 5 %: resolved.
	app.send(t, 60000, 0)
	waitSlack("step 3 (critical resolved)", slackFor("RESOLVED", "critical"))
	waitSlack("step 3 (high resolved)", slackFor("RESOLVED", "high"))
	waitMail("step 3 (critical resolved)", mailFor("RESOLVED", "critical"))

	// 4. Acknowledge with a silence, then fail again: the alert fires in Prometheus and
	// reaches Alertmanager, but nobody is notified.
	silence, err := am.silence(ctx, "alertname", alert, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	before := mentions()
	app.send(t, 25000, 25000)
	if !eventually(time.Minute, func() bool {
		states = alertsBySeverity(ctx, t, am, alert)
		return slices.Contains(states["critical"].Status.SilencedBy, silence) && slices.Contains(states["high"].Status.SilencedBy, silence)
	}) {
		t.Fatalf("step 4: the alert did not reach Alertmanager silenced by %s: %+v", silence, states)
	}
	time.Sleep(6 * time.Second) // group_wait 1s + two group_intervals of 2s, and margin
	if after := mentions(); after != before {
		t.Errorf("step 4: %d notifications about %s arrived despite the silence: %s %s", after-before, alert, titles(slack.received()), subjects(mail.received()))
	}

	t.Logf("Slack messages: %s", titles(slack.received()))
	t.Logf("emails: %s", subjects(mail.received()))
	if bad := slack.invalid(); len(bad) > 0 {
		t.Errorf("Slack sink got invalid requests: %v", bad)
	}
	if fails := mail.authFailures(); len(fails) > 0 {
		t.Errorf("SMTP sink refused logins: %v", fails)
	}
}

// unknownSeverityJob is the job label of TestUnknownSeverityEndToEnd's alerts.
const unknownSeverityJob = "e2e-unknown-severity"

// unknownSeverityRules are alerts as an imported mixin's or a hand-written rule's would
// be: one with a mixin's severity, one with none, and a low one as the control (low is
// notified to nobody). They fire 10 s after loading: loading reloads Prometheus, which
// forgets its Alertmanagers until discovery gives them again, and an alert sent while it
// knows none is only sent again after the resend delay of a minute.
const unknownSeverityRules = `
groups:
  - name: e2e-unknown-severity
    interval: 1s
    rules:
      - alert: E2EFromAMixin
        expr: vector(1)
        for: 10s
        labels: {job: ` + unknownSeverityJob + `, severity: warning}
        annotations: {summary: A mixin's warning., description: Its severity is the mixin's.}
      - alert: E2ENoSeverity
        expr: vector(1)
        for: 10s
        labels: {job: ` + unknownSeverityJob + `}
        annotations: {summary: A rule without severity., description: It sets none.}
      - alert: E2EKnownSeverity
        expr: vector(1)
        for: 10s
        labels: {job: ` + unknownSeverityJob + `, severity: low}
        annotations: {summary: A low alert., description: Not notified.}
`

// TestUnknownSeverityEndToEnd loads alerts with a missing and an unknown severity into
// the shared Prometheus, with the shipped monitoring rules in their test profile, and
// checks, through the shipped alertmanager.yml and its Slack and SMTP sinks, that:
//  1. each reaches Slack under a title saying "unknown severity" (and which), not
//     email, and is not dropped as low alerts are;
//  2. AlertSeverityUnknown fires for both and not for the low alert, and reaches Slack
//     as a medium alert naming them.
func TestUnknownSeverityEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	am, slack, mail := alertingFor(ctx, t, "unknown-severity")
	monitoring := testProfileRules(t)["perfwatch-monitoring.rules.yml"]
	if monitoring == nil {
		t.Fatal("the generated rules have no perfwatch-monitoring.rules.yml")
	}
	removeRules, err := env.prom.addRules(ctx, "unknown-severity", map[string][]byte{
		"perfwatch-monitoring.rules.yml": monitoring,
		"fixtures.rules.yml":             []byte(unknownSeverityRules),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(removeRules)
	// The alerts must find Prometheus knowing this Alertmanager again (see above).
	if !eventually(30*time.Second, func() bool {
		ams, err := env.prom.api.AlertManagers(ctx)
		return err == nil && slices.ContainsFunc(ams.Active, func(a v1.AlertManager) bool { return strings.Contains(a.URL, am.addr) })
	}) {
		t.Fatalf("the shared Prometheus did not discover Alertmanager %s after loading the rules", am.addr)
	}

	waitSlack := func(step string, match func(slackMessage) bool) slackMessage {
		t.Helper()
		var found slackMessage
		if !eventually(time.Minute, func() bool {
			i := slices.IndexFunc(slack.received(), match)
			if i >= 0 {
				found = slack.received()[i]
			}
			return i >= 0
		}) {
			alerts, _, _, err := env.prom.api.Query(ctx, fmt.Sprintf("ALERTS{job=%q}", unknownSeverityJob), time.Now())
			ams, amErr := env.prom.api.AlertManagers(ctx)
			held, heldErr := am.alerts(ctx)
			t.Fatalf("%s: no such Slack message within a minute; got %s\nPrometheus's alerts: %v (err %v), its Alertmanagers %+v (err %v)\nAlertmanager's alerts: %+v (err %v)\nalertmanager log:\n%s",
				step, titles(slack.received()), alerts, err, ams, amErr, held, heldErr, tail(am.log))
		}
		return found
	}
	titled := func(title string) func(slackMessage) bool {
		return func(m slackMessage) bool { return len(m.Attachments) > 0 && m.Attachments[0].Title == title }
	}

	// 1. Both reach Slack, titled unknown severity, grey.
	for _, c := range []struct{ alert, title, text string }{
		{"E2EFromAMixin", `[FIRING:1] unknown severity "warning": E2EFromAMixin (` + unknownSeverityJob + ")", "*A mixin's warning.*"},
		{"E2ENoSeverity", "[FIRING:1] unknown severity: E2ENoSeverity (" + unknownSeverityJob + ")", "*A rule without severity.*"},
	} {
		m := waitSlack("step 1 ("+c.alert+")", titled(c.title))
		if m.Attachments[0].Color != "#808080" || m.Channel != "#perfwatch-alerts" || m.Attachments[0].Fallback != c.title {
			t.Errorf("step 1: %s: color %q, channel %q, fallback %q; want #808080 in #perfwatch-alerts, fallback the title", c.alert, m.Attachments[0].Color, m.Channel, m.Attachments[0].Fallback)
		}
		if !strings.Contains(m.text(), c.text) {
			t.Errorf("step 1: %s: Slack message lacks %q:\n%s", c.alert, c.text, m.text())
		}
	}

	// 2. The meta-alert names both, as one medium notification of the job's group.
	waitSlack("step 2 (AlertSeverityUnknown)", func(m slackMessage) bool {
		if len(m.Attachments) == 0 {
			return false
		}
		a := m.Attachments[0]
		return strings.HasPrefix(a.Title, "[FIRING:2] medium: AlertSeverityUnknown ("+unknownSeverityJob+")") &&
			strings.Contains(a.Text, `firing E2EFromAMixin alerts of job `+unknownSeverityJob+` have severity "warning"`) &&
			strings.Contains(a.Text, "firing E2ENoSeverity alerts of job "+unknownSeverityJob+" have no severity label") &&
			strings.Contains(a.Text, "/docs/runbooks/AlertSeverityUnknown.md|runbook>")
	})
	meta, err := am.alerts(ctx, `alertname="AlertSeverityUnknown"`, fmt.Sprintf("job=%q", unknownSeverityJob))
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]string{}
	for _, a := range meta {
		named[a.Labels["alert_name"]] = a.Labels["alert_severity"]
	}
	if want := map[string]string{"E2EFromAMixin": "warning", "E2ENoSeverity": ""}; !maps.Equal(named, want) {
		t.Errorf("step 2: AlertSeverityUnknown in Alertmanager names %v, want %v (never the low alert)", named, want)
	}

	// The low control reached Alertmanager, and nobody: nothing of this job was emailed,
	// and the low alert never reached Slack.
	low, err := am.alerts(ctx, `alertname="E2EKnownSeverity"`)
	if err != nil || len(low) != 1 || low[0].Status.State != "active" {
		t.Errorf("the low alert in Alertmanager: %+v (err %v), want it active", low, err)
	}
	for _, m := range slack.received() {
		if strings.Contains(m.text(), "E2EKnownSeverity") || strings.Contains(m.text(), "A low alert.") {
			t.Errorf("the low alert reached Slack: %q", m.text())
		}
	}
	for _, e := range mail.received() {
		if strings.Contains(e.Subject, unknownSeverityJob) {
			t.Errorf("emailed: %q", e.Subject)
		}
	}
	t.Logf("Slack messages: %s", titles(slack.received()))
	if bad := slack.invalid(); len(bad) > 0 {
		t.Errorf("Slack sink got invalid requests: %v", bad)
	}
}

// alertsBySeverity returns Alertmanager's alerts named alert for the test job, by severity.
func alertsBySeverity(ctx context.Context, t *testing.T, am *alertmanagerServer, alert string) map[string]amAlert {
	t.Helper()
	as, err := am.alerts(ctx, fmt.Sprintf("alertname=%q", alert), fmt.Sprintf("job=%q", alertingJob))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]amAlert{}
	for _, a := range as {
		out[a.Labels["severity"]] = a
	}
	return out
}

func titles(ms []slackMessage) string {
	var ts []string
	for _, m := range ms {
		for _, a := range m.Attachments {
			ts = append(ts, a.Title)
		}
	}
	return fmt.Sprintf("%q", ts)
}

func subjects(es []email) string {
	var ss []string
	for _, e := range es {
		ss = append(ss, e.Subject)
	}
	return fmt.Sprintf("%q", ss)
}

func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

func randomHex(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// eventually polls cond every 200 ms until it returns true or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}

// testApp is an application instrumented with instrument.New (and opts) on an http.ServeMux:
// GET /api/items/{id} answers 500 when asked with ?fail=1, so the test controls the
// error rate exactly. Its metrics are served on a separate listener.
type testApp struct {
	base        string
	metricsAddr string
	client      *http.Client
}

func startTestApp(t *testing.T, opts ...instrument.Option) *testApp {
	t.Helper()
	reg := prom.NewRegistry()
	m, err := instrument.New(reg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fail") == "1" {
			http.Error(w, "failed on purpose", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "item %s\n", r.PathValue("id"))
	})
	serve := func(h http.Handler) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() { _ = srv.Close() })
		return l.Addr().String()
	}
	app := &testApp{
		base:        "http://" + serve(m.Handler(mux)),
		metricsAddr: serve(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})),
		client:      &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 10 * time.Second},
	}
	t.Cleanup(app.client.CloseIdleConnections)
	return app
}

// send makes n requests to the route, the first failures of which fail, over eight
// connections, and checks every status.
func (a *testApp) send(t *testing.T, n, failures int) {
	t.Helper()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var wrong []string
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				url, want := fmt.Sprintf("%s/api/items/%d", a.base, i%50), http.StatusOK
				if i < failures {
					url, want = url+"?fail=1", http.StatusInternalServerError
				}
				resp, err := a.client.Get(url)
				if err == nil {
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != want {
					mu.Lock()
					wrong = append(wrong, fmt.Sprintf("%s: %v %v", url, err, resp))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if len(wrong) > 0 {
		t.Fatalf("%d of %d requests went wrong, first: %s", len(wrong), n, wrong[0])
	}
}
