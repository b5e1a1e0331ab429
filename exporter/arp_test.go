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
	})
}
