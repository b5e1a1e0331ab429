package promread

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// startPrometheus runs Debian's prometheus in a temporary folder on a free port,
// scraping itself every second, and returns its address. The process group is
// killed when the test ends.
func startPrometheus(t *testing.T) string {
	t.Helper()
	bin := testtool.NeedEnv(t, "PROMETHEUS_BIN", "prometheus", "apt-get install prometheus")
	dir := t.TempDir()
	addr := testaddr.Must(t)
	cfg := fmt.Sprintf(`
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: [%q]
`, addr)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Dir = dir
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("prometheus log:\n%s", b)
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited before ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready at %s after 10s (last error %v)", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRealPrometheus reads from a real Prometheus over a range that needs several
// chunks and checks the stitched result against one unchunked read.
func TestRealPrometheus(t *testing.T) {
	t0 := time.Now()
	url := startPrometheus(t)
	t.Logf("ready after %v", time.Since(t0))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	c, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatal(err)
	}
	a := v1.NewAPI(c)
	// Wait for a few scrapes.
	for {
		v, _, _, err := a.Query(ctx, `count_over_time(up[1m])`, time.Now())
		if vec, ok := v.(model.Vector); err == nil && ok && len(vec) == 1 && vec[0].Value >= 4 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no samples of up: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("samples after %v", time.Since(t0))
	// The oldest sample of up, so the range starts where data starts.
	var first time.Time
	v, _, _, err := a.Query(ctx, `min_over_time(timestamp(up)[1m:1s])`, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if vec, ok := v.(model.Vector); ok && len(vec) == 1 {
		first = time.UnixMilli(int64(float64(vec[0].Value) * 1000))
	} else {
		t.Fatalf("oldest sample: %v", v)
	}

	step := 500 * time.Millisecond
	start := first.Truncate(step).Add(-2 * step) // two grid points before the first scrape
	end := time.Now().Add(-time.Second)          // settled: no scrape can still land here
	points := int(end.Sub(start)/step) + 1
	const limit = 2
	chunks, err := Chunks(start, end, step, limit)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 3 {
		t.Fatalf("range %s..%s gives %d chunks, want at least 3", start, end, len(chunks))
	}
	t.Logf("%d grid points from %s in %d chunks of at most %d", points, start.UTC().Format(time.RFC3339), len(chunks), limit)
	chunked := New(a, Options{MaxPoints: limit})
	whole := New(a, Options{})

	for _, q := range []string{"up", "prometheus_http_requests_total"} {
		t.Run(q, func(t *testing.T) {
			got, err := chunked.Read(ctx, q, start, end, step)
			if err != nil {
				t.Fatal(err)
			}
			want, err := whole.Read(ctx, q, start, end, step)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatal("no series")
			}
			t.Logf("%s: %d series", q, len(got))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%d chunks of %d points differ from one read:\nchunked %v\nwhole   %v", len(chunks), limit, got, want)
			}
			for _, s := range got {
				for i, p := range s.Samples {
					off := p.Timestamp.Sub(model.TimeFromUnixNano(start.UnixNano()))
					if off%step != 0 || off < 0 || p.Timestamp.After(model.TimeFromUnixNano(end.UnixNano())) {
						t.Errorf("%v: sample %v off the grid", s.Labels, p)
					}
					if i > 0 && !p.Timestamp.After(s.Samples[i-1].Timestamp) {
						t.Errorf("%v: samples not increasing at %d", s.Labels, i)
					}
				}
				if len(s.Samples) > points {
					t.Errorf("%v: %d samples for %d grid points", s.Labels, len(s.Samples), points)
				}
			}
			if q == "up" {
				if len(got) != 1 || got[0].Labels["job"] != "prometheus" {
					t.Fatalf("up: %v", got)
				}
				s := got[0].Samples
				// The first two grid points precede the first scrape: a gap at the start.
				if n := len(s); n < 3 || n > points-2 {
					t.Errorf("up has %d samples for %d grid points, want a gap before the first scrape", n, points)
				}
				for _, p := range s {
					if p.Value != 1 {
						t.Errorf("up = %v", p)
					}
				}
			}
		})
	}
}
