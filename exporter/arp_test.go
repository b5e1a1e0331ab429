package exporter

import "testing"

func TestARPCollector(t *testing.T) {
	runCollectorCases(t, newARPCollector, []collectorCase{
		// An incomplete entry (flags 0x0) is in the table and counted, as the kernel lists it.
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			`node_arp_entries{device="eth0"}`:  3,
			`node_arp_entries{device="wlan0"}`: 1,
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "ARP entries"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
		// proc.rst: a header, then "IP HWtype Flags HWaddress Mask Device".
		{name: "header only", proc: procTree(t, map[string]string{"net/arp": arpHeader}), want: map[string]float64{}},
		{name: "empty", proc: procTree(t, map[string]string{"net/arp": ""}), want: map[string]float64{}},
		{name: "missing header", proc: procTree(t, map[string]string{"net/arp": "10.0.0.1 0x1 0x2 aa:bb:cc:dd:ee:ff * eth1\n\n"}), want: map[string]float64{`node_arp_entries{device="eth1"}`: 1}},
		{name: "bad address", proc: procTree(t, map[string]string{"net/arp": arpHeader + "10.0.0.1 0x1 0x2 aa:bb:cc:dd:ee:zz * eth1\n"}), want: map[string]float64{}, wantErr: "ARP entries"},
		{name: "non-numeric flags", proc: procTree(t, map[string]string{"net/arp": arpHeader + "10.0.0.1 0x1 0xq aa:bb:cc:dd:ee:ff * eth1\n"}), want: map[string]float64{}, wantErr: "ARP entries"},
		{name: "huge flags", proc: procTree(t, map[string]string{"net/arp": arpHeader + "10.0.0.1 0x1 0x100 aa:bb:cc:dd:ee:ff * eth1\n"}), want: map[string]float64{}, wantErr: "ARP entries"},
	})
}

func TestUDPQueuesCollector(t *testing.T) {
	runCollectorCases(t, newUDPQueuesCollector, []collectorCase{
		// tx_queue:rx_queue is hexadecimal, summed over sockets.
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			`node_udp_queues{ip="v4",queue="tx"}`: 0x100 + 0x1,
			`node_udp_queues{ip="v4",queue="rx"}`: 0x200 + 0x10,
			`node_udp_queues{ip="v6",queue="tx"}`: 0,
			`node_udp_queues{ip="v6",queue="rx"}`: 0x400,
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "udp queued bytes"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
		// Documentation/filesystems/proc.rst: a header, then sockets as
		// "sl local rem st tx_queue:rx_queue tr:tm retrnsmt uid timeout inode
		// ref pointer drops", queues in hexadecimal.
		{name: "header only", proc: procTree(t, map[string]string{"net/udp": udpHeader}), want: map[string]float64{
			`node_udp_queues{ip="v4",queue="tx"}`: 0, `node_udp_queues{ip="v4",queue="rx"}`: 0,
		}},
		{name: "empty", proc: procTree(t, map[string]string{"net/udp": ""}), want: map[string]float64{
			`node_udp_queues{ip="v4",queue="tx"}`: 0, `node_udp_queues{ip="v4",queue="rx"}`: 0,
		}},
		// Without its header the first line is taken for it, as procfs does.
		{name: "missing header", proc: procTree(t, map[string]string{"net/udp": udpSocket("00000001:00000002") + udpSocket("00000010:00000020")}), want: map[string]float64{
			`node_udp_queues{ip="v4",queue="tx"}`: 0x10, `node_udp_queues{ip="v4",queue="rx"}`: 0x20,
		}},
		{name: "truncated", proc: procTree(t, map[string]string{"net/udp": udpHeader + "  1: 0100007F:0035 00000000:0000 07 00000001:00000002 00:00000000\n"}), want: map[string]float64{}, wantErr: "udp queued bytes"},
		{name: "non-hex", proc: procTree(t, map[string]string{"net/udp": udpHeader + udpSocket("0000000g:00000002")}), want: map[string]float64{}, wantErr: "udp queued bytes"},
		{name: "no colon", proc: procTree(t, map[string]string{"net/udp": udpHeader + udpSocket("00000001")}), want: map[string]float64{}, wantErr: "udp queued bytes"},
		{name: "huge", proc: procTree(t, map[string]string{"net/udp": udpHeader + udpSocket("ffffffffffffffff:00000001"), "net/udp6": udpHeader + udpSocket("10000000000000000:0")}), want: map[string]float64{
			`node_udp_queues{ip="v4",queue="tx"}`: 0xffffffffffffffff, `node_udp_queues{ip="v4",queue="rx"}`: 1,
		}, wantErr: "udp6 queued bytes"},
	})
}

const udpHeader = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"

func udpSocket(queues string) string {
	return "  1: 0100007F:0035 00000000:0000 07 " + queues + " 00:00000000 00000000     0        0 21017 2 0000000000000000 0\n"
}

const arpHeader = "IP address       HW type     Flags       HW address            Mask     Device\n"
