package exporter

import "testing"

func TestEntropyCollector(t *testing.T) {
	runCollectorCases(t, newEntropyCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_entropy_available_bits": 3712,
			"node_entropy_pool_size_bits": 4096,
		}},
		// poolsize missing: entropy_avail is kept, the collector fails as node_exporter's.
		{name: "no poolsize", proc: "testdata/proc-broken", want: map[string]float64{
			"node_entropy_available_bits": 3712,
		}, wantErr: "poolsize"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}, wantErr: "entropy_avail"},
	})
}
