package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// remoteWriteConfig is the remote_write section the VictoriaMetrics tests add to the
// shared configuration: every scraped sample goes to url, sent within a second and
// retried quickly, so that a test sees it in VictoriaMetrics within seconds. Recorded
// series and alert state stay out: in these tests vmalert evaluates the same rules
// against VictoriaMetrics and writes those series itself, and two writers of one series
// would hide whether vmalert's own work arrived. docs/scaling.md has the production
// section, which forwards everything.
const remoteWriteConfig = `
remote_write:
  - url: %s
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 50ms
      max_backoff: 1s
    write_relabel_configs:
      - source_labels: [__name__]
        regex: 'ALERTS|ALERTS_FOR_STATE|.+:.+'
        action: drop
`

// startPrometheusRemote is startPrometheusAt with remote_write to writeURL: the same
// discovery folders (addTargets, addRules work), the same flags, and, started again on
// the same dir and addr, the same Prometheus after a restart, which resumes sending
// from its write-ahead log. The configuration is written before Prometheus starts, not
// reloaded in after, so that no sample scraped at start is left unsent.
func startPrometheusRemote(ctx context.Context, bin, dir, addr, writeURL string) (*prometheus, error) {
	for _, sub := range []string{"rules", "alertmanagers", "targets", "targets-honor", "targets-otel-js", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(prometheusConfig+fmt.Sprintf(remoteWriteConfig, writeURL)), 0o644); err != nil {
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
