package stackcheck

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/exporter-toolkit/web"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

// demoUser is the basic auth user of config/web-config.yml, whose password is
// config/web-password's.
const demoUser = "perfwatch"

// composeHost is the host every compose listener binds to: loopback unless
// PERFWATCH_LISTEN_HOST says otherwise.
const composeHost = "${PERFWATCH_LISTEN_HOST:-127.0.0.1}"

// listenFlag matches the flags that open a listener in the stack's commands.
var listenFlag = regexp.MustCompile(`--(web\.listen-address|web\.app-listen-address|ingest\.listen-address|cluster\.listen-address)=("[^"]*"|\S*)`)

// unprotected are the listeners allowed without a web configuration, with the reason.
var unprotected = map[string]string{
	"web.app-listen-address": "the demo application's own API",
	"ingest.listen-address":  "the collector's Sentry-compatible ingest, authenticated by the projects' DSN keys",
}

// forbidden are flags that let anyone who reaches a listener change the server: stop
// or reload it, delete or snapshot its data, or write samples into it.
var forbidden = []string{
	"--web.enable-lifecycle", "--web.enable-admin-api",
	"--web.enable-remote-write-receiver", "--web.enable-otlp-receiver",
	"--enable-feature=remote-write-receiver", "--enable-feature=otlp-write-receiver",
}

// scriptLines are the lines of a shell script that are not comments.
func scriptLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestNothingUnsafeStarts checks that neither compose nor demo.sh starts Prometheus
// with its lifecycle or admin API or a receiver of samples, and that Grafana has no anonymous access and no
// password in its environment.
func TestNothingUnsafeStarts(t *testing.T) {
	for name, s := range readCompose(t).Services {
		for _, a := range s.args() {
			for _, f := range forbidden {
				if strings.HasPrefix(a, f) {
					t.Errorf("compose %s starts with %s", name, a)
				}
			}
		}
		for k, v := range s.Environment {
			if k == "GF_AUTH_ANONYMOUS_ENABLED" && v != "false" || k == "GF_SECURITY_ADMIN_PASSWORD" {
				t.Errorf("compose %s: %s=%s", name, k, v)
			}
		}
	}
	g := readCompose(t).Services["grafana"].Environment
	if g["GF_SECURITY_ADMIN_PASSWORD__FILE"] == "" || g["GF_AUTH_ANONYMOUS_ENABLED"] != "false" {
		t.Errorf("grafana's environment %v: want the admin password from a file and no anonymous access", g)
	}
	for _, l := range scriptLines(t, "scripts/demo.sh") {
		for _, f := range forbidden {
			if strings.Contains(l, f) {
				t.Errorf("demo.sh: %s", l)
			}
		}
	}
}

// TestComposeListeners checks every listener compose starts: it binds to
// PERFWATCH_LISTEN_HOST (loopback by default), and it is the demo application, the DSN
// authenticated ingest, or behind config/web-config.yml with the certificate beside it.
// Alertmanager's gossip listener, which would listen on every interface, is off.
func TestComposeListeners(t *testing.T) {
	c := readCompose(t)
	for name, s := range c.Services {
		args := s.args()
		webConfig := ""
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, "--web.config.file="); ok {
				webConfig = v
			}
		}
		listeners := 0
		for _, a := range args {
			m := listenFlag.FindStringSubmatch(a)
			if m == nil || m[0] != a {
				continue
			}
			flag, addr := m[1], m[2]
			if flag == "cluster.listen-address" {
				if addr != "" {
					t.Errorf("%s: %s opens a gossip listener", name, a)
				}
				continue
			}
			listeners++
			if !strings.HasPrefix(addr, composeHost+":") {
				t.Errorf("%s: %s does not bind to %s", name, a, composeHost)
			}
			if _, ok := unprotected[flag]; !ok && webConfig == "" {
				t.Errorf("%s: %s without --web.config.file", name, a)
			}
		}
		switch {
		case name == "init":
		case name == "grafana":
			if got := s.Environment["GF_SERVER_HTTP_ADDR"]; got != composeHost {
				t.Errorf("grafana listens on %q, want %s", got, composeHost)
			}
		case listeners == 0:
			// Every command's default listens on every interface.
			t.Errorf("%s: no listen address given", name)
		}
		if strings.Contains(s.Image, "alertmanager") && !contains(args, "--cluster.listen-address=") {
			t.Errorf("%s: Alertmanager's gossip listener is not switched off", name)
		}
		if webConfig == "" {
			continue
		}
		mounts := map[string]string{}
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			mounts[parts[1]] = parts[0]
		}
		if mounts[webConfig] != "./config/web-config.yml" {
			t.Errorf("%s: %s is %q, not config/web-config.yml", name, webConfig, mounts[webConfig])
		}
		if tls := filepath.Join(filepath.Dir(webConfig), "tls"); mounts[tls] != "tls" {
			t.Errorf("%s: the tls volume is not mounted at %s", name, tls)
		}
		if dep, ok := s.DependsOn["init"]; !ok || dep.Condition != "service_completed_successfully" {
			t.Errorf("%s does not wait for init to make the certificate", name)
		}
	}
}

