package cachemon_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
)

func TestCacheMonitor(t *testing.T) {
	reg := prometheus.NewRegistry()
	cm, err := cachemon.NewCacheMonitor(reg, cachemon.WithServerTiming(true), cachemon.WithMaxCaches(2))
	if err != nil {
		t.Fatal(err)
	}
	m, err := instrument.New(reg, instrument.WithHook(cm))
	if err != nil {
		t.Fatal(err)
	}
	items := cm.Cache("items")
	var mu sync.Mutex
	store := map[string]string{"a": "1"}
	lookup := func(ctx context.Context, k string) (bool, error) {
		return items.Get(ctx, func() (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if k == "broken" {
				return false, errors.New("cache down")
			}
			_, ok := store[k]
			return ok, nil
		})
	}
	var hits, misses int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var wg sync.WaitGroup
		for _, k := range []string{"a", "a", "b", "broken"} {
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = lookup(ctx, k) }() // from several goroutines
		}
		wg.Wait()
		_ = items.Set(ctx, func() error { mu.Lock(); store["b"] = "2"; mu.Unlock(); return nil })
		_ = items.Delete(ctx, func() error { return nil })
		hits, misses = cm.RequestStats(ctx)
		_, _ = w.Write([]byte("ok")) // the header goes out with the first write
	})
	rec := serve(m.Handler(mux), "GET", "/items/1")
	if hits != 2 || misses != 1 {
		t.Errorf("request stats: %d hits, %d misses; want 2 and 1", hits, misses)
	}
	if st := rec.Header().Get("Server-Timing"); st != `cache;desc="2 hits, 1 miss"` {
		t.Errorf("Server-Timing %q", st)
	}
	if _, err := lookup(context.Background(), "a"); err != nil { // outside a request: metrics only
		t.Fatal(err)
	}
	if h, _ := cm.RequestStats(context.Background()); h != 0 {
		t.Errorf("stats outside a request: %d", h)
	}

	got := values(t, reg, "perfwatch_cache_requests_total", func(m *dto.Metric) float64 { return m.GetCounter().GetValue() })
	want := map[string]float64{"cache=items,result=hit": 3, "cache=items,result=miss": 1, "cache=items,result=error": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("perfwatch_cache_requests_total = %v, want %v", got, want)
	}
	counts := values(t, reg, "perfwatch_cache_operation_duration_seconds", func(m *dto.Metric) float64 { return float64(m.GetHistogram().GetSampleCount()) })
	if counts["cache=items,operation=get"] != 5 || counts["cache=items,operation=set"] != 1 || counts["cache=items,operation=delete"] != 1 {
		t.Errorf("operation counts %v", counts)
	}

	// The bound on names: two, then "other".
	cm.Cache("sessions").Miss(context.Background())
	if c := cm.Cache("third"); c.Name() != "other" {
		t.Errorf("third cache name %q, want other", c.Name())
	}
	if cm.Cache("items") != items {
		t.Error("one name, two recorders")
	}
}

func TestCacheOptionErrors(t *testing.T) {
	for name, opt := range map[string]cachemon.Option{
		"no caches":          cachemon.WithMaxCaches(0),
		"negative":           cachemon.WithMaxCaches(-1),
		"decreasing buckets": cachemon.WithDurationBuckets([]float64{2, 1}),
		"no buckets":         cachemon.WithDurationBuckets(nil),
	} {
		if _, err := cachemon.NewCacheMonitor(prometheus.NewRegistry(), opt); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := cachemon.NewCacheMonitor(nil); err == nil {
		t.Error("nil registerer accepted")
	}
}

// TestDuplicateRegistrationNamesTheMetric: a second monitor on one registry fails
// with an error that names the metric that clashed (client_golang's own says only
// "duplicate metrics collector registration attempted").
func TestDuplicateRegistrationNamesTheMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := cachemon.NewCacheMonitor(reg); err != nil {
		t.Fatal(err)
	}
	_, err := cachemon.NewCacheMonitor(reg)
	if err == nil || !strings.Contains(err.Error(), "perfwatch_cache_requests_total") {
		t.Fatalf("error %v, want one naming perfwatch_cache_requests_total", err)
	}
}

// serve runs one request through h with an httptest recorder.
func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// values returns what value reads of each metric of a family, keyed by the metric's
// labels (name=value,…).
func values(t *testing.T, reg prometheus.Gatherer, name string, value func(*dto.Metric) float64) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var kv []string
			for _, l := range m.GetLabel() {
				kv = append(kv, l.GetName()+"="+l.GetValue())
			}
			out[strings.Join(kv, ",")] = value(m)
		}
	}
	return out
}
