package stackcheck

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// webServer is one of the stack's servers started behind the web configuration and
// certificate `make demo` writes in dir.
type webServer struct {
	t        *testing.T
	base     string
	hc       *http.Client
	password string
}

// startBehindWebConfig starts bin with args plus --web.listen-address=addr and the web
// configuration in dir, stops it when the test ends (logging its output if the test
// failed), and waits until /-/ready answers the demo user.
func startBehindWebConfig(t *testing.T, name, bin, dir, addr string, ready time.Duration, args ...string) *webServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	args = append(args, "--web.listen-address="+addr, "--web.config.file="+filepath.Join(dir, "web-config.yml"))
	cmd := exec.CommandContext(ctx, bin, args...)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, log.String())
		}
	})
	s := &webServer{
		t:        t,
		base:     "https://" + addr,
		hc:       stackClient(t, filepath.Join(dir, "tls/cert.pem")),
		password: strings.TrimSpace(readString(t, "config/web-password")),
	}
	for deadline := time.Now().Add(ready); ; time.Sleep(100 * time.Millisecond) {
		if code, _ := s.call("GET", "/-/ready", demoUser, s.password); code == http.StatusOK {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s at %s not ready", name, addr)
		}
	}
}

func (s *webServer) call(method, path, user, pass string) (int, []byte) {
	return call(s.t, s.hc, method, s.base+path, user, pass)
}

// statusCase is one request and the status the server must answer it with.
type statusCase struct {
	name, method, path, user, pass string
	want                           int
}

// checkStatuses sends each case as a subtest.
func (s *webServer) checkStatuses(t *testing.T, cases []statusCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := s.call(tc.method, tc.path, tc.user, tc.pass); got != tc.want {
				t.Errorf("%s %s: %d, want %d", tc.method, tc.path, got, tc.want)
			}
		})
	}
}
