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
		// proc nf_conntrack statistics: a header, then one line of 16 (17 since
		// Linux 4.10, with search_restart) hexadecimal columns per CPU.
		{name: "header only", proc: procTree(t, map[string]string{"sys/net/netfilter/nf_conntrack_count": "1\n", "sys/net/netfilter/nf_conntrack_max": "2\n", "net/stat/nf_conntrack": "entries searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error expect_new expect_create expect_delete search_restart\n"}), want: map[string]float64{
			"node_nf_conntrack_entries": 1, "node_nf_conntrack_entries_limit": 2,
			"node_nf_conntrack_stat_found": 0, "node_nf_conntrack_stat_invalid": 0, "node_nf_conntrack_stat_ignore": 0, "node_nf_conntrack_stat_insert": 0,
			"node_nf_conntrack_stat_insert_failed": 0, "node_nf_conntrack_stat_drop": 0, "node_nf_conntrack_stat_early_drop": 0, "node_nf_conntrack_stat_search_restart": 0,
		}},
		{name: "16 and 17 columns", proc: procTree(t, map[string]string{"sys/net/netfilter/nf_conntrack_count": "1\n", "sys/net/netfilter/nf_conntrack_max": "2\n", "net/stat/nf_conntrack": "entries searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error expect_new expect_create expect_delete search_restart\n00000000 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008 00000009 0000000a 0000000b 0000000c 0000000d 0000000e 0000000f\n00000000 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008 00000009 0000000a 0000000b 0000000c 0000000d 0000000e 0000000f 00000010\n"}), want: map[string]float64{
			"node_nf_conntrack_entries": 1, "node_nf_conntrack_entries_limit": 2,
			"node_nf_conntrack_stat_found": 4, "node_nf_conntrack_stat_invalid": 8, "node_nf_conntrack_stat_ignore": 10, "node_nf_conntrack_stat_insert": 16,
			"node_nf_conntrack_stat_insert_failed": 18, "node_nf_conntrack_stat_drop": 20, "node_nf_conntrack_stat_early_drop": 22, "node_nf_conntrack_stat_search_restart": 16,
		}},
		{name: "truncated", proc: procTree(t, map[string]string{"sys/net/netfilter/nf_conntrack_count": "1\n", "sys/net/netfilter/nf_conntrack_max": "2\n", "net/stat/nf_conntrack": "entries searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error expect_new expect_create expect_delete search_restart\n00000001 00000002\n"}), want: map[string]float64{
			"node_nf_conntrack_entries": 1, "node_nf_conntrack_entries_limit": 2}, wantErr: "conntrack stats"},
		{name: "huge", proc: procTree(t, map[string]string{"sys/net/netfilter/nf_conntrack_count": "18446744073709551615\n", "sys/net/netfilter/nf_conntrack_max": "18446744073709551616\n"}), want: map[string]float64{
			"node_nf_conntrack_entries": 18446744073709551615}, wantErr: "nf_conntrack_max"},
		{name: "empty", proc: procTree(t, map[string]string{"sys/net/netfilter/nf_conntrack_count": "", "sys/net/netfilter/nf_conntrack_max": "2\n"}), want: map[string]float64{}, wantErr: "nf_conntrack_count"},
	})
}
