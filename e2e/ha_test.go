package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
	"github.com/perfwatch/perfwatch/rules/rulegen"
)

// The HA test's timings. testAlertmanagerConfig makes every route's group_wait 1s and
// group_interval 2s. Each Alertmanager of a cluster waits its position times
// haPeerTimeout before notifying, and then only notifies what the notification log
// gossiped from the members before it does not already hold: the timeout must cover
// one gossip round trip on a busy machine, hence 3s with gossip every 50ms.
const (
	haGroupInterval = 2 * time.Second
	haPeerTimeout   = 3 * time.Second
	// haQuiet is how long the test waits to be sure a notification is not sent
	// (again): longer than a second member's wait plus two group intervals, within
	// which any duplicate or late notification would have gone out.
	haQuiet = 2*haPeerTimeout + 2*haGroupInterval + time.Second
	// haJob is the job label of the trigger target, so of every test alert.
	haJob = "ha-trigger"
)

// haPhases are the test's alerts, one per step, each in a group of its own
// (alertname is in the shipped route's group_by), so every notification names one.
var haPhases = []struct{ phase, alert string }{
	{"first", "HAFirst"},
	{"silenced", "HASilenced"},
	{"alertmanager_stopped", "HAAlertmanagerStopped"},
	{"prometheus_stopped", "HAPrometheusStopped"},
}

// haRules fires alert X while the trigger target's hatest_trigger{phase=...} is 1.
// Severity high routes to Slack in the shipped alertmanager.yml.
func haRules() string {
	var b strings.Builder
	b.WriteString("groups:\n  - name: ha-test\n    rules:\n")
	for _, p := range haPhases {
		fmt.Fprintf(&b, `      - alert: %s
        expr: hatest_trigger{phase=%q} == 1
        for: 1s
        labels:
          severity: high
        annotations:
          summary: HA test step %s.
          description: Fires while the HA test's trigger for step %s is set.
          runbook_url: https://github.com/perfwatch/perfwatch/blob/main/docs/high-availability.md
`, p.alert, p.phase, p.phase, p.phase)
	}
	return b.String()
}

