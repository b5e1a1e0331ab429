package exporter

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestNetstatCollector(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proc    string
		fields  *regexp.Regexp
		want    map[string]float64 // a subset of the series
		absent  []string
		count   int // -1: do not check
		wantErr string
	}{
		{
			name: "default fields", proc: fixtureProc, count: len(netstatKnownFields),
			want: map[string]float64{
				"node_netstat_TcpExt_ListenOverflows": 11,
				"node_netstat_TcpExt_ListenDrops":     12,
				"node_netstat_TcpExt_TCPTimeouts":     13,
				"node_netstat_TcpExt_SyncookiesSent":  14,
				"node_netstat_IpExt_InOctets":         5419098219,
				"node_netstat_IpExt_OutOctets":        4700000000,
				"node_netstat_Tcp_CurrEstab":          7,
				"node_netstat_Tcp_InErrs":             3,
				"node_netstat_Tcp_ActiveOpens":        463991,
				"node_netstat_Ip_Forwarding":          1,
				"node_netstat_Udp_InErrors":           5,
				"node_netstat_Udp_NoPorts":            6,
				"node_netstat_Ip6_InOctets":           128,
				"node_netstat_Ip6_OutOctets":          880,
				"node_netstat_Icmp6_OutMsgs":          9,
				"node_netstat_UdpLite6_InErrors":      0,
			},
			absent: []string{"node_netstat_Tcp_MaxConn", "node_netstat_TcpExt_TW", "node_netstat_MPTcpExt_MPCurrEstab"},
		},
		{
			name: "custom fields", proc: fixtureProc, fields: regexp.MustCompile(`^Tcp_(MaxConn|CurrEstab)$`), count: 2,
			want: map[string]float64{"node_netstat_Tcp_MaxConn": -1, "node_netstat_Tcp_CurrEstab": 7},
		},
		{
			name: "malformed pairs keep the good ones", proc: "testdata/proc-broken", count: -1,
			want:    map[string]float64{"node_netstat_IpExt_InOctets": 100, "node_netstat_Udp_InErrors": 1, "node_netstat_Udp_InDatagrams": 10},
			absent:  []string{"node_netstat_TcpExt_ListenOverflows", "node_netstat_Tcp_ActiveOpens"},
			wantErr: "field count mismatch for TcpExt",
		},
		{name: "missing files", proc: "testdata/proc-empty", count: 0, wantErr: "net/netstat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(tc.proc)
			cfg.Netstat.Fields = tc.fields
			c := mustNew(t, newNetstatCollector, cfg)
			got, err := update(t, c)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Update: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
			}
			if tc.count >= 0 && len(got) != tc.count {
				t.Errorf("got %d series, want %d: %v", len(got), tc.count, got)
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s exported", k)
				}
			}
		})
	}
}

func TestNetstatDescs(t *testing.T) {
	c := mustNew(t, newNetstatCollector, fixtureConfig(fixtureProc))
	got, _ := update(t, c)
	descs := c.Descs()
	if len(descs) != len(netstatKnownFields) {
		t.Fatalf("%d descs, want %d", len(descs), len(netstatKnownFields))
	}
	for _, d := range descs {
		if d.Type() != Untyped {
			t.Errorf("%s is %s, node_exporter's netstat families are untyped", d.Name(), d.Type())
		}
		if _, ok := got[d.Name()]; !ok {
			t.Errorf("%s described but not in the fixture's output", d.Name())
		}
	}
	if h := descs[0].Help(); !strings.HasPrefix(h, "Statistic Icmp") {
		t.Errorf("help %q, want node_exporter's \"Statistic <Proto><Field>.\"", h)
	}
	cfg := fixtureConfig(fixtureProc)
	cfg.Netstat.Fields = regexp.MustCompile(`^Tcp_`)
	if n := len(mustNew(t, newNetstatCollector, cfg).Descs()); n != 8 {
		t.Errorf("Tcp_ pattern: %d descs, want 8", n)
	}
}

// TestNetstatLayoutChange checks that a names line that changes between
// scrapes (a kernel module adding fields, fields in another order) is read
// afresh rather than through the layout of the scrape before.
func TestNetstatLayoutChange(t *testing.T) {
	proc := t.TempDir()
	if err := os.MkdirAll(filepath.Join(proc, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(snmp string) {
		for name, content := range map[string]string{"netstat": "", "snmp": snmp} {
			if err := os.WriteFile(filepath.Join(proc, "net", name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := fixtureConfig(proc)
	cfg.Netstat.Fields = regexp.MustCompile(`^Udp_.*`)
	c := mustNew(t, newNetstatCollector, cfg)
	for i, step := range []struct {
		snmp string
		want map[string]float64
	}{
		{"Udp: InDatagrams NoPorts\nUdp: 5 6\n", map[string]float64{"node_netstat_Udp_InDatagrams": 5, "node_netstat_Udp_NoPorts": 6}},
		{"Udp: InDatagrams NoPorts\nUdp: 7 8\n", map[string]float64{"node_netstat_Udp_InDatagrams": 7, "node_netstat_Udp_NoPorts": 8}},
		{"Udp: NoPorts InErrors InDatagrams\nUdp: 9 1 10\n", map[string]float64{"node_netstat_Udp_InDatagrams": 10, "node_netstat_Udp_NoPorts": 9, "node_netstat_Udp_InErrors": 1}},
	} {
		write(step.snmp)
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if len(got) != len(step.want) {
			t.Errorf("step %d: got %v, want %v", i, got, step.want)
		}
		for k, v := range step.want {
			if got[k] != v {
				t.Errorf("step %d: %s = %v, want %v", i, k, got[k], v)
			}
		}
	}
}