// TestDemoListeners checks that demo.sh binds every listener to $HOST, whose default
// is compose's (127.0.0.1), and starts every one but the application's and the ingest
// with the web configuration.
func TestDemoListeners(t *testing.T) {
	n := 0
	for _, l := range scriptLines(t, "scripts/demo.sh") {
		for _, m := range listenFlag.FindAllStringSubmatch(l, -1) {
			n++
			flag, addr := m[1], m[2]
			switch {
			case flag == "cluster.listen-address":
				if addr != "" {
					t.Errorf("demo.sh opens a gossip listener: %s", l)
				}
			case !strings.HasPrefix(addr, `"$HOST:`):
				t.Errorf("demo.sh: %s does not bind to $HOST", m[0])
			}
			if _, ok := unprotected[flag]; !ok && flag != "cluster.listen-address" && !strings.Contains(l, `"${WEB[@]}"`) {
				t.Errorf("demo.sh starts %s without the web configuration", m[0])
			}
		}
	}
	if n < 10 {
		t.Errorf("found %d listen flags in demo.sh; the test no longer reads it right", n)
	}
	if got := composeDefault(t, "PERFWATCH_LISTEN_HOST"); got != "127.0.0.1" {
		t.Errorf("demo.sh's default host is %q", got)
	}
}

// composeDefault runs demo.sh's own compose_default, which is how it finds its defaults.
func composeDefault(t *testing.T, name string) string {
	t.Helper()
	script := `eval "$(sed -n '/^compose_default() {/,/^}/p' scripts/demo.sh)"; compose_default "$1"`
	cmd := exec.Command("bash", "-c", script, "bash", name)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("compose_default %s: %v", name, err)
	}
	return string(out)
}

var composeVar = regexp.MustCompile(`\$\{(PERFWATCH_[A-Z_]+):-([^}]*)\}`)

// TestOnePlaceForDefaults checks that every PERFWATCH_* setting has one default in
// docker-compose.yml, that Prometheus's retention comes from them, and that demo.sh
// takes the same defaults from there instead of its own.
func TestOnePlaceForDefaults(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	for _, m := range composeVar.FindAllStringSubmatch(string(raw), -1) {
		if d, ok := defaults[m[1]]; ok && d != m[2] {
			t.Errorf("%s has two defaults, %q and %q", m[1], d, m[2])
		}
		defaults[m[1]] = m[2]
	}
	prom := readCompose(t).Services["prometheus"].args()
	for _, tc := range []struct{ flag, name string }{
		{"--storage.tsdb.retention.time", "PERFWATCH_RETENTION_TIME"},
		{"--storage.tsdb.retention.size", "PERFWATCH_RETENTION_SIZE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if defaults[tc.name] == "" {
				t.Fatalf("docker-compose.yml has no default for %s", tc.name)
			}
			if want := tc.flag + "=${" + tc.name + ":-" + defaults[tc.name] + "}"; !contains(prom, want) {
				t.Errorf("prometheus does not run with %s", want)
			}
			if got := composeDefault(t, tc.name); got != defaults[tc.name] {
				t.Errorf("demo.sh reads %q, compose says %q", got, defaults[tc.name])
			}
		})
	}
	for _, l := range scriptLines(t, "scripts/demo.sh") {
		if strings.Contains(l, "retention.time=") && !strings.Contains(l, `retention.time="$RETENTION_TIME"`) ||
			strings.Contains(l, "retention.size=") && !strings.Contains(l, `retention.size="$RETENTION_SIZE"`) {
			t.Errorf("demo.sh sets retention apart from compose: %s", l)
		}
	}
}

