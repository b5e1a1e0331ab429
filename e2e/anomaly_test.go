package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// anomalyConfig is perfwatch-anomaly's configuration in the end-to-end tests: the
// defaults' queries and models on a time scale of seconds (1 s steps, a 30 s season),
// so that every kind of result shows within a minute of the demo's start.
const anomalyConfig = `
schedule: {step: 1s, fit_window: 10m, fit_every: 15s, infer_every: 1s, query_timeout: 10s}
model: {season: 30s, bucket_width: 10s, min_history: 10s, warmup: 5s}
multivariate: {min_rows: 10}
prediction: {min_rows: 10}
`

// anomalyStart is how startAnomaly runs the sidecar beyond its address, Prometheus and store.
type anomalyStart struct {
	config string   // the configuration's YAML; anomalyConfig unless withConfig
	flags  []string // more flags, after the ones startAnomaly sets
}

// anomalyOption changes an anomalyStart.
type anomalyOption func(*anomalyStart)

// withConfig runs the sidecar with the configuration yaml instead of anomalyConfig.
func withConfig(yaml string) anomalyOption { return func(s *anomalyStart) { s.config = yaml } }

// withFlags adds command-line flags (--shard=1/2, --prometheus.http-config.file=…).
func withFlags(flags ...string) anomalyOption {
	return func(s *anomalyStart) { s.flags = append(s.flags, flags...) }
}

// startAnomaly starts perfwatch-anomaly reading promURL, with its models in storage
// and the configuration anomalyConfig unless an option says otherwise, and waits until
// it answers. The configuration is written to logs/<name>.yml.
func startAnomaly(ctx context.Context, t *testing.T, logs, name, addr, promURL, storage string, opts ...anomalyOption) *process {
	t.Helper()
	s := anomalyStart{config: anomalyConfig}
	for _, o := range opts {
		o(&s)
	}
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(logs, name+".yml")
	if err := os.WriteFile(cfg, []byte(s.config), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--config.file=" + cfg, "--web.listen-address=" + addr, "--prometheus.url=" + promURL,
		"--storage.path=" + storage, "--log.level=debug"}, s.flags...)
	p, err := start(name, logs, filepath.Join(env.bins, "perfwatch-anomaly"), args...)
	if err != nil {
		t.Fatal(err)
	}
	p.ready(ctx, t, "http://"+addr+"/-/healthy")
	return p
}

// startScrapedDemo starts perfwatch-demo with 30 requests a second, stopped when the
// test ends, and has prom scrape its admin listener as job perfwatch-demo.
func startScrapedDemo(ctx context.Context, t *testing.T, logs string, prom *prometheus) {
	t.Helper()
	demoAddr, adminAddr := testaddr.Must(t), testaddr.Must(t)
	demo, err := start("demo", logs, filepath.Join(env.bins, "perfwatch-demo"),
		"--web.app-listen-address="+demoAddr, "--web.listen-address="+adminAddr, "--load.rps=30")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(demo.stop)
	demo.ready(ctx, t, "http://"+adminAddr+"/metrics")
	if _, err := prom.addTargets("perfwatch-demo", adminAddr); err != nil {
		t.Fatal(err)
	}
}

// anomalyResults are the series that show each kind of the sidecar's results in
// Prometheus.
var anomalyResults = []string{
	`perfwatch_anomaly_score{query="latency_p95", job="perfwatch-demo"}`,
	`perfwatch_anomaly_yhat_upper{query="request_rate", job="perfwatch-demo"}`,
	`perfwatch_anomaly_score{query="route_multivariate", job="perfwatch-demo"}`,
	`perfwatch_prediction_latency_seconds{scenario="load_2x", job="perfwatch-demo"}`,
	`perfwatch_prediction_r2{job="perfwatch-demo"}`,
	`perfwatch_prediction_feature_importance`,
	// The demo's per-folder listing runs an N+1 pattern.
	`perfwatch_recommendations{kind="n_plus_one", http_route="/api/users/{id}/vault"}`,
}

// scrape reads url's metrics into families by name.
func scrape(ctx context.Context, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// metricValue is the sum of family name's samples whose labels include want.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, int) {
	var sum float64
	n := 0
	for _, m := range fams[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && labels[k] == v
		}
		if !ok {
			continue
		}
		n++
		switch {
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		}
	}
	return sum, n
}

