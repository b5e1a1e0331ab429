package sidecar

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/promread"
	"github.com/perfwatch/perfwatch/anomaly/shard"
)

// fakeSeries is a generated series: f(t) on the grid, from its start on.
type fakeSeries struct {
	labels model.LabelSet
	from   time.Time
	f      func(t time.Time) float64
}

// fakeReader answers each expression with generated series, or fails while down.
type fakeReader struct {
	mu    sync.Mutex
	data  map[string][]fakeSeries
	down  bool
	reads int
}

func (r *fakeReader) Read(_ context.Context, q string, start, end time.Time, step time.Duration) ([]promread.Series, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	if r.down {
		return nil, errors.New("connection refused")
	}
	var out []promread.Series
	for _, fs := range r.data[q] {
		s := promread.Series{Labels: fs.labels}
		for t := start; !t.After(end); t = t.Add(step) {
			if t.Before(fs.from) {
				continue
			}
			if v := fs.f(t); !math.IsNaN(v) {
				s.Samples = append(s.Samples, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: model.SampleValue(v)})
			}
		}
		if len(s.Samples) > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

func (r *fakeReader) set(q string, s ...fakeSeries) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.data[q] = s
}

func (r *fakeReader) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// daily is a daily cycle around level with noise of relative size noise.
func daily(level, noise float64, seed uint64) func(time.Time) float64 {
	return func(t time.Time) float64 {
		// The noise is a function of the time, so a point reads the same in every read.
		rng := rand.New(rand.NewPCG(seed, uint64(t.Unix())))
		h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60
		return level * (1 + 0.3*math.Sin(2*math.Pi*h/24) + noise*rng.NormFloat64())
	}
}

const testConfig = `
schedule: {step: 1m, fit_window: 3d, fit_every: 1h, infer_every: 1m}
model: {season: 1d, bucket_width: 1h, min_history: 1d, warmup: 1h, min_dev_from_expected: 0}
queries:
  - {name: rate, expr: rate_expr}
  - {name: fresh, expr: fresh_expr}
multivariate:
  features:
    - {name: rps, expr: rps_expr}
    - {name: lat, expr: lat_expr}
prediction:
  target: {expr: lat_expr}
  features:
    - {name: request_rate, expr: rps_expr}
    - {name: concurrency, expr: conc_expr}
    - {name: hour_of_day}
recommendations: {enabled: false}
`

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestEngine(t testing.TB, yaml string, r Reader, sh shard.Shard, clk *clock) (*Engine, *prometheus.Registry) {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	e, err := New(Options{Config: cfg, Reader: r, Shard: sh, Registerer: reg, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return e, reg
}

// gauges returns name{labels} → value for the families named.
func gauges(t *testing.T, reg *prometheus.Registry, names ...string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		want := false
		for _, n := range names {
			want = want || mf.GetName() == n
		}
		if !want {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[mf.GetName()+labelString(m)] = value(m)
		}
	}
	return out
}

func labelString(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	}
	return math.NaN()
}

