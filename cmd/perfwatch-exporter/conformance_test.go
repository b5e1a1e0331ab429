package main

import (
	"fmt"
	"math"
	"os/exec"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/perfwatch/perfwatch/exporter"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// nodeExporterBin is Debian's node_exporter; NODE_EXPORTER_BIN points the
// test at another build (for example node_exporter 1.12.1 from go install).
// Without either, the test skips, and fails under CI.
func nodeExporterBin(t *testing.T) string {
	t.Helper()
	return testtool.NeedEnv(t, "NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter", "apt-get install prometheus-node-exporter")
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
	"node_uname_info",
	"node_boot_time_seconds", "node_context_switches_total", "node_forks_total", "node_intr_total", "node_procs_running", "node_procs_blocked",
	"node_time_seconds", "node_time_zone_offset_seconds",
	"node_scrape_collector_duration_seconds", "node_scrape_collector_success",
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
		"--collector.stat", "--collector.time", "--collector.uname", "--collector.netclass",
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

	attempts := compareScrapes(t, ne, pw, checkScrapes)
	t.Logf("compared against %s in %d attempt(s)", bin, attempts)
}

// compareScrapes scrapes node_exporter, perfwatch-exporter, then
// node_exporter again, and reports what check finds. Values are read from a
// live machine where other work runs (a build writing to disk moves Dirty by
// megabytes between two scrapes), so a value disagreement is retried with
// fresh scrapes, three times at most, before it counts; structural problems
// (names, types, labels) fail at once. It returns the number of attempts.
func compareScrapes(t *testing.T, ne, pw *proc, check func(before, ours, after map[string]*dto.MetricFamily) (structural, values []string)) int {
	t.Helper()
	var problems []string
	attempts := 0
	for attempts < 3 {
		attempts++
		before := scrape(t, ne.url+"/metrics")
		ours := scrape(t, pw.url+"/metrics")
		after := scrape(t, ne.url+"/metrics")
		var structural []string
		structural, problems = check(before, ours, after)
		for _, p := range structural {
			t.Error(p)
		}
		if len(structural) > 0 || len(problems) == 0 {
			break
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	return attempts
}

// checkScrapes compares perfwatch-exporter's scrape with node_exporter's
// before and after it. It returns structural problems (names, types, labels)
// and value disagreements separately.
func checkScrapes(before, ours, after map[string]*dto.MetricFamily) (structural, values []string) {
	for _, name := range sharedFamilies {
		if before[name] == nil || ours[name] == nil {
			structural = append(structural, fmt.Sprintf("%s: node_exporter has it %v, perfwatch-exporter has it %v", name, before[name] != nil, ours[name] != nil))
		}
	}
	for _, s := range ours["node_scrape_collector_success"].GetMetric() {
		if s.GetGauge().GetValue() != 1 {
			structural = append(structural, fmt.Sprintf("perfwatch-exporter collector %s failed", labelValue(s, "collector")))
		}
	}
	if len(structural) > 0 {
		return structural, nil
	}
	memTotal := before["node_memory_MemTotal_bytes"].GetMetric()[0].GetGauge().GetValue()
	for name, mf := range ours {
		neMF := before[name]
		if neMF == nil || !strings.HasPrefix(name, "node_") {
			continue
		}
		if mf.GetType() != neMF.GetType() {
			structural = append(structural, fmt.Sprintf("%s: type %s, node_exporter %s", name, mf.GetType(), neMF.GetType()))
			continue
		}
		a, aNames := familyValues(neMF)
		b, bNames := familyValues(mf)
		c, _ := familyValues(after[name])
		if an, bn := signatures(aNames), signatures(bNames); an != bn {
			structural = append(structural, fmt.Sprintf("%s: label names %s, node_exporter %s", name, bn, an))
		}
		if !strings.HasPrefix(name, "node_memory_") && !strings.HasPrefix(name, "node_load") {
			for k := range a {
				if _, ok := b[k]; !ok {
					structural = append(structural, fmt.Sprintf("%s{%s}: exported by node_exporter only", name, k))
				}
			}
			for k := range b {
				if _, ok := a[k]; !ok {
					structural = append(structural, fmt.Sprintf("%s{%s}: exported by perfwatch-exporter only", name, k))
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
				values = append(values, fmt.Sprintf("%s{%s}: %s (node_exporter %v then %v, perfwatch-exporter %v)", name, k, msg, va, vc, vb))
			}
		}
	}
	return structural, values
}

// signatures renders the distinct label-name lists of a family's series.
func signatures(names [][]string) string {
	set := map[string]bool{}
	for _, n := range names {
		set["{"+strings.Join(n, ",")+"}"] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

const eps = 1e-9

// compare returns why vb (perfwatch) disagrees with va and vc (node_exporter
// before and after), or "".
func compare(name string, va, vb, vc, memTotal float64) string {
	lo, hi := math.Min(va, vc), math.Max(va, vc)
	between := vb >= lo-eps && vb <= hi+eps
	switch {
	case name == "node_scrape_collector_duration_seconds" || name == "node_procs_running" || name == "node_procs_blocked":
		// Each exporter's own timing, and instantaneous process counts
		// that the scrapes themselves change: names, types and label
		// sets are checked, values are not.
	case strings.HasSuffix(name, "_total") || strings.HasPrefix(name, "node_load") || name == "node_time_seconds":
		// Counters read in between must lie in between; so must load
		// averages, which the kernel updates every 5 s, and the clock.
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
		// filesystem, boot time, zone offset, the info series and
		// collector success: exactly equal.
		if va != vb || vc != vb {
			return "not equal"
		}
	}
	return ""
}
