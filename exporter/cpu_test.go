package exporter

import (
	"math"
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

// TestCPUCollectorBackwardsCounters follows node_exporter's updateCPUStats:
// small backward jitter is held, an idle counter falling back by 3 s or more
// is a hotplug that restarts the CPU's counters, and a CPU missing from
// /proc/stat (offline) comes back with the kernel's restarted values instead
// of being held at its old maximum (which made it read as 100 % busy).
func TestCPUCollectorBackwardsCounters(t *testing.T) {
	// Columns: user nice system idle iowait irq softirq steal guest guest_nice.
	type step struct {
		stat string
		want map[string]float64 // "cpu/mode" → seconds; absent cpus listed with -1
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"iowait jitter is held", []step{
			{"cpu0 100 0 50 10000 500 0 0 0 0 0\n", map[string]float64{"0/iowait": 5, "0/idle": 100, "0/user": 1}},
			{"cpu0 110 0 50 10100 498 0 0 0 0 0\n", map[string]float64{"0/iowait": 5, "0/idle": 101, "0/user": 1.1}},
			{"cpu0 120 0 50 10200 497 0 0 0 0 0\n", map[string]float64{"0/iowait": 5, "0/idle": 102, "0/user": 1.2}},
			{"cpu0 130 0 50 10300 510 0 0 0 0 0\n", map[string]float64{"0/iowait": 5.1, "0/idle": 103, "0/user": 1.3}},
		}},
		{"idle back by less than 3 s is held, not a hotplug", []step{
			{"cpu0 100 0 50 10000 500 0 0 0 0 0\n", map[string]float64{"0/idle": 100, "0/user": 1}},
			{"cpu0 90 0 50 9701 500 0 0 0 0 0\n", map[string]float64{"0/idle": 100, "0/user": 1}},
			{"cpu0 120 0 50 10050 500 0 0 0 0 0\n", map[string]float64{"0/idle": 100.5, "0/user": 1.2}},
		}},
		{"hotplug between two scrapes resets that cpu only", []step{
			{"cpu0 100 0 50 10000 500 0 0 0 0 0\ncpu1 5000 10 700 90000 800 3 4 5 6 7\n",
				map[string]float64{"0/idle": 100, "1/idle": 900, "1/user": 50, "1/iowait": 8, "1/guest_user": 0.06}},
			// cpu1 went offline and came back: every counter restarted near 0.
			{"cpu0 110 0 50 10100 500 0 0 0 0 0\ncpu1 20 0 5 100 2 0 0 0 0 0\n",
				map[string]float64{"0/idle": 101, "1/idle": 1, "1/user": 0.2, "1/system": 0.05, "1/iowait": 0.02, "1/steal": 0, "1/guest_user": 0}},
			// From there it counts normally: idle moves, so it is not 100 % busy.
			{"cpu0 120 0 50 10200 500 0 0 0 0 0\ncpu1 30 0 5 190 2 0 0 0 0 0\n",
				map[string]float64{"0/idle": 102, "1/idle": 1.9, "1/user": 0.3}},
		}},
		{"offline cpu is dropped and restarts when back", []step{
			{"cpu0 1 0 1 500 0 0 0 0 0 0\ncpu1 1 0 1 700 0 0 0 0 0 0\n", map[string]float64{"0/idle": 5, "1/idle": 7}},
			// cpu1 unplugged: it disappears; cpu0's idle goes back 1 s (jitter, held).
			{"cpu0 1 0 1 400 0 0 0 0 0 0\n", map[string]float64{"0/idle": 5, "1/idle": -1}},
			// cpu1 plugged back with counters restarted from zero (less than 3 s of idle).
			{"cpu0 1 0 1 600 0 0 0 0 0 0\ncpu1 0 0 0 10 0 0 0 0 0 0\n", map[string]float64{"0/idle": 6, "1/idle": 0.1}},
			{"cpu0 1 0 1 600 0 0 0 0 0 0\ncpu1 0 0 0 110 0 0 0 0 0 0\n", map[string]float64{"0/idle": 6, "1/idle": 1.1}},
		}},
		{"garbled line keeps the cpu's state", []step{
			{"cpu0 100 0 50 10000 500 0 0 0 0 0\n", map[string]float64{"0/iowait": 5}},
			{"cpu0 100 0 50 x\n", map[string]float64{"0/iowait": -1}},
			{"cpu0 100 0 50 10100 498 0 0 0 0 0\n", map[string]float64{"0/iowait": 5, "0/idle": 101}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := mustNew(t, newCPUCollector, fixtureConfig(dir))
			for i, s := range tc.steps {
				if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(s.stat), 0o644); err != nil {
					t.Fatal(err)
				}
				got, err := update(t, c)
				if err != nil && !strings.Contains(s.stat, " x") {
					t.Fatalf("step %d: %v", i, err)
				}
				for k, want := range s.want {
					cpu, mode, _ := strings.Cut(k, "/")
					name := "node_cpu_seconds_total"
					if m, ok := strings.CutPrefix(mode, "guest_"); ok {
						name, mode = "node_cpu_guest_seconds_total", m
					}
					key := name + `{cpu="` + cpu + `",mode="` + mode + `"}`
					v, ok := got[key]
					switch {
					case want < 0 && ok:
						t.Errorf("step %d: %s = %v, want absent", i, key, v)
					case want >= 0 && (!ok || math.Abs(v-want) > 1e-9):
						t.Errorf("step %d: %s = %v (present %v), want %v", i, key, v, ok, want)
					}
				}
			}
		})
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
