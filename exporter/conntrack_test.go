package exporter

import "testing"

func TestConntrackCollector(t *testing.T) {
	runCollectorCases(t, newConntrackCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_nf_conntrack_entries":       123,
			"node_nf_conntrack_entries_limit": 262144,
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "nf_conntrack_count"},
		// nf_conntrack not loaded: nothing, no error.
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
	})
}
