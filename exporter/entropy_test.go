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
		// Each file holds one decimal number and a newline.
		{name: "empty", proc: procTree(t, map[string]string{"sys/kernel/random/entropy_avail": "", "sys/kernel/random/poolsize": "256\n"}), want: map[string]float64{}, wantErr: "kernel random"},
		{name: "non-numeric", proc: procTree(t, map[string]string{"sys/kernel/random/entropy_avail": "25x\n", "sys/kernel/random/poolsize": "256\n"}), want: map[string]float64{}, wantErr: "kernel random"},
		{name: "huge", proc: procTree(t, map[string]string{"sys/kernel/random/entropy_avail": " 18446744073709551615 \n", "sys/kernel/random/poolsize": "18446744073709551616\n"}), want: map[string]float64{}, wantErr: "kernel random"},
		{name: "largest", proc: procTree(t, map[string]string{"sys/kernel/random/entropy_avail": "18446744073709551615", "sys/kernel/random/poolsize": "256\n"}), want: map[string]float64{
			"node_entropy_available_bits": 18446744073709551615, "node_entropy_pool_size_bits": 256}},
	})
}
