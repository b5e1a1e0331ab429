package exporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCPUCollectorFixture(t *testing.T) {
	c := mustNew(t, newCPUCollector, fixtureConfig(fixtureProc))
	got, err := update(t, c)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for key, want := range map[string]float64{
		`node_cpu_seconds_total{cpu="0",mode="user"}`:       1.00,
		`node_cpu_seconds_total{cpu="0",mode="idle"}`:       10.00,
		`node_cpu_seconds_total{cpu="1",mode="system"}`:     0.60,
		`node_cpu_seconds_total{cpu="1",mode="steal"}`:      0.01,
		`node_cpu_seconds_total{cpu="1",mode="softirq"}`:    0.06,
		`node_cpu_guest_seconds_total{cpu="1",mode="user"}`: 0.03,
		`node_cpu_guest_seconds_total{cpu="1",mode="nice"}`: 0.04,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	// 2 CPUs × (8 modes + 2 guest modes); the aggregate "cpu" line is not a CPU.
	if len(got) != 20 {
		t.Errorf("got %d series, want 20: %v", len(got), got)
	}
}

func TestCPUCollectorCountersNeverGoBackwards(t *testing.T) {
	dir := t.TempDir()
	write := func(stat string) {
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := mustNew(t, newCPUCollector, fixtureConfig(dir))
	steps := []struct {
		stat     string
		wantIdle map[string]float64 // by cpu
	}{
		{"cpu0 1 0 1 500 0 0 0 0 0 0\ncpu1 1 0 1 700 0 0 0 0 0 0\n", map[string]float64{"0": 5, "1": 7}},
		// CPU 1 unplugged: it disappears; CPU 0's idle goes backwards (iowait-style glitch).
		{"cpu0 1 0 1 400 0 0 0 0 0 0\n", map[string]float64{"0": 5}},
		// CPU 1 plugged back with counters restarted from zero.
		{"cpu0 1 0 1 600 0 0 0 0 0 0\ncpu1 0 0 0 10 0 0 0 0 0 0\n", map[string]float64{"0": 6, "1": 7}},
		{"cpu0 1 0 1 600 0 0 0 0 0 0\ncpu1 0 0 0 800 0 0 0 0 0 0\n", map[string]float64{"0": 6, "1": 8}},
	}
	for i, s := range steps {
		write(s.stat)
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		for cpu, want := range s.wantIdle {
			key := `node_cpu_seconds_total{cpu="` + cpu + `",mode="idle"}`
			if got[key] != want {
				t.Errorf("step %d: %s = %v, want %v", i, key, got[key], want)
			}
		}
		if _, ok := got[`node_cpu_seconds_total{cpu="1",mode="idle"}`]; ok != (len(s.wantIdle) == 2) {
			t.Errorf("step %d: cpu 1 present = %v", i, ok)
		}
	}
}

func TestCPUCollectorBrokenAndMissing(t *testing.T) {
	c := mustNew(t, newCPUCollector, fixtureConfig("testdata/proc-broken"))
	got, err := update(t, c)
	if err == nil || !strings.Contains(err.Error(), "bad cpu line") {
		t.Fatalf("want a bad cpu line error, got %v", err)
	}
	if got[`node_cpu_seconds_total{cpu="0",mode="idle"}`] != 10 {
		t.Errorf("the well-formed cpu0 line must still be exported, got %v", got)
	}
	if _, ok := got[`node_cpu_seconds_total{cpu="1",mode="idle"}`]; ok {
		t.Errorf("malformed cpu1 line exported: %v", got)
	}

	c = mustNew(t, newCPUCollector, fixtureConfig("testdata/proc-empty"))
	if _, err := update(t, c); err == nil || !strings.Contains(err.Error(), "testdata/proc-empty/stat") {
		t.Fatalf("want an error naming the missing file, got %v", err)
	}
}
