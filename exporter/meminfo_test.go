package exporter

import (
	"strings"
	"testing"
)

func TestMeminfoCollectorFixture(t *testing.T) {
	c := mustNew(t, newMeminfoCollector, fixtureConfig(fixtureProc))
	got, err := update(t, c)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for key, want := range map[string]float64{
		"node_memory_MemTotal_bytes":      16384000 * 1024,
		"node_memory_MemAvailable_bytes":  12288000 * 1024,
		"node_memory_MemFree_bytes":       8192000 * 1024,
		"node_memory_Buffers_bytes":       102400 * 1024,
		"node_memory_Cached_bytes":        2048000 * 1024,
		"node_memory_SwapTotal_bytes":     4096000 * 1024,
		"node_memory_SwapFree_bytes":      4000000 * 1024,
		"node_memory_Active_anon_bytes":   512000 * 1024,
		"node_memory_Inactive_file_bytes": 256000 * 1024,
		"node_memory_HugePages_Total":     0,
		"node_memory_Hugepagesize_bytes":  2048 * 1024,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	if len(got) != 12 {
		t.Errorf("got %d series, want one per line (12)", len(got))
	}
	// A second scrape reuses the cached descriptors and gives the same result.
	again, err := update(t, c)
	if err != nil || len(again) != len(got) {
		t.Fatalf("second scrape: %d series, err %v", len(again), err)
	}
}

func TestMeminfoCollectorBrokenAndMissing(t *testing.T) {
	c := mustNew(t, newMeminfoCollector, fixtureConfig("testdata/proc-broken"))
	got, err := update(t, c)
	if err == nil {
		t.Fatal("want an error for garbage lines and missing fields")
	}
	for _, want := range []string{"bad line", "required fields"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if got["node_memory_MemTotal_bytes"] != 16384000*1024 {
		t.Errorf("well-formed MemTotal must still be exported: %v", got)
	}
	if _, ok := got["node_memory_MemFree_bytes"]; ok {
		t.Errorf("MemFree with an unknown unit exported: %v", got)
	}

	c = mustNew(t, newMeminfoCollector, fixtureConfig("testdata/proc-empty"))
	if _, err := update(t, c); err == nil || !strings.Contains(err.Error(), "meminfo") {
		t.Fatalf("want an error naming meminfo, got %v", err)
	}
}