// TestWebConfigs checks every web configuration file shipped in config/: it is valid
// for exporter-toolkit (what perfwatch's commands read) and for promtool (what
// Prometheus reads) with the certificate config/stack-init.sh makes beside it, and
// every bcrypt hash in it is the documented demo password's.
func TestWebConfigs(t *testing.T) {
	testtool.Need(t, "openssl", "apt-get install openssl")
	promtool := testtool.Need(t, "promtool", "apt-get install prometheus")
	pw, err := os.ReadFile(filepath.Join(root, "config/web-password"))
	if err != nil {
		t.Fatal(err)
	}
	password := strings.TrimSpace(string(pw))
	docs, err := os.ReadFile(filepath.Join(root, "docs/security.md"))
	if err != nil || !bytes.Contains(docs, []byte("`"+password+"`")) {
		t.Errorf("docs/security.md does not give the demo password (%v)", err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config/web-config*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no config/web-config*.yml (%v)", err)
	}
	dir := t.TempDir()
	if out, err := exec.Command("sh", filepath.Join(root, "config/stack-init.sh"), dir).CombinedOutput(); err != nil {
		t.Fatalf("stack-init.sh: %v\n%s", err, out)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, filepath.Base(f))
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := web.Validate(path); err != nil {
				t.Errorf("exporter-toolkit: %v", err)
			}
			if out, err := exec.Command(promtool, "check", "web-config", path).CombinedOutput(); err != nil {
				t.Errorf("promtool check web-config: %v\n%s", err, out)
			}
			var cfg struct {
				Users map[string]string `yaml:"basic_auth_users"`
			}
			if err := yaml.Unmarshal(raw, &cfg); err != nil {
				t.Fatal(err)
			}
			if _, ok := cfg.Users[demoUser]; !ok {
				t.Errorf("no user %s", demoUser)
			}
			for user, hash := range cfg.Users {
				if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)); err != nil {
					t.Errorf("user %s: the hash is not config/web-password's: %v", user, err)
				}
			}
		})
	}
}

// promAuth is how prometheus.yml reaches a protected endpoint.
type promAuth struct {
	Scheme    string `yaml:"scheme"`
	BasicAuth struct {
		Username     string `yaml:"username"`
		PasswordFile string `yaml:"password_file"`
	} `yaml:"basic_auth"`
	TLSConfig struct {
		CAFile string `yaml:"ca_file"`
	} `yaml:"tls_config"`
	StaticConfigs []struct {
		Targets []string `yaml:"targets"`
	} `yaml:"static_configs"`
}

