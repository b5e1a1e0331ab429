package exporter

import "testing"

func TestSchedstatCollector(t *testing.T) {
	runCollectorCases(t, newSchedstatCollector, []collectorCase{
		{
			// rq_cpu_time and run_delay are nanoseconds, pcount a count
			// (Documentation/scheduler/sched-stats.rst, version 15).
			name: "fixture",
			proc: fixtureProc,
			want: map[string]float64{
				`node_schedstat_running_seconds_total{cpu="0"}`: 123.456789012,
				`node_schedstat_waiting_seconds_total{cpu="0"}`: 4.5,
				`node_schedstat_timeslices_total{cpu="0"}`:      9876,
				`node_schedstat_running_seconds_total{cpu="1"}`: 2,
				`node_schedstat_waiting_seconds_total{cpu="1"}`: 0.00025,
				`node_schedstat_timeslices_total{cpu="1"}`:      42,
			},
		},
		{
			// Lines that do not parse are skipped, as node_exporter's procfs does.
			name: "broken",
			proc: hwFixtureTree(t, map[string]string{"schedstat": "version 15\ntimestamp 4295126578\n" +
				"cpu0 0 0 0 0 0 0 1000000000 0 7\ncpu1 0 0 0 0 0 0 twelve 0 7\ncpu2 0 0 0\n"}),
			want: map[string]float64{
				`node_schedstat_running_seconds_total{cpu="0"}`: 1,
				`node_schedstat_waiting_seconds_total{cpu="0"}`: 0,
				`node_schedstat_timeslices_total{cpu="0"}`:      7,
			},
		},
		{
			// No /proc/schedstat (no CONFIG_SCHEDSTATS): no series, no error.
			name: "missing",
			proc: t.TempDir(),
			want: map[string]float64{},
		},
	})
}
