package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/perfwatch/perfwatch/anomaly/promread"
	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// leakPassword is the protected Prometheus's password in these tests: plain words, so
// that any of them in a log or an error, escaped or not, is a leak.
const leakPassword = "correct horse battery staple"

// leaked names the words of leakPassword that text contains.
func leaked(text string) []string {
	var out []string
	for _, w := range strings.Fields(leakPassword) {
		if strings.Contains(strings.ToLower(text), w) {
			out = append(out, w)
		}
	}
	return out
}

// protectedPrometheus is a real Prometheus behind a web configuration: TLS with a
// self-signed certificate for 127.0.0.1 and basic auth for user perfwatch.
type protectedPrometheus struct {
	addr   string // host:port
	caFile string // its certificate, to trust
	dir    string // where test files may go
}

// writeCert writes a self-signed ECDSA certificate for 127.0.0.1 and localhost.
func writeCert(t *testing.T, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "perfwatch-test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startProtectedPrometheus runs Debian's prometheus with --web.config.file asking for
// TLS and user perfwatch with leakPassword, and waits until it is ready.
func startProtectedPrometheus(t *testing.T) protectedPrometheus {
	t.Helper()
	bin := testtool.NeedEnv(t, "PROMETHEUS_BIN", "prometheus", "apt-get install prometheus")
	dir := t.TempDir()
	p := protectedPrometheus{addr: testaddr.Must(t), caFile: filepath.Join(dir, "tls/cert.pem"), dir: dir}
	writeCert(t, p.caFile, filepath.Join(dir, "tls/key.pem"))
	hash, err := bcrypt.GenerateFromPassword([]byte(leakPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "web-config.yml"), fmt.Sprintf(
		"tls_server_config:\n  cert_file: tls/cert.pem\n  key_file: tls/key.pem\nbasic_auth_users:\n  perfwatch: %q\n", hash))
	writeFile(t, filepath.Join(dir, "prometheus.yml"), "global: {scrape_interval: 1s}\n")
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+p.addr,
		"--web.config.file="+filepath.Join(dir, "web-config.yml"), "--log.level=warn")
	cmd.Dir = dir
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		if t.Failed() {
			t.Logf("prometheus's log:\n%s", log.String())
		}
	})

	// Ready when it answers with the password over TLS it trusts through caFile.
	c, err := newPromClient("https://"+p.addr, p.httpConfig(t, "ready", leakPassword, true))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: c.rt, Timeout: 5 * time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := hc.Get("https://" + p.addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited before ready: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus at %s not ready after 30s (last error %v)", p.addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// httpConfig writes an HTTP client configuration named name for user perfwatch with
// password in a file beside it (relative paths, as the stack writes them), trusting the
// server's certificate when withCA, and returns its path.
func (p protectedPrometheus) httpConfig(t *testing.T, name, password string, withCA bool) string {
	t.Helper()
	dir := filepath.Join(p.dir, "client-"+name)
	writeFile(t, filepath.Join(dir, "password"), password)
	cfg := "basic_auth:\n  username: perfwatch\n  password_file: password\n"
	if withCA {
		rel, err := filepath.Rel(dir, p.caFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg += "tls_config:\n  ca_file: " + rel + "\n"
	}
	path := filepath.Join(dir, "http.yml")
	writeFile(t, path, cfg)
	return path
}

// TestProtectedPrometheus reads from a real Prometheus behind TLS and basic auth through
// --prometheus.http-config.file, and checks that every wrong setting gives an error
// that says what is wrong and never shows the password.
func TestProtectedPrometheus(t *testing.T) {
	p := startProtectedPrometheus(t)
	base := "https://" + p.addr
	withPassword := "https://perfwatch:" + url.PathEscape(leakPassword) + "@" + p.addr
	good := p.httpConfig(t, "good", leakPassword, true)
	unknownField := filepath.Join(p.dir, "unknown-field.yml")
	writeFile(t, unknownField, "basic_auth:\n  username: perfwatch\n  passwd_file: password\n")
	missingPassword := filepath.Join(p.dir, "missing-password.yml")
	writeFile(t, missingPassword, "basic_auth:\n  username: perfwatch\n  password_file: nowhere/password\n")
	for _, tc := range []struct {
		name, url, httpConfig string
		newErr, readErr       string // substrings of newPromClient's and Read's errors; "" for none
	}{
		{name: "http config file", url: base, httpConfig: good},
		{name: "wrong password", url: base, httpConfig: p.httpConfig(t, "wrong", "correct horse battery", true), readErr: `client error: 401 (Unauthorized: the server refused the client's credentials, or got none; it answered "Unauthorized")`},
		{name: "no password", url: base, httpConfig: func() string {
			path := filepath.Join(p.dir, "ca-only.yml")
			writeFile(t, path, "tls_config: {ca_file: "+p.caFile+"}\n")
			return path
		}(), readErr: "client error: 401 (Unauthorized"},
		{name: "certificate not trusted", url: base, httpConfig: p.httpConfig(t, "no-ca", leakPassword, false), readErr: "x509"},
		{name: "plain http to TLS", url: "http://" + p.addr, httpConfig: good, readErr: `client error: 400 (Bad Request; it answered "Client sent an HTTP request to an HTTPS server.")`},
		{name: "unknown field", url: base, httpConfig: unknownField, newErr: unknownField + ": yaml: unmarshal errors:\n  line 3: field passwd_file not found"},
		{name: "missing password file", url: base, httpConfig: missingPassword, newErr: filepath.Join(p.dir, "nowhere/password")},
		{name: "missing http config file", url: base, httpConfig: filepath.Join(p.dir, "none.yml"), newErr: "none.yml"},
		{name: "password in URL and file", url: withPassword, httpConfig: good, newErr: "https://perfwatch:xxxxx@" + p.addr + " has credentials"},
		{name: "bad port after a password", url: withPassword + "x", newErr: "--prometheus.url: invalid port"},
		{name: "not http", url: "ftp://perfwatch:" + url.PathEscape(leakPassword) + "@" + p.addr, newErr: "want http:// or https://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newPromClient(tc.url, tc.httpConfig)
			if err != nil || tc.newErr != "" {
				if err == nil || tc.newErr == "" || !strings.Contains(err.Error(), tc.newErr) {
					t.Fatalf("newPromClient: %v, want an error containing %q", err, tc.newErr)
				}
				if w := leaked(err.Error()); len(w) > 0 {
					t.Errorf("the error shows the password's %q: %v", w, err)
				}
				return
			}
			r, err := c.reader(promread.Options{MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			end := time.Now()
			series, err := r.Read(ctx, "vector(1)", end.Add(-time.Minute), end, 10*time.Second)
			switch {
			case tc.readErr == "" && err != nil:
				t.Fatalf("read: %v", err)
			case tc.readErr == "" && (len(series) != 1 || len(series[0].Samples) != 7):
				t.Errorf("read vector(1) over a minute at 10s: %v", series)
			case tc.readErr != "" && (err == nil || !strings.Contains(err.Error(), tc.readErr)):
				t.Errorf("read: %v, want an error containing %q", err, tc.readErr)
			}
			if err != nil {
				t.Logf("read: %v", err)
				if w := leaked(err.Error()); len(w) > 0 {
					t.Errorf("the error shows the password's %q: %v", w, err)
				}
			}
		})
	}
}

// lockedBuffer is a log sink that calls onLine for every write, safe for the
// sidecar's goroutines.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	onLine func(line string)
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onLine(string(p))
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestStartupLogRedacted starts the sidecar with the password in --prometheus.url
// (the way this page's flag replaces) and with the http config file, each until its
// first successful read, and checks that no log line shows the password, that the
// URL is logged redacted, and that the URL's password draws a warning.
func TestStartupLogRedacted(t *testing.T) {
	p := startProtectedPrometheus(t)
	cfgFile := filepath.Join(p.dir, "anomaly.yml")
	writeFile(t, cfgFile, "schedule: {step: 1s, fit_window: 1m, fit_every: 1m, infer_every: 1s}\n"+
		"queries:\n  - {name: one, expr: vector(1)}\n")
	caOnly := filepath.Join(p.dir, "ca-only.yml")
	writeFile(t, caOnly, "tls_config: {ca_file: "+p.caFile+"}\n")
	for _, tc := range []struct {
		name, wantURL string
		args          []string
		warn          bool
	}{
		{"password in the URL", "https://perfwatch:xxxxx@" + p.addr, []string{
			"--prometheus.url=https://perfwatch:" + url.PathEscape(leakPassword) + "@" + p.addr,
			"--prometheus.http-config.file=" + caOnly,
		}, true},
		{"http config file", "https://" + p.addr, []string{
			"--prometheus.url=https://" + p.addr, "--prometheus.http-config.file=" + p.httpConfig(t, "log", leakPassword, true),
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			log := &lockedBuffer{onLine: func(line string) {
				if strings.Contains(line, "incomplete") { // a read failed: enough has been logged
					cancel()
				}
			}}
			listen := testaddr.Must(t)
			go func() {
				// A fit that read every query means the credentials worked: stop there.
				for ctx.Err() == nil {
					if resp, err := http.Get("http://" + listen + "/metrics"); err == nil {
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if bytes.Contains(body, []byte(`perfwatch_anomaly_last_success_timestamp_seconds{stage="fit"}`)) {
							cancel()
						}
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
			args := append([]string{"--config.file=" + cfgFile, "--log.level=debug", "serve",
				"--web.listen-address=" + listen, "--storage.path="}, tc.args...)
			out, err := os.CreateTemp(t.TempDir(), "stdout")
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			if err := run(ctx, args, out, log); err != nil && ctx.Err() == nil {
				t.Fatalf("run: %v", err)
			}
			text := log.String()
			t.Logf("log:\n%s", text)
			if w := leaked(text); len(w) > 0 {
				t.Errorf("the log shows the password's %q", w)
			}
			start := grep(text, "starting perfwatch-anomaly")
			if !strings.Contains(start, "prometheus="+tc.wantURL+" ") {
				t.Errorf("start-up line %q does not name Prometheus as %s", start, tc.wantURL)
			}
			if got := grep(text, "carries a password") != ""; got != tc.warn {
				t.Errorf("warning about the URL's password: %v, want %v", got, tc.warn)
			}
			if l := grep(text, "incomplete"); l != "" {
				t.Errorf("the sidecar could not read Prometheus: %s", l)
			}
		})
	}
}

// grep returns the lines of text that contain substr.
func grep(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
