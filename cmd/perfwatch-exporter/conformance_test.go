package main

import (
	"math"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/perfwatch/perfwatch/exporter"
)

// nodeExporterBin is Debian's node_exporter; NODE_EXPORTER_BIN points the
// test at another build (for example node_exporter 1.12.1 from go install).
func nodeExporterBin(t *testing.T) string {
	if b := os.Getenv("NODE_EXPORTER_BIN"); b != "" {
		return b
	}
	const debian = "/usr/bin/prometheus-node-exporter"
	if _, err := os.Stat(debian); err != nil {
		t.Skipf("conformance test skipped: %s not installed (apt-get install prometheus-node-exporter) and NODE_EXPORTER_BIN unset", debian)
	}
	return debian
}

// sharedFamilies must be exported by both exporters; without this list a
// broken exporter exporting nothing would pass vacuously.
var sharedFamilies = []string{
	"node_cpu_seconds_total",
	"node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes", "node_memory_MemFree_bytes",
	"node_memory_Buffers_bytes", "node_memory_Cached_bytes", "node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes",
	"node_filesystem_size_bytes", "node_filesystem_free_bytes", "node_filesystem_avail_bytes",
	"node_filesystem_files", "node_filesystem_files_free", "node_filesystem_readonly", "node_filesystem_device_error",
	"node_load1", "node_load5", "node_load15",
	"node_network_receive_bytes_total", "node_network_receive_packets_total", "node_network_receive_errs_total", "node_network_receive_drop_total",
	"node_network_transmit_bytes_total", "node_network_transmit_packets_total", "node_network_transmit_errs_total", "node_network_transmit_drop_total",
}

// series maps a label set (minus ignored labels) to a value.
type series map[string]float64

func familyValues(mf *dto.MetricFamily) (series, [][]string) {
	out := series{}
	var labelNames [][]string
	for _, m := range mf.GetMetric() {
		var names, pairs []string
		for _, lp := range m.GetLabel() {
			if ignoredLabel(mf.GetName(), lp.GetName()) {
				continue
			}
			names = append(names, lp.GetName())
			pairs = append(pairs, lp.GetName()+"="+lp.GetValue())
		}
		sort.Strings(names)
		sort.Strings(pairs)
		labelNames = append(labelNames, names)
		v := m.GetGauge().GetValue()
		if mf.GetType() == dto.MetricType_COUNTER {
			v = m.GetCounter().GetValue()
		}
		out[strings.Join(pairs, ",")] = v
	}
	return out, labelNames
}

// ignoredLabel drops node_exporter ≥ 1.11's device_error label on filesystem
// series: its value is the error text, which perfwatch never uses as a label
// (node_exporter 1.5 and the naming contract have {device,fstype,mountpoint}).
func ignoredLabel(family, label string) bool {
	return label == "device_error" && strings.HasPrefix(family, "node_filesystem_")
}

