package stackcheck

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// TestAlertmanagerBehindWebConfig starts a real Alertmanager with the web configuration
// and certificate `make demo` writes (config/web-config.yml, config/stack-init.sh's
// certificate), as compose and make demo run it, and checks that it refuses requests
// without the demo password (silences and reloads included) and that amtool reaches it
// with the client configuration demo.sh writes beside them: docs/alerting.md's silence
// add, query and expire and alert query work as written there.
func TestAlertmanagerBehindWebConfig(t *testing.T) {
	am := testtool.Need(t, "prometheus-alertmanager", "apt-get install prometheus-alertmanager")
	amtool := testtool.Need(t, "amtool", "apt-get install prometheus-alertmanager")
	testtool.Need(t, "openssl", "apt-get install openssl")
	promtool := testtool.Need(t, "promtool", "apt-get install prometheus")
	dir := t.TempDir()
	if out, err := exec.Command(filepath.Join(root, "scripts/demo.sh"), "prometheus-config", promtool, dir).CombinedOutput(); err != nil {
		t.Fatalf("demo.sh prometheus-config: %v\n%s", err, out)
	}
	amConfig := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(amConfig, []byte("route:\n  receiver: none\nreceivers:\n  - name: none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clientConfig := filepath.Join(dir, "amtool-http.yml")

	addr := testaddr.Must(t)
	srv := startBehindWebConfig(t, "alertmanager", am, dir, addr, 30*time.Second,
		"--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "data"), "--cluster.listen-address=")
	base, password := srv.base, srv.password
	srv.checkStatuses(t, []statusCase{
		{"metrics without credentials", "GET", "/metrics", "", "", http.StatusUnauthorized},
		{"metrics with a wrong password", "GET", "/metrics", demoUser, "wrong", http.StatusUnauthorized},
		{"silence without credentials", "POST", "/api/v2/silences", "", "", http.StatusUnauthorized},
		{"reload without credentials", "POST", "/-/reload", "", "", http.StatusUnauthorized},
		{"metrics with the demo password", "GET", "/metrics", demoUser, password, http.StatusOK},
	})
	t.Run("amtool", func(t *testing.T) {
		out, err := exec.Command(amtool, "--alertmanager.url="+base, "--http.config.file="+clientConfig, "silence", "query").CombinedOutput()
		if err != nil {
			t.Errorf("amtool with amtool-http.yml: %v\n%s", err, out)
		}
		// docs/alerting.md's acknowledge and un-acknowledge, as written there.
		am := []string{"--alertmanager.url=" + base, "--http.config.file=" + clientConfig}
		out, err = exec.Command(amtool, append(am, "silence", "add",
			"alertname=HTTPRouteErrorRate", "job=perfwatch-demo", `http_route="/api/items/{id}"`,
			"--duration=2h", "--author=stackcheck", "--comment=rollback in progress, INC-123")...).CombinedOutput()
		id := strings.TrimSpace(string(out))
		if err != nil || id == "" {
			t.Fatalf("amtool silence add: %v\n%s", err, out)
		}
		if out, err := exec.Command(amtool, append(am, "silence", "query", "--quiet", "alertname=HTTPRouteErrorRate")...).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != id {
			t.Errorf("amtool silence query: %v, %q; want %s", err, out, id)
		}
		if out, err := exec.Command(amtool, append(am, "silence", "expire", id)...).CombinedOutput(); err != nil {
			t.Errorf("amtool silence expire: %v\n%s", err, out)
		}
		if out, err := exec.Command(amtool, append(am, "alert", "query")...).CombinedOutput(); err != nil {
			t.Errorf("amtool alert query: %v\n%s", err, out)
		}
		// The stack's CA but no password: refused by basic auth, not by TLS.
		caOnly := filepath.Join(dir, "amtool-ca-only.yml")
		if err := os.WriteFile(caOnly, []byte("tls_config:\n  ca_file: "+filepath.Join(dir, "tls/cert.pem")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err = exec.Command(amtool, "--alertmanager.url="+base, "--http.config.file="+caOnly, "silence", "query").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "401") {
			t.Errorf("amtool without the password: %v, want a 401:\n%s", err, out)
		}
	})
}

func readString(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
