package e2e

import (
	"context"
	"fmt"
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
	return startPrometheusWith(ctx, bin, dir, addr, fmt.Sprintf(remoteWriteConfig, writeURL))
}