func testReader(start time.Time) *fakeReader {
	r := &fakeReader{data: map[string][]fakeSeries{}}
	r.set("rate_expr",
		fakeSeries{labels: model.LabelSet{"__name__": "x", "job": "shop", "http_route": "/a"}, f: daily(100, 0.02, 1)},
		fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/b"}, f: daily(10, 0.02, 2)})
	// A series that starts late: cold start until it has a day of history.
	r.set("fresh_expr", fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/new"}, from: start.Add(60 * time.Hour), f: daily(5, 0.02, 3)})
	rps := daily(50, 0.05, 4)
	r.set("rps_expr", fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/a"}, f: rps})
	// Latency grows with load: the forest must learn it.
	r.set("lat_expr", fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/a"}, f: func(t time.Time) float64 { return 0.01 + 0.002*rps(t) }})
	r.set("conc_expr", fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/a"}, f: func(t time.Time) float64 { v := rps(t); return v * (0.01 + 0.002*v) }})
	return r
}

func TestEngineFitInferStale(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(72 * time.Hour)}
	r := testReader(start)
	e, reg := newTestEngine(t, testConfig, r, shard.Shard{}, clk)
	ctx := context.Background()
	if err := e.Fit(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if err := e.Infer(ctx); err != nil {
		t.Fatal(err)
	}
	g := gauges(t, reg, "perfwatch_anomaly_score", "perfwatch_anomaly_yhat", "perfwatch_anomaly_series", "perfwatch_anomaly_stale",
		"perfwatch_prediction_latency_seconds", "perfwatch_prediction_feature_importance", "perfwatch_prediction_r2", "perfwatch_anomaly_last_success_timestamp_seconds")
	scoreA := "perfwatch_anomaly_score{http_route=/a,job=shop,query=rate}"
	if v, ok := g[scoreA]; !ok || v >= 1 {
		t.Errorf("%s = %v, %v; want a normal score below 1 (gauges: %v)", scoreA, v, ok, g)
	}
	if _, ok := g["perfwatch_anomaly_score{http_route=/new,job=shop,query=fresh}"]; ok {
		t.Error("a series in cold start has a score")
	}
	if g["perfwatch_anomaly_series{model=baseline,state=cold_start}"] != 1 || g["perfwatch_anomaly_series{model=baseline,state=ready}"] != 2 {
		t.Errorf("series counts: %v", g)
	}
	if _, ok := g["perfwatch_anomaly_score{http_route=/a,job=shop,query=route_multivariate}"]; !ok {
		t.Errorf("no multivariate score for /a: %v", g)
	}
	cur := g["perfwatch_prediction_latency_seconds{http_route=/a,job=shop,scenario=current}"]
	x2 := g["perfwatch_prediction_latency_seconds{http_route=/a,job=shop,scenario=load_2x}"]
	if !(cur > 0.05 && cur < 0.2) || !(x2 > cur) {
		t.Errorf("predictions current %v, 2x %v: want about 0.01+0.002*rps and more at twice the load", cur, x2)
	}
	if r2 := g["perfwatch_prediction_r2{http_route=/a,job=shop}"]; r2 < 0.9 {
		t.Errorf("out-of-bag R² %v on a noiseless function of the features", r2)
	}
	sum := 0.0
	for k, v := range g {
		if strings.HasPrefix(k, "perfwatch_prediction_feature_importance") {
			sum += v
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("importances sum to %v", sum)
	}

	// A spike on /a scores above 1.
	r.set("rate_expr", fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/a"}, f: func(t time.Time) float64 {
		if !t.Before(start.Add(72*time.Hour + 2*time.Minute)) {
			return 1000
		}
		return daily(100, 0.02, 1)(t)
	}})
	clk.add(time.Minute)
	if err := e.Infer(ctx); err != nil {
		t.Fatal(err)
	}
	g = gauges(t, reg, "perfwatch_anomaly_score")
	if v := g[scoreA]; v <= 1 {
		t.Errorf("spike scored %v, want above 1", v)
	}
	// Prometheus down: the results stay, marked stale; nothing is lost when it returns.
	// Down for twice the intervals after which a missing series loses its gauges.
	r.setDown(true)
	for range 2 * staleAfter {
		clk.add(time.Minute)
		if err := e.Infer(ctx); err == nil {
			t.Fatal("Infer with Prometheus down returned no error")
		}
	}
	g2 := gauges(t, reg, "perfwatch_anomaly_score", "perfwatch_anomaly_stale")
	if g2["perfwatch_anomaly_stale{}"] != 1 || g2[scoreA] != g[scoreA] {
		t.Errorf("while down: stale %v, score %v (was %v)", g2["perfwatch_anomaly_stale{}"], g2[scoreA], g[scoreA])
	}
	if err := e.Fit(ctx); err == nil {
		t.Fatal("Fit with Prometheus down returned no error")
	}
	r.setDown(false)
	clk.add(time.Minute)
	if err := e.Infer(ctx); err != nil {
		t.Fatal(err)
	}
	g3 := gauges(t, reg, "perfwatch_anomaly_stale", "perfwatch_anomaly_query_errors_total")
	if g3["perfwatch_anomaly_stale{}"] != 0 || g3["perfwatch_anomaly_query_errors_total{query=rate}"] < 2 {
		t.Errorf("after recovery: %v", g3)
	}
}

// A series missing from the reads keeps its gauges for staleAfter intervals, then
// loses them.
func TestEngineDropsVanishedSeries(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(72 * time.Hour)}
	r := testReader(start)
	e, reg := newTestEngine(t, testConfig, r, shard.Shard{}, clk)
	ctx := context.Background()
	if err := e.Fit(ctx); err != nil {
		t.Fatal(err)
	}
	r.set("rate_expr", fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": "/a"}, f: daily(100, 0.02, 1)})
	key := "perfwatch_anomaly_score{http_route=/b,job=shop,query=rate}"
	for i := range staleAfter + 1 {
		clk.add(time.Minute)
		if err := e.Infer(ctx); err != nil {
			t.Fatal(err)
		}
		_, ok := gauges(t, reg, "perfwatch_anomaly_score")[key]
		if want := i < staleAfter-1; ok != want {
			t.Errorf("after %d missing reads: gauge present %v, want %v", i+1, ok, want)
		}
	}
}

func TestEngineShards(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	r := &fakeReader{data: map[string][]fakeSeries{}}
	var all []fakeSeries
	for i := range 40 {
		all = append(all, fakeSeries{labels: model.LabelSet{"job": "shop", "http_route": model.LabelValue("/r" + string(rune('a'+i%26)) + string(rune('a'+i/26)))}, f: daily(10, 0.02, uint64(i))})
	}
	r.set("rate_expr", all...)
	cfg := "schedule: {step: 1m, fit_window: 1d}\nmodel: {season: 1d, min_history: 1h, warmup: 1m}\nqueries: [{name: rate, expr: rate_expr}]\nmultivariate: {enabled: false}\nprediction: {enabled: false}\nrecommendations: {enabled: false}\n"
	owners := map[model.Fingerprint]int{}
	for i := 1; i <= 2; i++ {
		clk := &clock{t: start.Add(24 * time.Hour)}
		e, _ := newTestEngine(t, cfg, r, shard.Shard{Index: i, Count: 2}, clk)
		if err := e.Fit(context.Background()); err != nil {
			t.Fatal(err)
		}
		n := 0
		for k := range e.series {
			owners[k.fp]++
			n++
		}
		if n == 0 || n == len(all) {
			t.Errorf("shard %d/2 models %d of %d series", i, n, len(all))
		}
	}
	if len(owners) != len(all) {
		t.Errorf("the two shards model %d distinct series, want all %d", len(owners), len(all))
	}
	for fp, n := range owners {
		if n != 1 {
			t.Errorf("series %v modelled by %d shards", fp, n)
		}
	}
}

func TestEngineLimits(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	r := &fakeReader{data: map[string][]fakeSeries{}}
	var all []fakeSeries
	for i := range 30 {
		all = append(all, fakeSeries{labels: model.LabelSet{"i": model.LabelValue(string(rune('a' + i)))}, f: daily(10, 0.02, uint64(i))})
	}
	r.set("x", all...)
	cfg := "schedule: {step: 1m, fit_window: 1d}\nlimits: {max_series: 25, max_series_per_query: 20}\nqueries: [{name: a, expr: x}, {name: b, expr: x}]\nmultivariate: {enabled: false}\nprediction: {enabled: false}\nrecommendations: {enabled: false}\n"
	clk := &clock{t: start.Add(24 * time.Hour)}
	e, reg := newTestEngine(t, cfg, r, shard.Shard{}, clk)
	if err := e.Fit(context.Background()); err != nil {
		t.Fatal(err)
	}
	// a: 20 of 30 (10 over its share); b: 5 more, then the total limit refuses 25.
	if len(e.series) != 25 {
		t.Errorf("%d series modelled, want the limit 25", len(e.series))
	}
	g := gauges(t, reg, "perfwatch_anomaly_series_skipped_total")
	if g["perfwatch_anomaly_series_skipped_total{reason=max_series_per_query}"] != 10 || g["perfwatch_anomaly_series_skipped_total{reason=max_series}"] != 25 {
		t.Errorf("skipped: %v", g)
	}
}

func TestFitInterval(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	for _, tt := range []struct {
		yaml  string
		short bool
		want  time.Duration
	}{
		{"schedule: {step: 15s, fit_every: 10m}\n", false, 10 * time.Minute},
		// min_rows 60 (prediction) and 30 (multivariate) at 15 s: the smaller, 7.5 minutes.
		{"schedule: {step: 15s, fit_every: 10m}\n", true, 450 * time.Second},
		{"schedule: {step: 1m, fit_every: 10m}\n", true, 10 * time.Minute},
		{"schedule: {step: 15s, fit_every: 10m}\nmultivariate: {enabled: false}\nprediction: {min_rows: 20}\n", true, 5 * time.Minute},
	} {
		e, _ := newTestEngine(t, tt.yaml, &fakeReader{}, shard.Shard{}, clk)
		e.routesShort = tt.short
		if got := e.fitInterval(); got != tt.want {
			t.Errorf("%q, short %v: fit interval %v, want %v", tt.yaml, tt.short, got, tt.want)
		}
	}
}

// flakyReader fails its first reads as an unreachable server would, then serves r.
type flakyReader struct {
	*fakeReader
	mu   sync.Mutex
	fail int
}

func (f *flakyReader) Read(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]promread.Series, error) {
	f.mu.Lock()
	down := f.fail > 0
	f.fail--
	f.mu.Unlock()
	if down {
		return nil, errors.New("dial tcp 127.0.0.1:9090: connect: connection refused")
	}
	return f.fakeReader.Read(ctx, q, start, end, step)
}

// TestRunRetriesFitWhileUnreachable starts the engine before its server answers, as
// make demo may: the first fit fails, and the next one comes ten steps later, not a
// whole fit_every later.
func TestRunRetriesFitWhileUnreachable(t *testing.T) {
	now := time.Now()
	r := &flakyReader{fakeReader: testReader(now.Add(-time.Hour)), fail: 1}
	yaml := "schedule: {step: 1s, fit_window: 10m, fit_every: 1h, infer_every: 1s}\nmultivariate: {min_rows: 10, features: [{name: rps, expr: rps_expr}, {name: lat, expr: lat_expr}]}\nprediction: {enabled: false}\nrecommendations: {enabled: false}\nqueries: [{name: rate, expr: rate_expr}]\n"
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	e, err := New(Options{Config: cfg, Reader: r, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if g := gauges(t, reg, "perfwatch_anomaly_fits_total"); g["perfwatch_anomaly_fits_total{model=iforest,result=success}"] > 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no Isolation Forest fitted within 30 s of the server coming up")
}

// A fit that finds no route yet (a new stack whose application has served nothing)
// asks for the early refit, as one with too few rows does.
func TestNoRouteYetRefitsEarly(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	e, _ := newTestEngine(t, "schedule: {step: 15s, fit_every: 10m}\nrecommendations: {enabled: false}\n", &fakeReader{}, shard.Shard{}, clk)
	if err := e.Fit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.fitInterval(); got != 450*time.Second {
		t.Errorf("fit interval %v after a fit without routes, want 7m30s", got)
	}
}
