package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

// scrapedFamilies must be in every scrape of the default build: one family
// per default host collector and the exporter's own metrics.
var scrapedFamilies = []string{
	"node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_load1",
	"node_network_receive_bytes_total", "perfwatch_exporter_build_info",
	"go_goroutines", "process_resident_memory_bytes",
}

// TestBuildModesSurviveScrapes builds the real command the ways it is
// shipped (the default, -buildmode=pie as Arch, Fedora, Alpine and openSUSE
// package Go programs, and -race), starts each with its defaults and scrapes
// it many times over one keep-alive connection: every scrape must answer 200
// with the expected families, and the process must still be running at the
// end and stop cleanly on SIGTERM. It guards against anything that touches
// the process's own memory mappings (issue #11: discarding the executable's
// read-only mappings crashed a PIE build on its second scrape, because the
// relocated GNU_RELRO pages came back unpatched from the file).
func TestBuildModesSurviveScrapes(t *testing.T) {
	goBin := testtool.Need(t, "go", "https://go.dev/dl/")
	for _, tc := range []struct {
		name    string
		flags   []string
		env     []string
		scrapes int
	}{
		{"default", nil, nil, 1000},
		{"pie", []string{"-buildmode=pie"}, nil, 1000},
		// The race detector needs cgo.
		{"race", []string{"-race"}, []string{"CGO_ENABLED=1"}, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "perfwatch-exporter")
			build := exec.Command(goBin, append(append([]string{"build"}, tc.flags...), "-o", bin, ".")...)
			build.Env = append(os.Environ(), tc.env...)
			began := time.Now()
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build %v: %v\n%s", tc.flags, err, out)
			}
			built := time.Since(began)

			p := start(t, bin)
			client := &http.Client{Timeout: 10 * time.Second}
			began = time.Now()
			for i := 1; i <= tc.scrapes; i++ {
				if err := scrapeOnce(client, p.url+"/metrics"); err != nil {
					t.Fatalf("scrape %d of %d: %v; exporter %s", i, tc.scrapes, err, exitReport(p))
				}
			}
			select {
			case err := <-p.exited:
				p.exited <- err
				t.Fatalf("exited after %d scrapes: %v\n%s", tc.scrapes, err, crashReport(p.stderr.Bytes()))
			default:
			}
			t.Logf("built in %v; %d scrapes in %v", built.Round(time.Millisecond), tc.scrapes, time.Since(began).Round(time.Millisecond))
			if err := sigterm(t, p); err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, crashReport(p.stderr.Bytes()))
			}
		})
	}
}

// scrapeOnce fetches url and checks the status and the families; unlike
// scrape it returns an error, so the caller can add the exporter's stderr.
func scrapeOnce(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s\n%s", resp.Status, tail(body, 2000))
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	for _, name := range scrapedFamilies {
		if len(mfs[name].GetMetric()) == 0 {
			return fmt.Errorf("family %s missing", name)
		}
	}
	return nil
}

// exitReport waits briefly for p to exit (a crashed exporter is still
// writing its traceback when the scrape fails) and describes how it ended,
// with the end of its stderr once that is complete.
func exitReport(p *proc) string {
	select {
	case err := <-p.exited:
		p.exited <- err
		return fmt.Sprintf("exited: %v\n%s", err, crashReport(p.stderr.Bytes()))
	case <-time.After(3 * time.Second):
		return "still running"
	}
}

// crashReport returns the part of stderr from the runtime's fatal message
// on (the traceback's first goroutines), or its end when there is none.
func crashReport(stderr []byte) []byte {
	for _, marker := range []string{"unexpected fault address", "fatal error", "panic:", "SIG"} {
		if i := bytes.Index(stderr, []byte(marker)); i >= 0 {
			return stderr[i:min(len(stderr), i+3000)]
		}
	}
	return tail(stderr, 3000)
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
