package sidecar

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/shard"
	"github.com/perfwatch/perfwatch/anomaly/store"
)

func newStoredEngine(t *testing.T, yaml string, r Reader, clk *clock, dir string) (*Engine, *prometheus.Registry) {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	e, err := New(Options{Config: cfg, Reader: r, Store: st, Registerer: reg, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return e, reg
}

// TestRestore fits, saves, and checks that a new engine on the same store restores
// every model, needs no fit, and scores the next points exactly as the first would.
func TestRestore(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	clk := &clock{t: start.Add(72 * time.Hour)}
	r := testReader(start)
	ctx := context.Background()
	a, regA := newStoredEngine(t, testConfig, r, clk, dir)
	if err := a.Fit(ctx); err != nil {
		t.Fatal(err)
	}
	b, regB := newStoredEngine(t, testConfig, r, clk, dir)
	fitted := b.restore(ctx)
	if !fitted.Equal(clk.now()) {
		t.Fatalf("restore says fitted at %v, want %v (every model restored)", fitted, clk.now())
	}
	if len(b.series) != len(a.series) || len(b.routes) != len(a.routes) {
		t.Fatalf("restored %d series and %d routes, want %d and %d", len(b.series), len(b.routes), len(a.series), len(a.routes))
	}
	clk.add(time.Minute)
	for _, e := range []*Engine{a, b} {
		if err := e.Infer(ctx); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"perfwatch_anomaly_score", "perfwatch_anomaly_yhat", "perfwatch_prediction_latency_seconds"}
	ga, gb := gauges(t, regA, names...), gauges(t, regB, names...)
	if len(ga) == 0 || len(ga) != len(gb) {
		t.Fatalf("%d gauges from the fitted engine, %d from the restored one", len(ga), len(gb))
	}
	for k, v := range ga {
		if gb[k] != v {
			t.Errorf("%s: %v fitted, %v restored", k, v, gb[k])
		}
	}
}

func TestRestoreRefusesBadFiles(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, dir string)
		yaml   string
	}{
		{"corrupt file", func(t *testing.T, dir string) {
			p := filepath.Join(dir, store.FileName(univariateKeyPref+"rate"))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0xff
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, testConfig},
		{"truncated file", func(t *testing.T, dir string) {
			p := filepath.Join(dir, store.FileName(routesKey))
			if err := os.Truncate(p, 40); err != nil {
				t.Fatal(err)
			}
		}, testConfig},
		{"garbage file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, store.FileName(univariateKeyPref+"fresh")), []byte("not a model"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, testConfig},
		{"changed configuration", func(*testing.T, string) {}, strings.Replace(testConfig, "rate_expr}", "rate_expr, model: {threshold: 4}}", 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			clk := &clock{t: start.Add(72 * time.Hour)}
			r := testReader(start)
			a, _ := newStoredEngine(t, testConfig, r, clk, dir)
			if err := a.Fit(ctx); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir)
			b, reg := newStoredEngine(t, tt.yaml, r, clk, dir)
			if fitted := b.restore(ctx); !fitted.IsZero() {
				t.Errorf("restore reports a complete restore at %v; want a refit", fitted)
			}
			if g := gauges(t, reg, "perfwatch_anomaly_restore_failures_total"); g["perfwatch_anomaly_restore_failures_total{}"] != 1 {
				t.Errorf("restore failures: %v", g)
			}
			// The refit works and replaces the bad file: the next start restores all.
			if err := b.Fit(ctx); err != nil {
				t.Fatal(err)
			}
			c, _ := newStoredEngine(t, tt.yaml, r, clk, dir)
			if fitted := c.restore(ctx); fitted.IsZero() {
				t.Error("after the refit, a restart still cannot restore every model")
			}
		})
	}
}

// FuzzDecode feeds damaged payloads to both decoders: they must fail cleanly or
// decode, never panic.
func FuzzDecode(f *testing.F) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(72 * time.Hour)}
	e, _ := newTestEngine(f, testConfig, testReader(start), shard.Shard{}, clk)
	if err := e.Fit(context.Background()); err != nil {
		f.Fatal(err)
	}
	q, err := e.encodeQuery(0)
	if err != nil {
		f.Fatal(err)
	}
	rt, err := e.encodeRoutes()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(q)
	f.Add(rt)
	f.Add(q[:len(q)/2])
	f.Add(rt[:len(rt)-3])
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = e.decodeQuery(0, b)
		_, _ = e.decodeRoutes(b)
	})
}
