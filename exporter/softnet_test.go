package exporter

import "testing"

func TestSoftnetCollector(t *testing.T) {
	runCollectorCases(t, newSoftnetCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			`node_softnet_processed_total{cpu="0"}`:      4044204,
			`node_softnet_dropped_total{cpu="0"}`:        2,
			`node_softnet_times_squeezed_total{cpu="0"}`: 1,
			`node_softnet_processed_total{cpu="1"}`:      3920262,
			`node_softnet_dropped_total{cpu="1"}`:        0,
			`node_softnet_times_squeezed_total{cpu="1"}`: 10,
			// Columns 9 to 12 (hexadecimal): cpu_collision, received_rps, flow_limit_count, backlog_len.
			`node_softnet_cpu_collision_total{cpu="0"}`:    3,
			`node_softnet_received_rps_total{cpu="0"}`:     4,
			`node_softnet_flow_limit_count_total{cpu="0"}`: 5,
			`node_softnet_backlog_len{cpu="0"}`:            6,
			`node_softnet_cpu_collision_total{cpu="1"}`:    0,
			`node_softnet_received_rps_total{cpu="1"}`:     0,
			`node_softnet_flow_limit_count_total{cpu="1"}`: 0,
			`node_softnet_backlog_len{cpu="1"}`:            0,
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "softnet"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}, wantErr: "softnet"},
	})
}
