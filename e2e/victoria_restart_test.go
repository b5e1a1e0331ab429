package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// TestVictoriaRestart checks that what was written survives restarts, with a Prometheus
// of its own that scrapes itself and remote-writes to a VictoriaMetrics of its own:
//  1. VictoriaMetrics holds every sample Prometheus holds;
//  2. VictoriaMetrics restarted: the samples written before are all there, and those
//     Prometheus scraped while it was down arrive after it returns (Prometheus keeps
//     them in its write-ahead log and retries);
//  3. Prometheus restarted: its own samples are all there and it goes on writing;
//  4. -retentionPeriod is in force: a sample older than it is refused, a recent
//     one kept.
func TestVictoriaRestart(t *testing.T) {
	// Its own processes, mostly waiting on gossip, evaluation and remote-write
	// intervals: it runs beside the other self-contained tests, after the shared ones.
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	logs := filepath.Join(env.dir, "victoria-restart")
	vm := startVictoria(ctx, t, logs, "victoria-metrics", filepath.Join(logs, "victoria-data"), testaddr.Must(t))
	t.Cleanup(func() { vm.stop() })
	promDir, promAddr := filepath.Join(logs, "prometheus"), testaddr.Must(t)
	prom, err := startPrometheusRemote(ctx, env.promBin, promDir, promAddr, vm.writeURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.stop() })
	if _, err := prom.addTargets("prometheus", promAddr); err != nil {
		t.Fatal(err)
	}

	// The number of samples of up{job="prometheus"} in the hour up to at.
	const samples = `sum(count_over_time(up{job="prometheus"}[1h]))`
	count := func(api v1.API, at time.Time) (float64, error) {
		v, _, _, err := api.Query(ctx, samples, at)
		if err != nil {
			return 0, err
		}
		vec, ok := v.(model.Vector)
		if !ok || len(vec) != 1 {
			return 0, fmt.Errorf("%s at %s: %v", samples, at.Format(time.RFC3339), v)
		}
		return float64(vec[0].Value), nil
	}
	// same waits until VictoriaMetrics has as many samples up to at as Prometheus, and
	// returns that number.
	same := func(step string, at time.Time) float64 {
		t.Helper()
		var p, v float64
		var perr, verr error
		if !eventually(20*time.Second, func() bool {
			p, perr = count(prom.api, at)
			v, verr = count(vm.api, at)
			return perr == nil && verr == nil && p == v && p > 0
		}) {
			t.Fatalf("%s: up to %s Prometheus has %v samples (%v), VictoriaMetrics %v (%v)", step, at.Format(time.RFC3339), p, perr, v, verr)
		}
		return p
	}
	if err := vm.waitForSeries(ctx, samples+` >= 3`); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now().Add(-time.Second).Truncate(time.Second)
	n1 := same("1. before the restarts", t1)

	// 2. VictoriaMetrics is down for four scrapes, then back on the same data.
	vm.stop()
	time.Sleep(4 * time.Second)
	vm.startAgain(ctx, t, logs, "victoria-metrics-restarted")
	if got, err := count(vm.api, t1); err != nil || got != n1 {
		t.Errorf("2. after VictoriaMetrics's restart it has %v samples up to %s (%v), %v before", got, t1.Format(time.RFC3339), err, n1)
	}
	t2 := time.Now().Add(time.Second).Truncate(time.Second)
	time.Sleep(time.Until(t2) + time.Second)
	n2 := same("2. samples scraped while VictoriaMetrics was down", t2)
	if n2 < n1+4 {
		t.Errorf("2. %v samples up to %s, %v up to %s: the four scraped while VictoriaMetrics was down are missing", n2, t2.Format(time.RFC3339), n1, t1.Format(time.RFC3339))
	}

	// 3. Prometheus restarted on the same data: it has what it had, and writes on.
	prom.stop()
	restarted := time.Now()
	if prom, err = startPrometheusRemote(ctx, env.promBin, promDir, promAddr, vm.writeURL()); err != nil {
		t.Fatal(err)
	}
	if got, err := count(prom.api, t2); err != nil || got != n2 {
		t.Errorf("3. after Prometheus's restart it has %v samples up to %s (%v), %v before", got, t2.Format(time.RFC3339), err, n2)
	}
	if err := vm.waitForSeries(ctx, fmt.Sprintf(`timestamp(up{job="prometheus"}) > %d`, restarted.Unix()+1)); err != nil {
		t.Fatalf("3. nothing written after Prometheus's restart: %v", err)
	}
	if got, err := count(vm.api, t2); err != nil || got != n2 {
		t.Errorf("3. VictoriaMetrics has %v samples up to %s after Prometheus's restart (%v), %v before", got, t2.Format(time.RFC3339), err, n2)
	}

	// 4. The retention: a sample two days old is refused, one an hour old kept.
	now := time.Now()
	body := fmt.Sprintf("perfwatch_e2e_retention_probe{age=\"2d\"} 1 %d\nperfwatch_e2e_retention_probe{age=\"1h\"} 1 %d\n",
		now.Add(-48*time.Hour).UnixMilli(), now.Add(-time.Hour).UnixMilli())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, vm.url+"/api/v1/import/prometheus", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("4. import: %s", resp.Status)
	}
	vm.flush(ctx, t)
	if err := vm.waitForSeries(ctx, `count_over_time(perfwatch_e2e_retention_probe{age="1h"}[3d])`); err != nil {
		t.Fatalf("4. the sample of an hour ago was not kept: %v", err)
	}
	v, _, _, err := vm.api.Query(ctx, `count_over_time(perfwatch_e2e_retention_probe{age="2d"}[3d])`, now)
	if err != nil || !isEmpty(v) {
		t.Errorf("4. a sample older than -retentionPeriod=%s was kept: %v (%v)", victoriaRetention, v, err)
	}
	fams, err := scrape(ctx, vm.url+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if _, n := metricValue(fams, "flag", map[string]string{"name": "retentionPeriod", "value": victoriaRetention}); n != 1 {
		t.Errorf("4. VictoriaMetrics does not report -retentionPeriod=%s among its flags", victoriaRetention)
	}
}