// TestPrometheusReachesProtected checks that prometheus.yml scrapes every target and
// sends to Alertmanager over TLS with the demo user, that compose mounts the password
// file and certificate where it looks for them, that every target is a listener compose
// protects, and that the classic histograms are kept (global, so every job has it).
func TestPrometheusReachesProtected(t *testing.T) {
	var cfg struct {
		Global   map[string]any `yaml:"global"`
		Alerting struct {
			Alertmanagers []promAuth `yaml:"alertmanagers"`
		} `yaml:"alerting"`
		ScrapeConfigs []struct {
			JobName  string `yaml:"job_name"`
			promAuth `yaml:",inline"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "prometheus.yml", &cfg)
	if cfg.Global["always_scrape_classic_histograms"] != true {
		t.Errorf("global: always_scrape_classic_histograms is %v", cfg.Global["always_scrape_classic_histograms"])
	}
	protected := map[string]bool{} // ports compose puts behind the web configuration
	for _, s := range readCompose(t).Services {
		args := s.args()
		if !strings.Contains(strings.Join(args, " "), "--web.config.file=") {
			continue
		}
		for _, a := range args {
			if addr, ok := strings.CutPrefix(a, "--web.listen-address="); ok {
				protected["localhost:"+addr[strings.LastIndex(addr, ":")+1:]] = true
			}
		}
	}
	check := func(what string, a promAuth) {
		t.Helper()
		if a.Scheme != "https" || a.BasicAuth.Username != demoUser || a.BasicAuth.PasswordFile != "web-password" || a.TLSConfig.CAFile != "tls/cert.pem" {
			t.Errorf("%s: %+v, want https with %s, web-password and tls/cert.pem", what, a, demoUser)
		}
		for _, sc := range a.StaticConfigs {
			for _, target := range sc.Targets {
				if !protected[target] {
					t.Errorf("%s: target %s is not a listener compose protects", what, target)
				}
			}
		}
	}
	for _, am := range cfg.Alerting.Alertmanagers {
		check("alerting", am)
	}
	jobs := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		jobs[sc.JobName] = true
		check(sc.JobName, sc.promAuth)
	}
	for _, want := range []string{"prometheus", "alertmanager", "perfwatch-exporter", "perfwatch-demo", "perfwatch-collector", "perfwatch-anomaly", "perfwatch-depscan"} {
		if !jobs[want] {
			t.Errorf("no job %s", want)
		}
	}
	mounts := map[string]string{}
	for _, v := range readCompose(t).Services["prometheus"].Volumes {
		parts := strings.Split(v, ":")
		mounts[parts[1]] = parts[0]
	}
	if mounts["/etc/prometheus/web-password"] != "./config/web-password" || mounts["/etc/prometheus/tls"] != "tls" {
		t.Errorf("prometheus's mounts %v: want config/web-password and the tls volume beside prometheus.yml", mounts)
	}
}

// TestDemoPrometheusConfig checks the Prometheus configuration demo.sh writes for each
// Prometheus it may run: the classic-histogram key as that version spells it.
func TestDemoPrometheusConfig(t *testing.T) {
	testtool.Need(t, "openssl", "apt-get install openssl")
	for _, tc := range []struct {
		version      string
		global, jobs bool // always_scrape_classic_histograms in global; scrape_classic_histograms in every job
	}{
		{"prometheus, version 3.5.0 (branch: HEAD)", true, false},
		{"prometheus, version 2.53.4 (branch: HEAD)", false, true},
		{"prometheus, version 2.45.0 (branch: HEAD)", false, true},
		{"promtool, version 2.42.0+ds (branch: debian/sid)", false, false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			dir := t.TempDir()
			fake := filepath.Join(dir, "prometheus")
			if err := os.WriteFile(fake, []byte("#!/bin/sh\necho '"+tc.version+"'\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "etc")
			if b, err := exec.Command(filepath.Join(root, "scripts/demo.sh"), "prometheus-config", fake, out).CombinedOutput(); err != nil {
				t.Fatalf("demo.sh prometheus-config: %v\n%s", err, b)
			}
			var cfg struct {
				Global        map[string]any   `yaml:"global"`
				ScrapeConfigs []map[string]any `yaml:"scrape_configs"`
			}
			raw, err := os.ReadFile(filepath.Join(out, "prometheus.yml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(raw, &cfg); err != nil {
				t.Fatal(err)
			}
			if got := cfg.Global["always_scrape_classic_histograms"] == true; got != tc.global {
				t.Errorf("global always_scrape_classic_histograms: %v, want %v", got, tc.global)
			}
			for _, sc := range cfg.ScrapeConfigs {
				if got := sc["scrape_classic_histograms"] == true; got != tc.jobs {
					t.Errorf("job %v: scrape_classic_histograms %v, want %v", sc["job_name"], got, tc.jobs)
				}
			}
			for _, f := range []string{"rules", "web-config.yml", "web-password", "tls/cert.pem", "tls/key.pem", "amtool-http.yml", "anomaly-http.yml"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("beside prometheus.yml: %v", err)
				}
			}
			// perfwatch-anomaly's client configuration: prometheus/common loads it, and
			// the files it names (relative to its folder) are the password and certificate.
			hc, _, err := promconfig.LoadHTTPConfigFile(filepath.Join(out, "anomaly-http.yml"))
			if err != nil {
				t.Fatal(err)
			}
			if hc.BasicAuth == nil || hc.BasicAuth.Username != demoUser || hc.BasicAuth.PasswordFile != filepath.Join(out, "web-password") ||
				hc.TLSConfig.CAFile != filepath.Join(out, "tls/cert.pem") {
				t.Errorf("anomaly-http.yml: basic_auth %+v, ca_file %q; want %s, web-password and tls/cert.pem beside it", hc.BasicAuth, hc.TLSConfig.CAFile, demoUser)
			}
		})
	}
}
