package exporter

import (
	"regexp"
	"testing"

	"github.com/prometheus/procfs/sysfs"
)

func TestNetClassCollectorFixture(t *testing.T) {
	c := mustNew(t, newNetClassCollector, fixtureConfig(fixtureProc))
	got, err := update(t, c)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for key, want := range map[string]float64{
		`node_network_up{device="eth0"}`: 1,
		`node_network_up{device="eth1"}`: 0,
		`node_network_up{device="lo"}`:   0,
		`node_network_info{address="52:54:00:12:34:56",broadcast="ff:ff:ff:ff:ff:ff",device="eth0",duplex="full",ifalias="uplink",operstate="up"}`: 1,
		`node_network_info{address="00:00:00:00:00:00",broadcast="00:00:00:00:00:00",device="lo",duplex="",ifalias="",operstate="unknown"}`:        1,
		`node_network_info{address="52:54:00:ab:cd:ef",broadcast="ff:ff:ff:ff:ff:ff",device="eth1",duplex="unknown",ifalias="",operstate="down"}`:  1,
		`node_network_speed_bytes{device="eth0"}`:                125000000,
		`node_network_mtu_bytes{device="eth1"}`:                  9000,
		`node_network_mtu_bytes{device="lo"}`:                    65536,
		`node_network_carrier{device="eth0"}`:                    1,
		`node_network_carrier_changes_total{device="eth0"}`:      3,
		`node_network_carrier_up_changes_total{device="eth0"}`:   2,
		`node_network_carrier_down_changes_total{device="eth0"}`: 1,
		`node_network_device_id{device="eth0"}`:                  32,
		`node_network_flags{device="eth0"}`:                      4099,
		`node_network_iface_id{device="eth1"}`:                   3,
		`node_network_iface_link{device="eth1"}`:                 3,
		`node_network_iface_link_mode{device="eth0"}`:            0,
		`node_network_name_assign_type{device="eth0"}`:           4,
		`node_network_net_dev_group{device="eth1"}`:              1,
		`node_network_protocol_type{device="lo"}`:                772,
		`node_network_transmit_queue_length{device="eth1"}`:      500,
		`node_network_address_assign_type{device="eth0"}`:        0,
		`node_network_dormant{device="eth0"}`:                    0,
	} {
		v, ok := got[key]
		if !ok {
			t.Errorf("%s missing", key)
		} else if v != want {
			t.Errorf("%s = %v, want %v", key, v, want)
		}
	}
	// Attributes the kernel does not give (a down link's speed and carrier,
	// lo's speed) give no series rather than a zero.
	for _, key := range []string{
		`node_network_speed_bytes{device="eth1"}`, `node_network_speed_bytes{device="lo"}`,
		`node_network_carrier{device="eth1"}`, `node_network_dormant{device="eth1"}`,
		`node_network_name_assign_type{device="eth1"}`,
	} {
		if _, ok := got[key]; ok {
			t.Errorf("%s exported for a missing attribute", key)
		}
	}
}

func TestNetClassCollectorIgnoredAndMissing(t *testing.T) {
	cfg := fixtureConfig(fixtureProc)
	cfg.NetClass.IgnoredDevices = regexp.MustCompile(`^(lo|eth1)$`)
	got, err := update(t, mustNew(t, newNetClassCollector, cfg))
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, ok := got[`node_network_up{device="eth0"}`]; !ok {
		t.Errorf("eth0 missing: %v", got)
	}
	for key := range got {
		if key == `node_network_up{device="lo"}` || key == `node_network_up{device="eth1"}` {
			t.Errorf("ignored device exported: %s", key)
		}
	}
	// node_exporter reports no data, not a failure, without /sys/class/net.
	cfg = fixtureConfig(fixtureProc)
	cfg.SysFS = "testdata/sys-broken"
	got, err = update(t, mustNew(t, newNetClassCollector, cfg))
	if err != nil || len(got) != 0 {
		t.Fatalf("want no series and no error without /sys/class/net, got %v, %v", got, err)
	}
}

func TestNetClassSpeedUnknown(t *testing.T) {
	speed := int64(-1)
	for _, p := range netclassProps {
		if p.name == "speed_bytes" {
			ifc := sysfsIfaceWithSpeed(speed)
			if v := p.get(&ifc); v == nil || *v != -125000 {
				t.Fatalf("speed -1 gives %v, want -125000 as node_exporter 1.5", v)
			}
			return
		}
	}
	t.Fatal("no speed_bytes property")
}

func sysfsIfaceWithSpeed(s int64) sysfs.NetClassIface { return sysfs.NetClassIface{Speed: &s} }
