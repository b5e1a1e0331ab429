package stackcheck

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	promconfig "github.com/prometheus/common/config"
)

// urlCredentials matches a URL with a user and a password in it, literal or a shell's
// $(…); a user alone (a Sentry DSN's public key) is no secret.
var urlCredentials = regexp.MustCompile(`[a-z]+://[\w.~%-]+:([^@/\s]|\$\([^)]*\))*@`)

// TestURLCredentials checks urlCredentials on what compose and demo.sh ran before
// perfwatch-anomaly had --prometheus.http-config.file, and on what they may print.
func TestURLCredentials(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{`--prometheus.url="https://perfwatch:$(cat "$ETC/web-password")@localhost:9090" \`, true},
		{`--prometheus.url="https://perfwatch:$$(cat /etc/perfwatch/web-password)@localhost:9090"`, true},
		{`--prometheus.url=https://perfwatch:perfwatch-demo@localhost:9090`, true},
		{`(Sentry DSN: http://perfwatchdemobackendkey@localhost:9115/1)`, false},
		{`--prometheus.url=https://localhost:9090 --prometheus.http-config.file="$ETC/anomaly-http.yml"`, false},
		{`curl -u "perfwatch:\$(cat $DATA/etc/web-password)" https://localhost:9090/api/v1/targets`, false},
	} {
		if got := urlCredentials.MatchString(tc.line); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestNoPasswordOnCommandLines checks that neither compose nor demo.sh puts credentials
// into a URL on a command line, where the process list shows them, nor trusts the
// stack's certificate through SSL_CERT_FILE, which every TLS client of the process
// would then trust too: clients take both from files.
func TestNoPasswordOnCommandLines(t *testing.T) {
	for name, s := range readCompose(t).Services {
		if cmd := strings.Join(s.Command, " "); urlCredentials.MatchString(cmd) {
			t.Errorf("compose %s: credentials in a URL: %s", name, cmd)
		}
		if _, ok := s.Environment["SSL_CERT_FILE"]; ok {
			t.Errorf("compose %s sets SSL_CERT_FILE", name)
		}
	}
	for _, l := range scriptLines(t, "scripts/demo.sh") {
		if urlCredentials.MatchString(l) || strings.Contains(l, "SSL_CERT_FILE") {
			t.Errorf("demo.sh: %s", l)
		}
	}
}

// flagValue is the value of --name= in args, and whether it is there.
func flagValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// TestComposeAnomalyClient checks how compose's perfwatch-anomaly reaches Prometheus:
// https://localhost:9090 with --prometheus.http-config.file naming the anomaly-http
// configuration, which prometheus/common loads, whose password file is
// config/web-password and whose CA is the stack's certificate, both mounted where it
// says.
func TestComposeAnomalyClient(t *testing.T) {
	c := readCompose(t)
	s := c.Services["anomaly"]
	args := s.args()
	if u, _ := flagValue(args, "prometheus.url"); u != "https://localhost:9090" {
		t.Errorf("--prometheus.url=%q, want https://localhost:9090", u)
	}
	path, ok := flagValue(args, "prometheus.http-config.file")
	if !ok {
		t.Fatal("anomaly runs without --prometheus.http-config.file")
	}
	source := ""
	for _, cf := range s.Configs {
		if cf.Target == path {
			source = cf.Source
		}
	}
	cf, ok := c.Configs[source]
	if !ok || source == "" {
		t.Fatalf("no top-level config is mounted at %s (configs %+v)", path, s.Configs)
	}
	cfg, err := promconfig.LoadHTTPConfig(cf.Content)
	if err != nil {
		t.Fatalf("configs.%s: %v", source, err)
	}
	cfg.SetDirectory(filepath.Dir(path))
	mounts := map[string]string{}
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		mounts[parts[1]] = parts[0]
	}
	if cfg.BasicAuth == nil || cfg.BasicAuth.Username != demoUser || mounts[cfg.BasicAuth.PasswordFile] != "./config/web-password" {
		t.Errorf("configs.%s: basic_auth %+v, want user %s and the password file mounted from config/web-password (mounts %v)", source, cfg.BasicAuth, demoUser, mounts)
	}
	if ca := cfg.TLSConfig.CAFile; filepath.Base(ca) != "cert.pem" || mounts[filepath.Dir(ca)] != "tls" {
		t.Errorf("configs.%s: ca_file %q is not cert.pem in the tls volume (mounts %v)", source, ca, mounts)
	}
}

// TestDemoAnomalyClient checks that demo.sh starts perfwatch-anomaly on
// https://localhost:9090 with the anomaly-http.yml prometheus_config writes (which
// TestDemoPrometheusConfig loads, and TestPrometheusBehindWebConfig reads a real
// Prometheus with).
func TestDemoAnomalyClient(t *testing.T) {
	var cmd string
	for _, l := range scriptLines(t, "scripts/demo.sh") {
		switch {
		case strings.Contains(l, "bin/perfwatch-anomaly"):
			cmd = l
		case cmd != "" && strings.HasSuffix(cmd, `\`):
			cmd += " " + l
		}
	}
	if cmd == "" {
		t.Fatal("demo.sh does not start bin/perfwatch-anomaly")
	}
	args := strings.Fields(strings.ReplaceAll(cmd, `"`, ""))
	if u, _ := flagValue(args, "prometheus.url"); u != "https://localhost:9090" {
		t.Errorf("--prometheus.url=%q, want https://localhost:9090", u)
	}
	if f, _ := flagValue(args, "prometheus.http-config.file"); f != "$ETC/anomaly-http.yml" {
		t.Errorf("--prometheus.http-config.file=%q, want $ETC/anomaly-http.yml", f)
	}
}
