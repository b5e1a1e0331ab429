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
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "softnet"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}, wantErr: "softnet"},
	})
}
