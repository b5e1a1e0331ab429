package exporter

import "testing"

func TestConntrackCollector(t *testing.T) {
	runCollectorCases(t, newConntrackCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_nf_conntrack_entries":       123,
			"node_nf_conntrack_entries_limit": 262144,
			// /proc/net/stat/nf_conntrack: hexadecimal, one line per CPU, summed.
			"node_nf_conntrack_stat_found":          0x0a + 0x05,
			"node_nf_conntrack_stat_invalid":        0x10 + 0x01,
			"node_nf_conntrack_stat_ignore":         0xff + 0x01,
			"node_nf_conntrack_stat_insert":         0x02 + 0x01,
			"node_nf_conntrack_stat_insert_failed":  0x01,
			"node_nf_conntrack_stat_drop":           0x03,
			"node_nf_conntrack_stat_early_drop":     0x04 + 0x01,
			"node_nf_conntrack_stat_search_restart": 0x20 + 0x01,
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "nf_conntrack_count"},
		// The table is read, its statistics do not parse: the table is kept, the collector fails.
		{name: "malformed statistics", proc: "testdata/proc-conntrack-badstat", want: map[string]float64{
			"node_nf_conntrack_entries":       5,
			"node_nf_conntrack_entries_limit": 100,
		}, wantErr: "conntrack stats"},
		// nf_conntrack not loaded: nothing, no error.
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
	})
}
