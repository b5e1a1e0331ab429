package exporter

import "testing"

func TestStatCollector(t *testing.T) {
	runCollectorCases(t, newStatCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_intr_total":             12345,
			"node_context_switches_total": 100000,
			"node_forks_total":            4000,
			"node_boot_time_seconds":      1700000000,
			"node_procs_running":          2,
			"node_procs_blocked":          0,
		}},
		// A malformed cpu line fails the whole file, as in node_exporter.
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "stat"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}, wantErr: "stat"},
	})
}