// TestConformanceWithNodeExporter scrapes node_exporter, perfwatch-exporter,
// then node_exporter again, and checks every family both export: same type,
// same label names, same label sets for cpu, filesystem and netdev, and values
// that agree (counters between the two node_exporter readings, memory within
// 2 %, filesystem sizes exactly).
func TestConformanceWithNodeExporter(t *testing.T) {
	bin := nodeExporterBin(t)
	help, _ := exec.Command(bin, "--help").CombinedOutput()
	// Both get the same selection, so their defaults (which differ between
	// node_exporter versions and Debian's patches) do not matter.
	common := []string{
		"--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
		"--collector.filesystem", "--collector.loadavg", "--collector.netdev",
		"--collector.filesystem.mount-points-exclude=" + exporter.DefaultMountPointsExclude,
		"--collector.filesystem.fs-types-exclude=" + exporter.DefaultFSTypesExclude,
		"--collector.netdev.device-exclude=^$",
	}
	neArgs := append([]string{}, common...)
	if strings.Contains(string(help), "collector.netdev.netlink") {
		// netlink's rx_dropped excludes rx_missed_errors, /proc/net/dev's drop includes it.
		neArgs = append(neArgs, "--no-collector.netdev.netlink")
	}
	ne := start(t, bin, neArgs...)
	pw := start(t, "", common...)

	before := scrape(t, ne.url+"/metrics")
	ours := scrape(t, pw.url+"/metrics")
	after := scrape(t, ne.url+"/metrics")

	for _, name := range sharedFamilies {
		if before[name] == nil || ours[name] == nil {
			t.Errorf("%s: node_exporter has it %v, perfwatch-exporter has it %v", name, before[name] != nil, ours[name] != nil)
		}
	}
	for _, s := range ours["perfwatch_exporter_collector_success"].GetMetric() {
		if s.GetGauge().GetValue() != 1 {
			t.Errorf("perfwatch-exporter collector %s failed", labelValue(s, "collector"))
		}
	}
	memTotal := before["node_memory_MemTotal_bytes"].GetMetric()[0].GetGauge().GetValue()

	shared := 0
	for name, mf := range ours {
		neMF := before[name]
		if neMF == nil || !strings.HasPrefix(name, "node_") {
			continue
		}
		shared++
		if mf.GetType() != neMF.GetType() {
			t.Errorf("%s: type %s, node_exporter %s", name, mf.GetType(), neMF.GetType())
			continue
		}
		a, aNames := familyValues(neMF)
		b, bNames := familyValues(mf)
		c, _ := familyValues(after[name])
		if len(aNames) > 0 && len(bNames) > 0 && strings.Join(aNames[0], ",") != strings.Join(bNames[0], ",") {
			t.Errorf("%s: label names %v, node_exporter %v", name, bNames[0], aNames[0])
		}
		if !strings.HasPrefix(name, "node_memory_") && !strings.HasPrefix(name, "node_load") {
			for k := range a {
				if _, ok := b[k]; !ok {
					t.Errorf("%s{%s}: exported by node_exporter only", name, k)
				}
			}
			for k := range b {
				if _, ok := a[k]; !ok {
					t.Errorf("%s{%s}: exported by perfwatch-exporter only", name, k)
				}
			}
		}
		for k, vb := range b {
			va, ok := a[k]
			if !ok {
				continue
			}
			vc := c[k]
			if msg := compare(name, va, vb, vc, memTotal); msg != "" {
				t.Errorf("%s{%s}: %s (node_exporter %v then %v, perfwatch-exporter %v)", name, k, msg, va, vc, vb)
			}
		}
	}
	t.Logf("%d shared families compared against %s", shared, bin)
}

const eps = 1e-9

// compare returns why vb (perfwatch) disagrees with va and vc (node_exporter
// before and after), or "".
func compare(name string, va, vb, vc, memTotal float64) string {
	lo, hi := math.Min(va, vc), math.Max(va, vc)
	between := vb >= lo-eps && vb <= hi+eps
	switch {
	case strings.HasSuffix(name, "_total") || strings.HasPrefix(name, "node_load"):
		// Counters read in between must lie in between; so must load
		// averages, which the kernel updates every 5 s.
		if !between {
			return "not between the two node_exporter readings"
		}
	case strings.HasPrefix(name, "node_memory_"):
		// 2 % of the value, or of MemTotal for small, noisy fields (Dirty).
		base := math.Max(math.Abs(va), 0.01*memTotal)
		if !between && math.Abs(vb-va) > 0.02*base {
			return "differs by more than 2 %"
		}
	case name == "node_filesystem_free_bytes" || name == "node_filesystem_avail_bytes" || name == "node_filesystem_files_free":
		// Free space moves while a build writes to disk.
		if !between && math.Abs(vb-va) > 0.02*va+eps {
			return "differs by more than 2 %"
		}
	default:
		// Sizes, inode totals, readonly and device_error of the same
		// filesystem: exactly equal.
		if va != vb || vc != vb {
			return "not equal"
		}
	}
	return ""
}
