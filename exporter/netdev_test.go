package exporter

import (
	"regexp"
	"strings"
	"testing"
)

func TestNetDevCollectorFixture(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cfg         NetDevConfig
		wantDevices []string
		nohandler   int // devices with a sysfs rx_nohandler file (eth0 only in the fixture)
	}{
		{"all", NetDevConfig{}, []string{"lo", "eth0", "veth1a2b"}, 1},
		{"exclude", NetDevConfig{DeviceExclude: regexp.MustCompile(`^(lo|veth.*)$`)}, []string{"eth0"}, 1},
		{"include wins", NetDevConfig{DeviceInclude: regexp.MustCompile(`^lo$`), DeviceExclude: regexp.MustCompile(`^lo$`)}, []string{"lo"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(fixtureProc)
			cfg.NetDev = tc.cfg
			c := mustNew(t, newNetDevCollector, cfg)
			got, err := update(t, c)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if want := 16*len(tc.wantDevices) + tc.nohandler; len(got) != want {
				t.Fatalf("got %d series, want %d: %v", len(got), want, got)
			}
			for _, d := range tc.wantDevices {
				if _, ok := got[`node_network_receive_bytes_total{device="`+d+`"}`]; !ok {
					t.Errorf("device %s missing", d)
				}
			}
		})
	}
	c := mustNew(t, newNetDevCollector, fixtureConfig(fixtureProc))
	got, _ := update(t, c)
	for key, want := range map[string]float64{
		`node_network_receive_bytes_total{device="eth0"}`:       123456789,
		`node_network_receive_packets_total{device="eth0"}`:     1000,
		`node_network_receive_errs_total{device="eth0"}`:        1,
		`node_network_receive_drop_total{device="eth0"}`:        2,
		`node_network_transmit_bytes_total{device="eth0"}`:      987654,
		`node_network_transmit_packets_total{device="eth0"}`:    900,
		`node_network_transmit_errs_total{device="eth0"}`:       4,
		`node_network_transmit_drop_total{device="eth0"}`:       5,
		`node_network_receive_multicast_total{device="eth0"}`:   3,
		`node_network_receive_fifo_total{device="eth0"}`:        6,
		`node_network_receive_frame_total{device="eth0"}`:       7,
		`node_network_receive_compressed_total{device="eth0"}`:  8,
		`node_network_transmit_fifo_total{device="eth0"}`:       9,
		`node_network_transmit_colls_total{device="eth0"}`:      10,
		`node_network_transmit_carrier_total{device="eth0"}`:    11,
		`node_network_transmit_compressed_total{device="eth0"}`: 12,
		`node_network_receive_nohandler_total{device="eth0"}`:   42, // from sysfs
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
}

func TestNetDevCollectorBrokenAndMissing(t *testing.T) {
	c := mustNew(t, newNetDevCollector, fixtureConfig("testdata/proc-broken"))
	got, err := update(t, c)
	if err == nil || !strings.Contains(err.Error(), "bad line") {
		t.Fatalf("want a bad line error, got %v", err)
	}
	if got[`node_network_transmit_bytes_total{device="eth0"}`] != 200 {
		t.Errorf("well-formed eth0 must still be exported: %v", got)
	}
	if _, ok := got[`node_network_receive_bytes_total{device="eth1"}`]; ok {
		t.Errorf("malformed eth1 exported")
	}
	c = mustNew(t, newNetDevCollector, fixtureConfig("testdata/proc-empty"))
	if _, err := update(t, c); err == nil || !strings.Contains(err.Error(), "net/dev") {
		t.Fatalf("want an error naming net/dev, got %v", err)
	}
}
