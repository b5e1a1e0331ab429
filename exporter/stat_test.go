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
		// Documentation/filesystems/proc.rst, 1.8: "key value..." lines. An
		// empty file or a line without its value exports the zeros procfs does.
		{name: "empty", proc: procTree(t, map[string]string{"stat": ""}), want: map[string]float64{"node_intr_total": 0, "node_context_switches_total": 0, "node_forks_total": 0, "node_boot_time_seconds": 0, "node_procs_running": 0, "node_procs_blocked": 0}},
		{name: "truncated", proc: procTree(t, map[string]string{"stat": "ctxt\nbtime 5\n"}), want: map[string]float64{"node_intr_total": 0, "node_context_switches_total": 0, "node_forks_total": 0, "node_boot_time_seconds": 5, "node_procs_running": 0, "node_procs_blocked": 0}},
		{name: "non-numeric", proc: procTree(t, map[string]string{"stat": "ctxt 1x\n"}), want: map[string]float64{}, wantErr: "stat"},
		{name: "bad numbered irq", proc: procTree(t, map[string]string{"stat": "intr 5 1 x\n"}), want: map[string]float64{}, wantErr: "stat"},
		{name: "short softirq", proc: procTree(t, map[string]string{"stat": "softirq 5 0 1 2\n"}), want: map[string]float64{}, wantErr: "stat"},
		{name: "huge", proc: procTree(t, map[string]string{"stat": "ctxt 18446744073709551615\nprocesses 18446744073709551616\n"}), want: map[string]float64{}, wantErr: "stat"},
	})
}