// waitMetrics polls url until cond holds for its metrics.
func waitMetrics(ctx context.Context, t *testing.T, url, what string, cond func(map[string]*dto.MetricFamily) bool) {
	t.Helper()
	var last error
	for {
		fams, err := scrape(ctx, url)
		if err == nil && cond(fams) {
			return
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %s never held (last error %v)", url, what, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// TestAnomalySidecar runs perfwatch-anomaly against a Prometheus of its own that
// scrapes the demo: every kind of result reaches Prometheus; stopping Prometheus
// leaves the sidecar serving its last results marked stale, and it recovers when
// Prometheus returns; a restart restores the models from the store instead of
// refitting; a corrupt model file is moved aside and refitted.
func TestAnomalySidecar(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	logs := filepath.Join(env.dir, "anomaly")
	promDir := filepath.Join(logs, "prometheus")
	promAddr := testaddr.Must(t)
	prom, err := startPrometheusAt(ctx, env.promBin, promDir, promAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.stop() })

	startScrapedDemo(ctx, t, logs, prom)

	anomalyAddr := testaddr.Must(t)
	storage := filepath.Join(logs, "models")
	metricsURL := "http://" + anomalyAddr + "/metrics"
	sidecar := startAnomaly(ctx, t, logs, "anomaly", anomalyAddr, prom.url, storage)
	t.Cleanup(func() { sidecar.stop() })
	if _, err := prom.addHonorTargets("perfwatch-anomaly", anomalyAddr); err != nil {
		t.Fatal(err)
	}
	for _, expr := range anomalyResults {
		if err := prom.waitForSeries(ctx, expr); err != nil {
			t.Fatalf("%v (sidecar log %s)", err, sidecar.log)
		}
	}
	// The series' own job is kept (honor_labels), the sidecar's self-metrics get its job.
	if err := prom.waitForSeries(ctx, `perfwatch_anomaly_stale{job="perfwatch-anomaly"} == 0`); err != nil {
		t.Fatal(err)
	}

	// Prometheus stops: the sidecar keeps serving its last results, marked stale.
	before, err := scrape(ctx, metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	_, scores := metricValue(before, "perfwatch_anomaly_score", nil)
	prom.stop()
	waitMetrics(ctx, t, metricsURL, "stale == 1", func(f map[string]*dto.MetricFamily) bool {
		v, _ := metricValue(f, "perfwatch_anomaly_stale", nil)
		return v == 1
	})
	// Longer than the five inference intervals after which a series missing from
	// successful reads loses its gauges: an outage must not look like that.
	time.Sleep(8 * time.Second)
	during, err := scrape(ctx, metricsURL)
	if err != nil {
		t.Fatalf("the sidecar stopped answering while Prometheus was down: %v", err)
	}
	if _, n := metricValue(during, "perfwatch_anomaly_score", nil); n < scores || n == 0 {
		t.Errorf("%d scores exposed while Prometheus is down, %d before: the last results must be kept", n, scores)
	}
	if _, n := metricValue(during, "perfwatch_anomaly_query_errors_total", nil); n == 0 {
		t.Error("no query errors counted while Prometheus is down")
	}

	// Prometheus returns on the same address and data: the sidecar recovers by itself.
	prom, err = startPrometheusAt(ctx, env.promBin, promDir, promAddr)
	if err != nil {
		t.Fatal(err)
	}
	waitMetrics(ctx, t, metricsURL, "stale == 0 after Prometheus returned", func(f map[string]*dto.MetricFamily) bool {
		v, n := metricValue(f, "perfwatch_anomaly_stale", nil)
		return n == 1 && v == 0
	})

	// A restart restores the models: results at once, no fit at start.
	sidecar.stop()
	sidecar = startAnomaly(ctx, t, logs, "anomaly-restarted", anomalyAddr, prom.url, storage)
	waitMetrics(ctx, t, metricsURL, "scores after a restart", func(f map[string]*dto.MetricFamily) bool {
		_, n := metricValue(f, "perfwatch_anomaly_score", map[string]string{"query": "latency_p95"})
		return n > 0
	})
	after, err := scrape(ctx, metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := metricValue(after, "perfwatch_anomaly_model_store_loads_total", map[string]string{"result": "success"}); v < 2 {
		t.Errorf("%v models loaded from the store at restart", v)
	}
	if v, _ := metricValue(after, "perfwatch_anomaly_restore_failures_total", nil); v != 0 {
		log, _ := os.ReadFile(sidecar.log)
		t.Errorf("%v restore failures on an intact store; the sidecar's log:\n%s", v, grepLines(string(log), "model store"))
	}

	// Every model file corrupted: each is moved aside, counted and refitted; the
	// sidecar runs on.
	sidecar.stop()
	files, err := filepath.Glob(filepath.Join(storage, "*.model"))
	if err != nil || len(files) < 2 {
		t.Fatalf("model files %v, %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(b) / 3; i < len(b)/3+16 && i < len(b); i++ {
			b[i] ^= 0x5a
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sidecar = startAnomaly(ctx, t, logs, "anomaly-corrupt", anomalyAddr, prom.url, storage)
	waitMetrics(ctx, t, metricsURL, "refitted after corrupt model files", func(f map[string]*dto.MetricFamily) bool {
		failures, _ := metricValue(f, "perfwatch_anomaly_restore_failures_total", nil)
		aside, _ := metricValue(f, "perfwatch_anomaly_model_store_moved_aside_total", nil)
		fits, _ := metricValue(f, "perfwatch_anomaly_fits_total", map[string]string{"result": "success"})
		_, n := metricValue(f, "perfwatch_anomaly_score", map[string]string{"query": "latency_p95"})
		return failures == float64(len(files)) && aside == float64(len(files)) && fits > 0 && n > 0
	})
	aside, err := filepath.Glob(filepath.Join(storage, "*.corrupt-*"))
	if err != nil || len(aside) != len(files) {
		t.Errorf("moved aside: %v, %v; want %d files", aside, err, len(files))
	}
	log, err := os.ReadFile(sidecar.log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "moved aside") {
		t.Errorf("the sidecar's log does not report the corrupt files:\n%s", log)
	}
}

// grepLines returns the lines of text that contain substr.
func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
