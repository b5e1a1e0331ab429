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
		// net/core/net-procfs.c: hexadecimal columns, 9 at least; received_rps
		// from 10, flow_limit_count from 11, backlog_len and the CPU from 13.
		{name: "empty", proc: procTree(t, map[string]string{"net/softnet_stat": ""}), want: map[string]float64{}},
		{name: "old kernel", proc: procTree(t, map[string]string{"net/softnet_stat": "0000000a 00000001 00000002 0 0 0 0 0 00000003\n0000000b 0 0 0 0 0 0 0 0 00000004\n"}), want: map[string]float64{
			`node_softnet_processed_total{cpu="0"}`: 10, `node_softnet_dropped_total{cpu="0"}`: 1, `node_softnet_times_squeezed_total{cpu="0"}`: 2,
			`node_softnet_cpu_collision_total{cpu="0"}`: 3, `node_softnet_received_rps_total{cpu="0"}`: 0, `node_softnet_flow_limit_count_total{cpu="0"}`: 0, `node_softnet_backlog_len{cpu="0"}`: 0,
			`node_softnet_processed_total{cpu="1"}`: 11, `node_softnet_dropped_total{cpu="1"}`: 0, `node_softnet_times_squeezed_total{cpu="1"}`: 0,
			`node_softnet_cpu_collision_total{cpu="1"}`: 0, `node_softnet_received_rps_total{cpu="1"}`: 4, `node_softnet_flow_limit_count_total{cpu="1"}`: 0, `node_softnet_backlog_len{cpu="1"}`: 0,
		}},
		// With the CPU column, offline CPUs leave gaps in the numbering.
		{name: "cpu column", proc: procTree(t, map[string]string{"net/softnet_stat": "ffffffff 0 0 0 0 0 0 0 0 0 0 00000007 00000003\n"}), want: map[string]float64{
			`node_softnet_processed_total{cpu="3"}`: 0xffffffff, `node_softnet_dropped_total{cpu="3"}`: 0, `node_softnet_times_squeezed_total{cpu="3"}`: 0,
			`node_softnet_cpu_collision_total{cpu="3"}`: 0, `node_softnet_received_rps_total{cpu="3"}`: 0, `node_softnet_flow_limit_count_total{cpu="3"}`: 0, `node_softnet_backlog_len{cpu="3"}`: 7,
		}},
		{name: "non-hex", proc: procTree(t, map[string]string{"net/softnet_stat": "0000000g 0 0 0 0 0 0 0 0\n"}), want: map[string]float64{}, wantErr: "softnet"},
		{name: "huge", proc: procTree(t, map[string]string{"net/softnet_stat": "100000000 0 0 0 0 0 0 0 0\n"}), want: map[string]float64{}, wantErr: "softnet"},
		{name: "truncated second line", proc: procTree(t, map[string]string{"net/softnet_stat": "1 0 0 0 0 0 0 0 0\n1 0 0\n"}), want: map[string]float64{}, wantErr: "softnet"},
	})
}
