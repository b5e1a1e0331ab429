package metrics

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

func textfile(t *testing.T) (dir, path string) {
	t.Helper()
	c := New(Options{})
	c.Succeeded(report(), 1500*time.Millisecond, 17)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	dir = t.TempDir()
	path = filepath.Join(dir, "perfwatch-depscan.prom")
	if err := WriteTextfile(path, reg); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func TestWriteTextfile(t *testing.T) {
	dir, path := textfile(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "perfwatch-depscan.prom" {
		t.Errorf("directory holds %v, want only the .prom file (no temporary left)", entries)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("stat %s: %v, mode %v, want 0644", path, err, st.Mode())
	}
	// Rewriting replaces the file.
	if err := WriteTextfile(path, prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || len(data) != 0 {
		t.Errorf("rewritten file: %v %q, want empty", err, data)
	}
}

func TestWriteTextfileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ path, want string }{
		{filepath.Join(dir, "depscan.txt"), "must end in .prom"},
		{filepath.Join(dir, "missing", "depscan.prom"), "no such file"},
	} {
		if err := WriteTextfile(tt.path, prometheus.NewRegistry()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("WriteTextfile(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %v", entries)
	}
}

// TestTextfilePromtool checks the file with promtool's linter, the reference for the
// exposition format's conventions.
func TestTextfilePromtool(t *testing.T) {
	promtool := testtool.Need(t, "promtool", "apt-get install prometheus")
	_, path := textfile(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.CommandContext(context.Background(), promtool, "check", "metrics")
	cmd.Stdin = f
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestTextfileNodeExporter has node_exporter's textfile collector, the file's reader,
// read it: the series arrive with their values and the collector reports no error.
func TestTextfileNodeExporter(t *testing.T) {
	bin := testtool.NeedEnv(t, "NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter", "apt-get install prometheus-node-exporter")
	dir, _ := textfile(t)
	addr := testaddr.Must(t)
	cmd := exec.Command(bin, "--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+dir, "--web.listen-address="+addr)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if fams, err = scrape("http://" + addr + "/metrics"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scrape node_exporter: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v := value(fams, "node_textfile_scrape_error", nil); v != 0 {
		t.Errorf("node_textfile_scrape_error = %v, want 0\n%s", v, logs.String())
	}
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"perfwatch_dependency_health_score", map[string]string{"project": "api"}, 40},
		{"perfwatch_dependency_vulnerabilities", map[string]string{"project": "api", "ecosystem": "npm", "severity": "high"}, 1},
		{"perfwatch_dependency_outdated", map[string]string{"project": "web", "ecosystem": "PyPI", "level": "patch"}, 1},
		{"perfwatch_dependency_licence_violations", map[string]string{"project": "api"}, 1},
		{"perfwatch_depscan_scans_total", map[string]string{"result": "success"}, 1},
		{"perfwatch_depscan_last_success_timestamp_seconds", nil, float64(scanned.Unix())},
	} {
		if got := value(fams, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}

func scrape(url string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// value is the sample of the series with exactly these labels besides any, or -1.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	mf := fams[name]
	for _, m := range mf.GetMetric() {
		match := len(m.GetLabel()) == len(labels)
		for _, lp := range m.GetLabel() {
			if labels[lp.GetName()] != lp.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Untyped != nil:
			return m.GetUntyped().GetValue()
		}
	}
	return -1
}
