package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
	"github.com/perfwatch/perfwatch/rules/rulegen"

	"go.yaml.in/yaml/v3"
)

// sinks says where the test's copy of alertmanager.yml delivers notifications.
type sinks struct {
	slackURL     string // the Slack sink's webhook URL
	smtpAddr     string // host:port of the SMTP sink
	smtpPassword string // what the SMTP sink expects
}

// testAlertmanagerConfig rewrites the shipped alertmanager.yml for the test, changing
// only where things are and how long Alertmanager waits: the secret files point at
// files holding the sinks' URL and password, the smarthost at the SMTP sink (which has
// no TLS, so smtp_require_tls is false), the templates at the repository's, and every
// route's group_wait/group_interval become 1s/2s (repeat_interval 1h, so repeats never
// mix with the notifications under test). Routes, receivers, inhibitions and templates
// stay as shipped.
func testAlertmanagerConfig(shipped []byte, repoDir, dir string, s sinks) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(shipped, &doc); err != nil {
		return nil, fmt.Errorf("parse alertmanager.yml: %w", err)
	}
	root := doc.Content[0]
	secrets := map[string]string{"slack_api_url": s.slackURL, "smtp_password": s.smtpPassword}
	for name, content := range secrets {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	global := mappingValue(root, "global")
	if global == nil {
		return nil, fmt.Errorf("alertmanager.yml has no global section")
	}
	for key, value := range map[string]string{
		"slack_api_url_file":      filepath.Join(dir, "slack_api_url"),
		"smtp_auth_password_file": filepath.Join(dir, "smtp_password"),
		"smtp_smarthost":          s.smtpAddr,
		"smtp_require_tls":        "false",
	} {
		if !setScalar(global, key, value) {
			return nil, fmt.Errorf("alertmanager.yml: global.%s not found", key)
		}
	}
	if t := mappingValue(root, "templates"); t != nil {
		for _, item := range t.Content {
			item.Value = filepath.Join(repoDir, item.Value)
		}
	}
	route := mappingValue(root, "route")
	if route == nil {
		return nil, fmt.Errorf("alertmanager.yml has no route")
	}
	shortenRoute(route, true)
	return yaml.Marshal(&doc)
}

func shortenRoute(route *yaml.Node, top bool) {
	for key, value := range map[string]string{"group_wait": "1s", "group_interval": "2s", "repeat_interval": "1h"} {
		if !setScalar(route, key, value) && top {
			route.Content = append(route.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: key}, &yaml.Node{Kind: yaml.ScalarNode, Value: value})
		}
	}
	if children := mappingValue(route, "routes"); children != nil {
		for _, c := range children.Content {
			shortenRoute(c, false)
		}
	}
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setScalar(m *yaml.Node, key, value string) bool {
	v := mappingValue(m, key)
	if v == nil {
		return false
	}
	v.Kind, v.Tag, v.Value, v.Style = yaml.ScalarNode, "", value, 0
	return true
}

// alertmanagerServer is a running Alertmanager.
type alertmanagerServer struct {
	*process
	url  string
	addr string
}

// startAlertmanager runs Debian's prometheus-alertmanager with config on a free
// loopback port, clustering off, data and log under dir, and waits until it is ready.
func startAlertmanager(ctx context.Context, dir string, config []byte) (*alertmanagerServer, error) {
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		return nil, fmt.Errorf("prometheus-alertmanager not installed (apt-get install prometheus-alertmanager): %w", err)
	}
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, config, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", cfgPath, err)
	}
	addr, err := testaddr.Loopback()
	if err != nil {
		return nil, err
	}
	p, err := start("alertmanager", dir, bin,
		"--config.file="+cfgPath,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--web.external-url=http://"+addr,
		"--cluster.listen-address=", // no gossip port
		"--log.level=debug")
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.waitHTTP(wctx, "http://"+addr+"/-/ready"); err != nil {
		p.stop()
		return nil, err
	}
	return &alertmanagerServer{process: p, url: "http://" + addr, addr: addr}, nil
}

// amAlert is an alert as Alertmanager's API v2 returns it.
type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Status      struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
		SilencedBy  []string `json:"silencedBy"`
	} `json:"status"`
}

// alerts lists the alerts Alertmanager holds that match the filter matchers
// (e.g. `alertname="X"`), silenced and inhibited ones included.
func (s *alertmanagerServer) alerts(ctx context.Context, filter ...string) ([]amAlert, error) {
	q := url.Values{}
	for _, f := range filter {
		q.Add("filter", f)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/api/v2/alerts?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var as []amAlert
	return as, s.do(req, http.StatusOK, &as)
}

// silence creates a silence matching name=value for d (an acknowledgement) and
// returns its id.
func (s *alertmanagerServer) silence(ctx context.Context, name, value string, d time.Duration) (string, error) {
	now := time.Now().UTC()
	body, err := json.Marshal(map[string]any{
		"matchers":  []map[string]any{{"name": name, "value": value, "isRegex": false, "isEqual": true}},
		"startsAt":  now.Format(time.RFC3339),
		"endsAt":    now.Add(d).Format(time.RFC3339),
		"createdBy": "perfwatch e2e",
		"comment":   "acknowledged by the end-to-end test",
	})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/v2/silences", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		SilenceID string `json:"silenceID"`
	}
	if err := s.do(req, http.StatusOK, &out); err != nil {
		return "", err
	}
	return out.SilenceID, nil
}

func (s *alertmanagerServer) do(req *http.Request, want int, v any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, data)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s %s: decode: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// startShippedAlertmanager runs Alertmanager with the shipped alertmanager.yml, its
// receivers pointed at a Slack and an SMTP sink started for the test, all stopped when
// the test ends. It fails the test under CI, and skips it elsewhere, when Debian's
// prometheus-alertmanager is not installed (testtool.Need).
func startShippedAlertmanager(ctx context.Context, t *testing.T, name string) (*alertmanagerServer, *slackSink, *smtpSink) {
	t.Helper()
	testtool.Need(t, "prometheus-alertmanager", "apt-get install prometheus-alertmanager")
	dir := filepath.Join(env.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	slack, err := startSlackSink()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slack.close)
	password := randomHex(t)
	mail, err := startSMTPSink("perfwatch@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mail.close)
	shipped, err := os.ReadFile("../alertmanager.yml")
	if err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := testAlertmanagerConfig(shipped, repo, dir, sinks{slackURL: slack.url, smtpAddr: mail.addr(), smtpPassword: password})
	if err != nil {
		t.Fatal(err)
	}
	am, err := startAlertmanager(ctx, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(am.stop)
	return am, slack, mail
}

// alertingFor starts the shipped Alertmanager with its Slack and SMTP sinks (see
// startShippedAlertmanager) and points the shared Prometheus at it until t ends.
func alertingFor(ctx context.Context, t *testing.T, name string) (*alertmanagerServer, *slackSink, *smtpSink) {
	t.Helper()
	am, slack, mail := startShippedAlertmanager(ctx, t, name)
	remove, err := env.prom.writeSD("alertmanagers", name, []string{am.addr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	return am, slack, mail
}

// testProfileRules returns the shipped rules in their test profile (rules/config.yml's
// test_profile): the same expressions, evaluated every second with short `for`s.
func testProfileRules(t *testing.T) map[string][]byte {
	t.Helper()
	rc, err := rulegen.Load("../rules/config.yml")
	if err != nil {
		t.Fatal(err)
	}
	files, err := rc.WithTestProfile().RuleFiles()
	if err != nil {
		t.Fatal(err)
	}
	return files
}