// haPrometheusConfig is one replica of the HA pair: the same configuration on both
// but for the replica external label, both Alertmanagers as targets, and the replica
// label dropped from alerts so that the two replicas' copies of an alert are the
// same alert to Alertmanager (docs/high-availability.md). Like the shipped
// prometheus.yml it scrapes the Alertmanagers as job alertmanager and Prometheus as job
// prometheus, both replicas, so that the cluster alerts' expressions read what they
// would in production.
func haPrometheusConfig(replica string, replicas, alertmanagers []string, trigger string) string {
	return fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
  external_labels:
    replica: %q
rule_files: [rules.yml]
alerting:
  alert_relabel_configs:
    - action: labeldrop
      regex: replica
  alertmanagers:
    - static_configs:
        - targets: [%q, %q]
scrape_configs:
  - job_name: %s
    static_configs:
      - targets: [%q]
  - job_name: alertmanager
    static_configs:
      - targets: [%q, %q]
  - job_name: prometheus
    static_configs:
      - targets: [%q, %q]
`, replica, alertmanagers[0], alertmanagers[1], haJob, trigger, alertmanagers[0], alertmanagers[1], replicas[0], replicas[1])
}

// haPrometheus is one replica of the HA pair.
type haPrometheus struct {
	*process
	replica string
	url     string
	api     v1.API
	halt    func() // stops the process once, however often called
}

// stop stops the replica; the test's clean-up calls it again, which does nothing
// (process.stop must run once per process).
func (p *haPrometheus) stop() { p.halt() }

// stopOnce returns a function that stops p the first time it is called, and registers
// it for the end of t.
func stopOnce(t *testing.T, p *process) func() {
	var o sync.Once
	f := func() { o.Do(p.stop) }
	t.Cleanup(f)
	return f
}

// startHAPrometheus starts replica number i of the pair on replicas[i], the pair's
// web addresses chosen beforehand so that each replica scrapes both.
func startHAPrometheus(ctx context.Context, t *testing.T, dir string, i int, replicas, alertmanagers []string, trigger string) *haPrometheus {
	t.Helper()
	replica := string(rune('a' + i))
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(haPrometheusConfig(replica, replicas, alertmanagers, trigger)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(haRules()), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := replicas[i]
	p, err := start("prometheus", dir, env.promBin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		// Firing alerts are sent again every second rather than every minute, so a
		// restarted Alertmanager learns them at once.
		"--rules.alert.resend-delay=1s",
		"--log.level=warn",
	)
	if err != nil {
		t.Fatal(err)
	}
	halt := stopOnce(t, p)
	url := "http://" + addr
	p.ready(ctx, t, url+"/-/ready")
	client, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatal(err)
	}
	return &haPrometheus{process: p, replica: replica, url: url, api: v1.NewAPI(client), halt: halt}
}

// firing tells whether the replica's rule for alert is firing.
func (p *haPrometheus) firing(ctx context.Context, alert string) bool {
	v, _, _, err := p.api.Query(ctx, fmt.Sprintf(`ALERTS{alertname=%q, alertstate="firing"}`, alert), time.Now())
	return err == nil && !isEmpty(v)
}

// query evaluates expr on the replica now and returns its series; any other result
// type is an error.
func (p *haPrometheus) query(ctx context.Context, expr string) (model.Vector, error) {
	v, _, _, err := p.api.Query(ctx, expr, time.Now())
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %s: a %s, want a vector", expr, v.Type())
	}
	return vec, nil
}

// haAlertExpr returns the expression of alert's only level as rules/config.yml
// generates it, so the test evaluates what Prometheus would.
func haAlertExpr(t *testing.T, alert string) string {
	t.Helper()
	rc, err := rulegen.Load("../rules/config.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rc.Alerts() {
		if a.Name == alert {
			if !a.Enabled || len(a.Levels) != 1 {
				t.Fatalf("%s: enabled %v with %d levels, want enabled with one", alert, a.Enabled, len(a.Levels))
			}
			return a.Levels[0].Expr
		}
	}
	t.Fatalf("rules/config.yml has no alert %s", alert)
	return ""
}

// seriesString writes a query result's series with their values, for messages.
func seriesString(v model.Vector) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = fmt.Sprintf("%s %s", s.Metric, s.Value)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// sentTo returns, per Alertmanager URL, how many alerts the replica has sent there.
func (p *haPrometheus) sentTo(ctx context.Context) (map[string]float64, error) {
	fams, err := scrape(ctx, p.url+"/metrics")
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, m := range fams["prometheus_notifications_sent_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "alertmanager" {
				out[l.GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	return out, nil
}

// haAlertmanager is one member of the test's Alertmanager cluster.
type haAlertmanager struct {
	*alertmanagerServer
	bin, dir, cfg, cluster string
	peers                  []string
	halt                   func() // stops the current run once
}

// stop stops the member's current run.
func (m *haAlertmanager) stop() { m.halt() }

// haClusterFlags are the gossip settings of the test's cluster: gossip and state
// syncs fast, so that silences and the notification log spread within the peer
// timeout. Probing keeps Alertmanager's defaults: a member wrongly thought dead on
// a busy machine would notify on its own.
var haClusterFlags = []string{
	"--cluster.gossip-interval=50ms",
	"--cluster.pushpull-interval=1s",
	"--cluster.peer-timeout=" + haPeerTimeout.String(),
	"--cluster.settle-timeout=10s",
}

// run starts the member (again, after stop: same addresses, data and peers), its log
// in dir/name.log, and waits until its API answers.
func (m *haAlertmanager) run(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	args := append([]string{
		"--config.file=" + m.cfg,
		"--storage.path=" + filepath.Join(m.dir, "data"),
		"--web.listen-address=" + m.addr,
		"--web.external-url=http://" + m.addr,
		"--cluster.listen-address=" + m.cluster,
		"--log.level=debug",
	}, haClusterFlags...)
	for _, p := range m.peers {
		args = append(args, "--cluster.peer="+p)
	}
	p, err := start(name, m.dir, m.bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	m.halt = stopOnce(t, p)
	m.alertmanagerServer = &alertmanagerServer{process: p, url: "http://" + m.addr, addr: m.addr}
	p.ready(ctx, t, m.url+"/-/ready")
}

// reload makes the member load its configuration file again.
func (m *haAlertmanager) reload(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reload %s: %w", m.addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("reload %s: %s: %s", m.addr, resp.Status, body)
	}
	return nil
}

// clusterStatus is a member's view of the cluster.
type clusterStatus struct {
	status string   // "ready" once gossip has settled
	name   string   // the member's own name
	peers  []string // the members' gossip addresses, sorted
	first  bool     // whether its name sorts first, so it notifies without waiting
}

func (m *haAlertmanager) clusterStatus(ctx context.Context) (clusterStatus, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/api/v2/status", nil)
	if err != nil {
		return clusterStatus{}, err
	}
	var st struct {
		Cluster struct {
			Status string `json:"status"`
			Name   string `json:"name"`
			Peers  []struct {
				Address string `json:"address"`
				Name    string `json:"name"`
			} `json:"peers"`
		} `json:"cluster"`
	}
	if err := m.do(req, http.StatusOK, &st); err != nil {
		return clusterStatus{}, err
	}
	cs := clusterStatus{status: st.Cluster.Status, name: st.Cluster.Name, first: true}
	for _, p := range st.Cluster.Peers {
		cs.peers = append(cs.peers, p.Address)
		cs.first = cs.first && p.Name >= cs.name
	}
	slices.Sort(cs.peers)
	return cs, nil
}

// silenceState returns the state (pending, active, expired) of silence id as this
// member knows it.
func (m *haAlertmanager) silenceState(ctx context.Context, id string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/api/v2/silence/"+id, nil)
	if err != nil {
		return "", err
	}
	var s struct {
		Status struct {
			State string `json:"state"`
		} `json:"status"`
	}
	if err := m.do(req, http.StatusOK, &s); err != nil {
		return "", err
	}
	return s.Status.State, nil
}

// startHACluster starts n clustered Alertmanagers with the shipped alertmanager.yml,
// Slack pointed at one sink for all of them, and waits until each sees all n members
// and has settled.
func startHACluster(ctx context.Context, t *testing.T, logs string, n int, slack *slackSink) []*haAlertmanager {
	t.Helper()
	bin := testtool.Need(t, "prometheus-alertmanager", "apt-get install prometheus-alertmanager")
	shipped, err := os.ReadFile("../alertmanager.yml")
	if err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// Every member runs the same file with the same secret files, as in production
	// (docs/high-availability.md), so their configuration hashes agree. The alerts are
	// all of severity high, which goes to Slack only: the SMTP smarthost is never
	// dialled.
	secrets := filepath.Join(logs, "alertmanager-secrets")
	if err := os.MkdirAll(secrets, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg, err := testAlertmanagerConfig(shipped, repo, secrets, sinks{slackURL: slack.url, smtpAddr: "127.0.0.1:1", smtpPassword: randomHex(t)})
	if err != nil {
		t.Fatal(err)
	}
	ms := make([]*haAlertmanager, n)
	var clusters []string
	for i := range ms {
		dir := filepath.Join(logs, fmt.Sprintf("alertmanager-%d", i+1))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "alertmanager.yml")
		if err := os.WriteFile(path, cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		// The gossip port is TCP and UDP; a free TCP port's UDP twin is free as well
		// on a test machine's loopback.
		ms[i] = &haAlertmanager{bin: bin, dir: dir, cfg: path, cluster: testaddr.Must(t),
			alertmanagerServer: &alertmanagerServer{addr: testaddr.Must(t)}}
		clusters = append(clusters, ms[i].cluster)
	}
	for _, m := range ms {
		for _, c := range clusters {
			if c != m.cluster {
				m.peers = append(m.peers, c)
			}
		}
		m.run(ctx, t, "alertmanager")
	}
	waitCluster(ctx, t, ms, clusters)
	return ms
}

// waitCluster waits until every member is ready and sees exactly the given members.
func waitCluster(ctx context.Context, t *testing.T, ms []*haAlertmanager, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	for _, m := range ms {
		var cs clusterStatus
		var err error
		if !eventually(30*time.Second, func() bool {
			cs, err = m.clusterStatus(ctx)
			return err == nil && cs.status == "ready" && slices.Equal(cs.peers, want)
		}) {
			t.Fatalf("Alertmanager %s: cluster %s with peers %v (error %v), want ready with %v; log:\n%s", m.addr, cs.status, cs.peers, err, want, tail(m.log))
		}
	}
}

// byPosition returns the cluster's two members as the one that notifies first
// (position 0: its name sorts first) and the one that waits a peer timeout for it.
func byPosition(ctx context.Context, t *testing.T, ms []*haAlertmanager) (first, second *haAlertmanager) {
	t.Helper()
	cs, err := ms[0].clusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs.first {
		return ms[0], ms[1]
	}
	return ms[1], ms[0]
}

// triggerTarget is a scrape target exposing hatest_trigger{phase} (0 or 1), which the
// HA rules fire on: both Prometheus replicas scrape it, as they would an application.
type triggerTarget struct {
	addr string

	mu  sync.Mutex
	set map[string]bool
}

func startTriggerTarget(t *testing.T) *triggerTarget {
	t.Helper()
	tt := &triggerTarget{set: map[string]bool{}}
	tt.addr = serveExposition(t, tt.write)
	return tt
}

func (tt *triggerTarget) write(w io.Writer) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	fmt.Fprintln(w, "# TYPE hatest_trigger gauge")
	for _, p := range haPhases {
		v := 0
		if tt.set[p.phase] {
			v = 1
		}
		fmt.Fprintf(w, "hatest_trigger{phase=%q} %d\n", p.phase, v)
	}
}

// serveExposition serves what write writes, in the text exposition format, on a free
// loopback port until t ends, and returns the address.
func serveExposition(t *testing.T, write func(io.Writer)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		write(w)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// fire sets the trigger of phase, so the phase's alert fires on both replicas.
func (tt *triggerTarget) fire(phase string) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.set[phase] = true
}

// notified counts the Slack messages about alert: firing ones, resolved ones, and the
// titles of the firing ones.
func notified(ms []slackMessage, alert string) (firing, resolved int, titles []string) {
	for _, m := range ms {
		if len(m.Attachments) == 0 || !strings.Contains(m.Attachments[0].Title, ": "+alert+" (") {
			continue
		}
		switch title := m.Attachments[0].Title; {
		case strings.HasPrefix(title, "[FIRING"):
			firing++
			titles = append(titles, title)
		case strings.HasPrefix(title, "[RESOLVED"):
			resolved++
		}
	}
	return firing, resolved, titles
}

// TestHA runs perfwatch's alerting the highly available way, every part a real
// process on loopback: two Prometheus replicas with the same rules, a distinct
// replica external label dropped from their alerts, each sending to both of two
// clustered Alertmanagers, which run the shipped alertmanager.yml with Slack pointed
// at one sink. It checks that
//  1. an alert firing on both replicas reaches Slack exactly once, as one alert;
//  2. a silence created through one member's API is active on the other, which
//     suppresses the matching alert too, and nothing is notified;
//  3. with the Alertmanager that notifies first stopped, the other notifies a new
//     alert, once; the stopped member rejoins and notifies nothing again;
//  4. with one Prometheus stopped, a new alert still arrives, once;
//
// and that nothing is resolved or sent twice along the way. Along the way it evaluates
// the HA alerts' generated expressions on a replica: none holds while the pair and the
// cluster are healthy; AlertmanagerMembersInconsistent's returns the member left alone
// while the other is stopped and nothing once it rejoined; and, last (5.),
// AlertmanagerConfigInconsistent's counts two configurations once one member reloads
// a different file.
func TestHA(t *testing.T) {
	// Its own processes, mostly waiting on gossip, evaluation and remote-write
	// intervals: it runs beside the other self-contained tests, after the shared ones.
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	logs := filepath.Join(env.dir, "ha")
	slack, err := startSlackSink()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slack.close)
	ams := startHACluster(ctx, t, logs, 2, slack)
	trigger := startTriggerTarget(t)
	amAddrs := []string{ams[0].addr, ams[1].addr}
	promAddrs := []string{testaddr.Must(t), testaddr.Must(t)}
	proms := []*haPrometheus{
		startHAPrometheus(ctx, t, filepath.Join(logs, "prometheus-a"), 0, promAddrs, amAddrs, trigger.addr),
		startHAPrometheus(ctx, t, filepath.Join(logs, "prometheus-b"), 1, promAddrs, amAddrs, trigger.addr),
	}
	membersExpr := haAlertExpr(t, "AlertmanagerMembersInconsistent")
	// membersInconsistent waits until replica b (the one that runs to the end) holds
	// the series of the running members, and no other, and cond holds for what
	// AlertmanagerMembersInconsistent's expression returns.
	membersInconsistent := func(step string, running int, cond func(model.Vector) bool) {
		t.Helper()
		var got, members model.Vector
		var err error
		if !eventually(45*time.Second, func() bool {
			members, err = proms[1].query(ctx, `alertmanager_cluster_members{job="alertmanager"} and on (instance) up{job="alertmanager"} == 1`)
			if err != nil || len(members) != running {
				return false
			}
			got, err = proms[1].query(ctx, membersExpr)
			return err == nil && cond(got)
		}) {
			t.Errorf("%s: AlertmanagerMembersInconsistent's expression on replica b returns %s (error %v), members scraped %s; expression:\n%s",
				step, seriesString(got), err, seriesString(members), membersExpr)
			return
		}
		t.Logf("%s: members %s; AlertmanagerMembersInconsistent's expression returns %s", step, seriesString(members), seriesString(got))
	}
	// 0. The HA alerts' expressions against the real pair and cluster: while both
	// members see each other nothing is inconsistent, both replicas discover both
	// Alertmanagers, and no integration fails on the whole cluster.
	membersInconsistent("both members running", 2, func(v model.Vector) bool { return len(v) == 0 })
	for _, p := range proms {
		var hashes model.Vector
		if !eventually(30*time.Second, func() bool {
			hashes, err = p.query(ctx, `alertmanager_config_hash{job="alertmanager"}`)
			return err == nil && len(hashes) == 2 && hashes[0].Value == hashes[1].Value
		}) {
			t.Errorf("replica %s: configuration hashes %s (error %v), want both members' and equal", p.replica, seriesString(hashes), err)
		}
	}
	for _, alert := range []string{"PrometheusNotConnectedToAlertmanagers", "AlertmanagerClusterFailedToSendAlerts", "AlertmanagerConfigInconsistent"} {
		expr := haAlertExpr(t, alert)
		for _, p := range proms {
			if got, err := p.query(ctx, expr); err != nil || len(got) != 0 {
				t.Errorf("%s's expression on replica %s returns %s (error %v), want no series", alert, p.replica, seriesString(got), err)
			}
		}
	}
	var discovered model.Vector
	if !eventually(30*time.Second, func() bool {
		discovered, err = proms[0].query(ctx, `prometheus_notifications_alertmanagers_discovered{job="prometheus"} == 2`)
		return err == nil && len(discovered) == 2
	}) {
		t.Errorf("replica a scrapes %s (error %v), want both replicas discovering 2 Alertmanagers", seriesString(discovered), err)
	}

	// waitOnce waits for alert's notification, then for haQuiet, and checks that it
	// came once, as one alert (the replicas' copies merged).
	waitOnce := func(step, alert string) {
		t.Helper()
		if !eventually(time.Minute, func() bool {
			n, _, _ := notified(slack.received(), alert)
			return n > 0
		}) {
			t.Fatalf("%s: no Slack notification of %s within a minute; received %s; Alertmanager logs %s, %s", step, alert, titles(slack.received()), ams[0].log, ams[1].log)
		}
		time.Sleep(haQuiet)
		n, _, got := notified(slack.received(), alert)
		want := fmt.Sprintf("[FIRING:1] high: %s (%s)", alert, haJob)
		if n != 1 || got[0] != want {
			t.Errorf("%s: %d Slack notifications of %s %q, want exactly one %q", step, n, alert, got, want)
		}
	}

	// 1. One alert, evaluated by both replicas, sent by both to both members.
	trigger.fire("first")
	for _, p := range proms {
		if !eventually(30*time.Second, func() bool { return p.firing(ctx, "HAFirst") }) {
			t.Fatalf("HAFirst is not firing on replica %s; log %s", p.replica, p.log)
		}
	}
	waitOnce("one alert on two replicas", "HAFirst")
	for _, p := range proms {
		sent, err := p.sentTo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, am := range ams {
			if u := "http://" + am.addr + "/api/v2/alerts"; sent[u] == 0 {
				t.Errorf("replica %s sent no alert to %s (sent %v)", p.replica, u, sent)
			}
		}
	}
	for _, am := range ams {
		as, err := am.alerts(ctx, `alertname="HAFirst"`)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 1 {
			t.Errorf("Alertmanager %s holds %d HAFirst alerts, want the two replicas' merged into one: %v", am.addr, len(as), as)
		}
		for _, a := range as {
			if r, ok := a.Labels["replica"]; ok {
				t.Errorf("Alertmanager %s received an alert with replica=%q: alert_relabel_configs must drop it", am.addr, r)
			}
		}
	}

	// 2. A silence made on one member holds on both. It is made on the member that
	// waits, so the one that notifies first must have it by gossip.
	first, second := byPosition(ctx, t, ams)
	id, err := second.silence(ctx, "alertname", "HASilenced", 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var state string
	if !eventually(30*time.Second, func() bool {
		state, err = first.silenceState(ctx, id)
		return err == nil && state == "active"
	}) {
		t.Fatalf("silence %s made on %s is %q on %s (error %v), want active", id, second.addr, state, first.addr, err)
	}
	trigger.fire("silenced")
	for _, am := range ams {
		var as []amAlert
		if !eventually(30*time.Second, func() bool {
			as, err = am.alerts(ctx, `alertname="HASilenced"`)
			return err == nil && len(as) == 1 && as[0].Status.State == "suppressed" && slices.Contains(as[0].Status.SilencedBy, id)
		}) {
			t.Fatalf("Alertmanager %s: HASilenced alerts %+v (error %v), want one suppressed by %s", am.addr, as, err, id)
		}
	}
	time.Sleep(haGroupInterval + haQuiet) // group_wait, then a group interval's flush or two
	if n, _, got := notified(slack.received(), "HASilenced"); n != 0 {
		t.Errorf("the silenced alert was notified %d times: %q", n, got)
	}

	// 3. The Alertmanager that notifies first stopped: the other takes over and
	// notifies, once. Then it comes back on the same addresses and data and notifies
	// nothing again.
	first.stop()
	// The member left alone counts a cluster of one, though the job has two targets:
	// AlertmanagerMembersInconsistent's expression returns it. The stopped member may
	// be returned too: it leaves the cluster before it stops serving /metrics, so a
	// scrape in between records it counting 1, and last_over_time keeps that reading.
	membersInconsistent("one member stopped", 1, func(v model.Vector) bool {
		alone := false
		for _, s := range v {
			if string(s.Metric["job"]) != "alertmanager" || s.Value != 1 {
				return false
			}
			switch string(s.Metric["instance"]) {
			case second.addr:
				alone = true
			case first.addr:
			default:
				return false
			}
		}
		return alone
	})
	trigger.fire("alertmanager_stopped")
	waitOnce("one Alertmanager stopped", "HAAlertmanagerStopped")
	before := len(slack.received())
	first.run(ctx, t, "alertmanager-restarted")
	waitCluster(ctx, t, ams, []string{ams[0].cluster, ams[1].cluster})
	if !eventually(30*time.Second, func() bool {
		as, err := first.alerts(ctx, `alertname="HAAlertmanagerStopped"`)
		return err == nil && len(as) == 1
	}) {
		t.Fatalf("the restarted Alertmanager never received HAAlertmanagerStopped again; log %s", first.log)
	}
	membersInconsistent("the stopped member rejoined", 2, func(v model.Vector) bool { return len(v) == 0 })
	if state, err := first.silenceState(ctx, id); err != nil || state != "active" {
		t.Errorf("after its restart, Alertmanager %s has silence %s %q (error %v), want active", first.addr, id, state, err)
	}
	time.Sleep(haQuiet)
	if got := slack.received(); len(got) != before {
		t.Errorf("the restarted Alertmanager notified again what its peer had: %s", titles(got[before:]))
	}

	// 4. One Prometheus stopped: the other's alerts still reach Slack, once.
	proms[0].stop()
	trigger.fire("prometheus_stopped")
	if !eventually(30*time.Second, func() bool { return proms[1].firing(ctx, "HAPrometheusStopped") }) {
		t.Fatalf("HAPrometheusStopped is not firing on replica b; log %s", proms[1].log)
	}
	waitOnce("one Prometheus stopped", "HAPrometheusStopped")

	// Nothing was resolved (no alert stopped firing: a stopped replica does not
	// resolve its alerts), nothing sent twice, every message a Slack payload.
	for _, p := range haPhases {
		n, resolved, got := notified(slack.received(), p.alert)
		want := 1
		if p.phase == "silenced" {
			want = 0
		}
		if n != want || resolved != 0 {
			t.Errorf("%s: %d firing notifications %q and %d resolved, want %d and 0", p.alert, n, got, resolved, want)
		}
	}
	if bad := slack.invalid(); len(bad) > 0 {
		t.Errorf("the Slack sink received requests that are not Slack payloads: %v", bad)
	}

	// 5. One member reloads a configuration that differs by a comment: the cluster
	// runs two configurations, and AlertmanagerConfigInconsistent's expression counts
	// them. Last, since the members' routing no longer has to agree from here on.
	configExpr := haAlertExpr(t, "AlertmanagerConfigInconsistent")
	cfg, err := os.ReadFile(first.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(first.cfg, append(cfg, "# edited on one member only\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := first.reload(ctx); err != nil {
		t.Fatal(err)
	}
	var configs model.Vector
	if !eventually(30*time.Second, func() bool {
		configs, err = proms[1].query(ctx, configExpr)
		return err == nil && len(configs) == 1 && string(configs[0].Metric["job"]) == "alertmanager" && configs[0].Value == 2
	}) {
		hashes, _ := proms[1].query(ctx, `alertmanager_config_hash{job="alertmanager"}`)
		t.Errorf("one member reloaded another configuration: AlertmanagerConfigInconsistent's expression returns %s (error %v), want {job=\"alertmanager\"} 2; hashes %s",
			seriesString(configs), err, seriesString(hashes))
	} else {
		t.Logf("one member on another configuration: AlertmanagerConfigInconsistent's expression returns %s", seriesString(configs))
	}
}
