package exporter

import "testing"

func TestPressureCollector(t *testing.T) {
	runCollectorCases(t, newPressureCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_pressure_cpu_waiting_seconds_total":    2025.750503,
			"node_pressure_io_waiting_seconds_total":     34.166675,
			"node_pressure_io_stalled_seconds_total":     19.025347,
			"node_pressure_memory_waiting_seconds_total": 1.5,
			"node_pressure_memory_stalled_seconds_total": 0.5,
			"node_pressure_irq_stalled_seconds_total":    2.5,
		}},
		// io is malformed, memory missing: cpu is kept, the collector fails for io only.
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{
			"node_pressure_cpu_waiting_seconds_total": 2025.750503,
		}, wantErr: "pressure stats for io"},
		// No /proc/pressure (kernel < 4.20 or CONFIG_PSI off): nothing, no error.
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
	})
}
