package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// runMainEnv makes the test binary act as perfwatch-exporter, so tests start
// the real command (flags, serving, signals) without a separate go build.
const runMainEnv = "PERFWATCH_EXPORTER_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// proc is a process started by a test; it is killed when the test ends.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	exited chan error
}

// start runs bin (or this test binary as perfwatch-exporter when bin is
// empty) listening on a free loopback port, and waits until it serves.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	addr := testaddr.Must(t)
	var cmd *exec.Cmd
	if bin == "" {
		cmd = exec.Command(os.Args[0], append([]string{"--web.listen-address=" + addr}, args...)...)
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
	} else {
		cmd = exec.Command(bin, append([]string{"--web.listen-address=" + addr}, args...)...)
	}
	p := &proc{cmd: cmd, url: "http://" + addr, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("%s exited before serving: %v\n%s", cmd.Path, err, p.stderr)
		default:
		}
		resp, err := http.Get(p.url + "/")
		if err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not serving on %s: %v\n%s", cmd.Path, addr, err, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runToExit runs the exporter with args and returns its stderr and exit error.
func runToExit(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stderr.String(), err
}

// scrape fetches and parses url's metrics.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return mfs
}

func sigterm(t *testing.T, p *proc) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		return errors.New("still running 10 s after SIGTERM")
	}
}

func labelValue(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}
