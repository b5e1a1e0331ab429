package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/perfwatch/perfwatch/depscan/service"
	"github.com/perfwatch/perfwatch/internal/metricsdoc"
	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// startServe runs `perfwatch-depscan serve` with args until the test ends and waits
// for its first scan's metrics.
func startServe(t *testing.T, addr, user, pass string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--web.listen-address=" + addr, "--log.level=error", "--no-registry", "--cache.dir=" + t.TempDir()}, args...), io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, "http://"+addr+"/metrics", user, pass)
		if code == http.StatusOK && strings.Contains(body, `perfwatch_depscan_scans_total{result="success"} 1`) {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scan within 10 s: %d\n%s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestServe scans a project, serves the report and the metrics, and checks the
// metrics against docs/metrics.md's section both ways.
func TestServe(t *testing.T) {
	dir := project(t)
	addr := testaddr.Must(t)
	startServe(t, addr, "", "", "--scan.dir="+dir, "--osv.db="+fixtures, "--scan.debounce=50ms")
	code, body := get(t, "http://"+addr+service.ReportPath, "", "")
	var r scan.Report
	if err := json.Unmarshal([]byte(body), &r); code != http.StatusOK || err != nil || len(r.Projects) != 1 || len(r.Projects[0].Findings) != 1 {
		t.Errorf("report: %d %v\n%s", code, err, body)
	}
	_, metrics := get(t, "http://"+addr+"/metrics", "", "")
	for _, want := range []string{
		`perfwatch_dependency_vulnerabilities{ecosystem="PyPI",project=".",severity="critical"} 1`,
		`perfwatch_dependency_health_score{project="."} 40`,
		`perfwatch_depscan_build_info{`,
		`go_goroutines `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	documented, err := metricsdoc.Section(metricsdoc.Path(), "Dependency scanner")
	if err != nil {
		t.Fatal(err)
	}
	exposed := map[string]bool{}
	for _, line := range strings.Split(metrics, "\n") {
		name, ok := strings.CutPrefix(line, "# TYPE ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if !strings.HasPrefix(name, "perfwatch_") {
			continue // client_golang's Go and process collectors
		}
		name = strings.TrimSuffix(name, "_total") // OpenMetrics names the counter family without it
		if _, ok := documented[name]; !ok {
			if _, ok := documented[name+"_total"]; !ok {
				t.Errorf("%s is exposed but not documented in docs/metrics.md", name)
			}
		}
		exposed[name] = true
	}
	for name := range documented {
		if !exposed[strings.TrimSuffix(name, "_total")] {
			t.Errorf("%s is documented but not exposed", name)
		}
	}
}

// TestServeWebConfig puts the metrics and the report behind basic auth with
// --web.config.file, as the other admin endpoints are.
func TestServeWebConfig(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := testaddr.Must(t)
	startServe(t, addr, "prometheus", "s3cret", "--scan.dir="+project(t), "--osv.db="+fixtures, "--web.config.file="+cfg)
	for _, tc := range []struct {
		path, user, pass string
		want             int
	}{
		{"/metrics", "", "", 401}, {"/metrics", "prometheus", "wrong", 401}, {"/metrics", "prometheus", "s3cret", 200},
		{service.ReportPath, "", "", 401}, {service.ReportPath, "prometheus", "s3cret", 200},
	} {
		if got, _ := get(t, "http://"+addr+tc.path, tc.user, tc.pass); got != tc.want {
			t.Errorf("%s as %q/%q: %d, want %d", tc.path, tc.user, tc.pass, got, tc.want)
		}
	}
}

func TestServeErrors(t *testing.T) {
	dir := project(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--scan.dir=" + dir}, "osv.db"},
		{[]string{"serve", "--scan.dir=" + filepath.Join(dir, "none"), "--osv.db=" + fixtures}, "no such file"},
		{[]string{"serve", "--scan.dir=" + dir, "--osv.db=" + fixtures, "--scan.interval=often"}, "often"},
	} {
		if err := run(context.Background(), tt.args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

// TestScanTextfile writes the textfile beside the table; a name node_exporter would
// not read is refused.
func TestScanTextfile(t *testing.T) {
	dir := project(t)
	path := filepath.Join(t.TempDir(), "depscan.prom")
	var out bytes.Buffer
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--textfile="+path), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`perfwatch_dependency_vulnerabilities{ecosystem="PyPI",project=".",severity="critical"} 1`,
		`perfwatch_dependency_health_score{project="."} 40`,
		`perfwatch_depscan_scans_total{result="success"} 1`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("textfile lacks %s:\n%s", want, data)
		}
	}
	if !strings.Contains(out.String(), "PYSEC-2022-213") {
		t.Errorf("table missing beside the textfile:\n%s", out.String())
	}
	err = run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--textfile="+filepath.Join(t.TempDir(), "depscan.txt")), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), ".prom") {
		t.Errorf("--textfile=depscan.txt: %v, want an error about .prom", err)
	}
}
