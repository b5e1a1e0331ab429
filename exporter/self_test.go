package exporter

import (
	"os"
	"testing"
)

func TestSelfCollectorFixture(t *testing.T) {
	c, err := NewSelfCollector(fixtureProc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := update(t, c)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for key, want := range map[string]float64{
		"process_cpu_seconds_total":     4.0, // (250+150)/100, despite the parentheses in the name
		"process_virtual_memory_bytes":  123456789,
		"process_resident_memory_bytes": 1000 * float64(os.Getpagesize()),
		"process_start_time_seconds":    1700000000 + 30,
		"process_open_fds":              4,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	for _, k := range []string{"go_goroutines", "go_threads", "go_memstats_alloc_bytes", "go_memstats_sys_bytes", "go_memstats_heap_inuse_bytes", "go_memstats_next_gc_bytes", "process_max_fds"} {
		if got[k] <= 0 {
			t.Errorf("%s = %v, want > 0", k, got[k])
		}
	}
}

func TestSelfCollectorMissingProc(t *testing.T) {
	if _, err := NewSelfCollector("testdata/proc-empty"); err == nil {
		t.Fatal("want an error without /proc/stat")
	}
}
