package exporter

import "testing"

func TestKernelHungCollector(t *testing.T) {
	runCollectorCases(t, newKernelHungCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{"node_kernel_hung_tasks_total": 3}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "hung_task_detect_count"},
		// Older kernels have no counter: nothing, no error.
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
		// One decimal number and a newline.
		{name: "empty", proc: procTree(t, map[string]string{"sys/kernel/hung_task_detect_count": ""}), want: map[string]float64{}, wantErr: "hung_task_detect_count"},
		{name: "non-numeric", proc: procTree(t, map[string]string{"sys/kernel/hung_task_detect_count": "3x\n"}), want: map[string]float64{}, wantErr: "hung_task_detect_count"},
		{name: "overflow", proc: procTree(t, map[string]string{"sys/kernel/hung_task_detect_count": "18446744073709551616\n"}), want: map[string]float64{}, wantErr: "hung_task_detect_count"},
		{name: "huge", proc: procTree(t, map[string]string{"sys/kernel/hung_task_detect_count": "18446744073709551615\n"}), want: map[string]float64{"node_kernel_hung_tasks_total": 18446744073709551615}},
	})
}
