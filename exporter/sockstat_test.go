package exporter

import (
	"os"
	"testing"
)

func TestSockstatCollector(t *testing.T) {
	page := float64(os.Getpagesize())
	runCollectorCases(t, newSockstatCollector, []collectorCase{
		{
			name: "ipv4 and ipv6", proc: fixtureProc,
			want: map[string]float64{
				"node_sockstat_sockets_used":   16,
				"node_sockstat_TCP_inuse":      4,
				"node_sockstat_TCP_orphan":     1,
				"node_sockstat_TCP_tw":         25,
				"node_sockstat_TCP_alloc":      5,
				"node_sockstat_TCP_mem":        132,
				"node_sockstat_TCP_mem_bytes":  132 * page,
				"node_sockstat_UDP_inuse":      2,
				"node_sockstat_UDP_mem":        3,
				"node_sockstat_UDP_mem_bytes":  3 * page,
				"node_sockstat_UDPLITE_inuse":  0,
				"node_sockstat_RAW_inuse":      0,
				"node_sockstat_FRAG_inuse":     0,
				"node_sockstat_FRAG_memory":    0,
				"node_sockstat_TCP6_inuse":     1,
				"node_sockstat_UDP6_inuse":     2,
				"node_sockstat_UDPLITE6_inuse": 0,
				"node_sockstat_RAW6_inuse":     0,
				"node_sockstat_FRAG6_inuse":    0,
				"node_sockstat_FRAG6_memory":   0,
			},
		},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "sockstat"},
		// Both files missing (IPv4 and IPv6 disabled): nothing, and no error, as node_exporter.
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
		// proc.rst /proc/net/sockstat: "PROTO: key value ..." lines.
		{name: "empty", proc: procTree(t, map[string]string{"net/sockstat": ""}), want: map[string]float64{}},
		{name: "truncated", proc: procTree(t, map[string]string{"net/sockstat": "sockets: used\n", "net/sockstat6": "TCP6: inuse 1\n"}), want: map[string]float64{
			"node_sockstat_TCP6_inuse": 1}, wantErr: "sockstat"},
		{name: "odd pairs", proc: procTree(t, map[string]string{"net/sockstat": "TCP: inuse 1 orphan\n"}), want: map[string]float64{}, wantErr: "sockstat"},
		{name: "non-numeric", proc: procTree(t, map[string]string{"net/sockstat": "sockets: used 3\nUDP: inuse 1 mem x\n"}), want: map[string]float64{}, wantErr: "sockstat"},
		{name: "huge", proc: procTree(t, map[string]string{"net/sockstat": "TCP: inuse 9223372036854775808\n"}), want: map[string]float64{}, wantErr: "sockstat"},
		{name: "largest and no inuse", proc: procTree(t, map[string]string{"net/sockstat": "sockets: used 9223372036854775807\nUDP: mem 2\n"}), want: map[string]float64{
			"node_sockstat_sockets_used": 9223372036854775807, "node_sockstat_UDP_inuse": 0, "node_sockstat_UDP_mem": 2, "node_sockstat_UDP_mem_bytes": 2 * page}},
	})
}

func TestSockstatDescsCoverFixture(t *testing.T) {
	c := mustNew(t, newSockstatCollector, fixtureConfig(fixtureProc))
	got, _ := update(t, c)
	described := map[string]bool{}
	for _, d := range c.Descs() {
		if d.Type() != Gauge {
			t.Errorf("%s is %s, want gauge", d.Name(), d.Type())
		}
		described[d.Name()] = true
	}
	for k := range got {
		if !described[k] {
			t.Errorf("%s exported but not in Descs", k)
		}
	}
	if len(described) != len(got) {
		t.Errorf("%d descs, %d series", len(described), len(got))
	}
}
