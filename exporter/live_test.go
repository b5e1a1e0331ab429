package exporter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

// liveExporter builds every collector against this machine's /proc, with the
// test process itself watched by pid file and by comm.
func liveExporter(t *testing.T) *Exporter {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "self.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		testtool.Missing(t, "no /proc on this machine: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Processes = []ProcessConfig{
		{Name: "self-pidfile", PIDFile: pidFile},
		{Name: "self-comm", Comm: "^" + strings.TrimSpace(string(comm)) + "$"},
	}
	enabled := map[string]bool{}
	for _, f := range Factories() {
		enabled[f.Name] = true
	}
	cols, err := NewCollectors(cfg, enabled)
	if err != nil {
		t.Fatal(err)
	}
	self, err := NewSelfCollector("/proc")
	if err != nil {
		t.Fatal(err)
	}
	return New(cols, Options{Build: BuildInfo{Version: "test"}, Self: self})
}

func TestLiveScrape(t *testing.T) {
	exp := liveExporter(t)
	exp.AppendText(context.Background(), nil) // first scrape fills caches
	before := time.Now()
	got := familySeries(parseText(t, exp.AppendText(context.Background(), nil)))
	for _, f := range Factories() {
		if got[`node_scrape_collector_success{collector="`+f.Name+`"}`] != 1 {
			t.Errorf("collector %s failed on this machine", f.Name)
		}
	}
	if got["node_memory_MemTotal_bytes"] <= 0 || got["node_memory_MemAvailable_bytes"] > got["node_memory_MemTotal_bytes"] {
		t.Errorf("implausible memory: total %v available %v", got["node_memory_MemTotal_bytes"], got["node_memory_MemAvailable_bytes"])
	}
	cpus, mounts := 0, 0
	for k, v := range got {
		switch {
		case strings.HasPrefix(k, `node_cpu_seconds_total{`) && strings.Contains(k, `mode="idle"`):
			cpus++
			if v <= 0 {
				t.Errorf("%s = %v", k, v)
			}
		case strings.HasPrefix(k, "node_filesystem_size_bytes{"):
			mounts++
			avail := got[strings.Replace(k, "size_bytes", "avail_bytes", 1)]
			if avail > v {
				t.Errorf("%s: avail %v > size %v", k, avail, v)
			}
		}
	}
	if cpus == 0 {
		t.Error("no CPU exported")
	}
	t.Logf("%d CPUs, %d filesystems, %d series", cpus, mounts, len(got))
	if _, ok := got["node_load1"]; !ok {
		t.Error("no node_load1")
	}
	if got["process_open_fds"] < 3 || got["process_resident_memory_bytes"] <= 0 || got["go_goroutines"] < 1 || got["process_max_fds"] < got["process_open_fds"] {
		t.Errorf("implausible self metrics: fds %v/%v rss %v goroutines %v", got["process_open_fds"], got["process_max_fds"], got["process_resident_memory_bytes"], got["go_goroutines"])
	}
	for _, name := range []string{"self-pidfile", "self-comm"} {
		l := `{name="` + name + `"}`
		if got["perfwatch_process_instances"+l] != 1 {
			t.Errorf("%s: count %v, want 1", name, got["perfwatch_process_instances"+l])
		}
		if got["perfwatch_process_resident_memory_bytes"+l] <= 0 || got["perfwatch_process_threads"+l] < 1 || got["perfwatch_process_open_fds"+l] < 3 {
			t.Errorf("%s: implausible rss/threads/fds: %v %v %v", name, got["perfwatch_process_resident_memory_bytes"+l], got["perfwatch_process_threads"+l], got["perfwatch_process_open_fds"+l])
		}
		start := got["perfwatch_process_start_time_seconds"+l]
		if start > float64(before.Unix())+1 || start < float64(before.Add(-time.Hour).Unix()) {
			t.Errorf("%s: start time %v not within the last hour", name, start)
		}
	}
}

// TestPromtoolCheckMetrics lints the live output as Prometheus would. The
// only accepted findings are the camelCase warnings on node_memory_* and
// node_netstat_* names and the "bits" unit of node_entropy_*_bits, which
// node_exporter emits too and the naming contract requires.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := testtool.Need(t, "promtool", "Debian package prometheus")
	text := liveExporter(t).AppendText(context.Background(), nil)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(text))
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 { // 3: lint findings only
			t.Fatalf("promtool check metrics: %v\n%s", err, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		if (strings.HasPrefix(line, "node_memory_") || strings.HasPrefix(line, "node_netstat_")) && strings.HasSuffix(line, "should be written in 'snake_case' not 'camelCase'") {
			continue
		}
		if strings.HasPrefix(line, "node_entropy_") && strings.HasSuffix(line, `use base unit "bytes" instead of "bits"`) {
			continue
		}
		t.Errorf("promtool: %s", line)
	}
}
