package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// ScrapeInterval is the shared Prometheus's scrape and rule evaluation interval: short,
// so that tests see data within seconds.
const ScrapeInterval = time.Second

// prometheus is the shared Prometheus process. Tests add scrape targets (addTargets),
// and can add rule files and Alertmanagers the same way, by writing files into the
// folders its configuration discovers, so one process serves every test.
type prometheus struct {
	*process
	dir  string
	url  string
	http *http.Client
	api  v1.API
}

// The configuration: everything is discovered from files in the data folder.
const prometheusConfig = `
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files:
  - rules/*.yml
alerting:
  alertmanagers:
    - file_sd_configs:
        - files: [alertmanagers/*.json]
          refresh_interval: 1s
scrape_configs:
  - job_name: targets # every target file sets its own job label
    file_sd_configs:
      - files: [targets/*.json]
        refresh_interval: 1s
  # perfwatch-anomaly's gauges carry the job and instance of the series they score, as
  # prometheus.yml's job for it keeps them (honor_labels).
  - job_name: targets-honor
    honor_labels: true
    file_sd_configs:
      - files: [targets-honor/*.json]
        refresh_interval: 1s
  # docs/backends.md's scrape configuration for OpenTelemetry JS's Prometheus exporter:
  # its own /metrics scrapes (series without http_route) dropped (addOTelJSTargets).
  - job_name: targets-otel-js
    file_sd_configs:
      - files: [targets-otel-js/*.json]
        refresh_interval: 1s
    metric_relabel_configs:
      - source_labels: [__name__, http_route]
        regex: 'http_server_request_duration_(bucket|sum|count);'
        action: drop
`

func startPrometheus(ctx context.Context, bin, dir string) (*prometheus, error) {
	addr, err := testaddr.Loopback()
	if err != nil {
		return nil, err
	}
	return startPrometheusAt(ctx, bin, dir, addr)
}

// startPrometheusAt starts Prometheus on addr with its data in dir; started again on
// the same dir and addr, it is the same Prometheus after a restart.
func startPrometheusAt(ctx context.Context, bin, dir, addr string) (*prometheus, error) {
	return startPrometheusWith(ctx, bin, dir, addr, "")
}

// startPrometheusWith is startPrometheusAt with extra appended to the shared
// configuration (a remote_write section, say), written before Prometheus starts.
func startPrometheusWith(ctx context.Context, bin, dir, addr, extra string) (*prometheus, error) {
	for _, sub := range []string{"rules", "alertmanagers", "targets", "targets-honor", "targets-otel-js", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(prometheusConfig+extra), 0o644); err != nil {
		return nil, err
	}
	p, err := start("prometheus", dir, bin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--web.enable-lifecycle",
		"--log.level=warn",
	)
	if err != nil {
		return nil, err
	}
	url := "http://" + addr
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.waitHTTP(wctx, url+"/-/ready"); err != nil {
		p.stop()
		return nil, err
	}
	client, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("prometheus client: %w", err)
	}
	return &prometheus{process: p, dir: dir, url: url, http: &http.Client{Timeout: 10 * time.Second}, api: v1.NewAPI(client)}, nil
}

// addTargets makes Prometheus scrape the targets under the given job name; the returned
// function takes them away again.
func (p *prometheus) addTargets(job string, targets ...string) (remove func(), err error) {
	return p.writeSD("targets", job, targets, map[string]string{"job": job})
}

// addHonorTargets is addTargets for targets whose own job and instance labels win.
func (p *prometheus) addHonorTargets(job string, targets ...string) (remove func(), err error) {
	return p.writeSD("targets-honor", job, targets, map[string]string{"job": job})
}

func (p *prometheus) writeSD(kind, name string, targets []string, labels map[string]string) (func(), error) {
	group := []map[string]any{{"targets": targets, "labels": labels}}
	b, err := json.Marshal(group)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(p.dir, kind, name+".json")
	// Write and rename, so that discovery never reads half a file.
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return nil, err
	}
	return func() { os.Remove(path) }, nil
}

// waitForSeries polls until expr has a result, ctx ends, or Prometheus fails.
func (p *prometheus) waitForSeries(ctx context.Context, expr string) error {
	for {
		v, _, _, err := p.api.Query(ctx, expr, time.Now())
		if err == nil && !isEmpty(v) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no result for %s: %w (last error %v)", expr, ctx.Err(), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// isEmpty tells whether a query result holds no sample at all.
func isEmpty(v model.Value) bool {
	switch r := v.(type) {
	case model.Vector:
		return len(r) == 0
	case model.Matrix:
		for _, s := range r {
			if len(s.Values) > 0 || len(s.Histograms) > 0 {
				return false
			}
		}
		return true
	case *model.Scalar, *model.String:
		return false
	}
	return v == nil
}
