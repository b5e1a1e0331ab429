package exporter

import "testing"

func TestKernelHungCollector(t *testing.T) {
	runCollectorCases(t, newKernelHungCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{"node_kernel_hung_tasks_total": 3}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "hung_task_detect_count"},
		// Older kernels have no counter: nothing, no error.
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
	})
}
