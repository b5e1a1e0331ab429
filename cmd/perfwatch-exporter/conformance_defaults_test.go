package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/perfwatch/perfwatch/exporter"
)

// neOnlyFamilies are node_exporter default families perfwatch-exporter does
// not export, each with the reason. Any other family node_exporter has and
// perfwatch-exporter lacks fails the test.
var neOnlyFamilies = map[string]string{
	"node_exporter_build_info": "perfwatch-exporter's own is perfwatch_exporter_build_info",
}

// textfileFixture is read by both exporters' textfile collectors: one family
// of each type the text format has.
const textfileFixture = `# HELP app_jobs_total Jobs processed.
# TYPE app_jobs_total counter
app_jobs_total{queue="fast"} 12
app_jobs_total{queue="slow",shard="2"} 3
# TYPE app_temperature_celsius gauge
app_temperature_celsius 21.5
app_untyped_thing 7
# HELP req_seconds Request latency.
# TYPE req_seconds histogram
req_seconds_bucket{route="/a",le="0.25"} 1
req_seconds_bucket{route="/a",le="1"} 3
req_seconds_bucket{route="/a",le="+Inf"} 4
req_seconds_sum{route="/a"} 3.5
req_seconds_count{route="/a"} 4
req_seconds_bucket{route="/b",le="1"} 0
req_seconds_sum{route="/b"} 0
req_seconds_count{route="/b"} 2
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.05
rpc_seconds{quantile="0.99"} 0.4
rpc_seconds_sum 12
rpc_seconds_count 100
`

// TestConformanceDefaults runs both exporters with their default collector
// sets (node_exporter's own defaults, which differ between versions, only
// aligned where a default is a filter perfwatch-exporter takes from
// node_exporter 1.12: mount, filesystem-type, disk and netstat-field
// patterns, and loopback in netdev) and checks every node_* family
// node_exporter exports: perfwatch-exporter has it (or neOnlyFamilies says
// why not), with the same type and label names, the same series, and values
// that agree where they are stable between two reads.
func TestConformanceDefaults(t *testing.T) {
	bin := nodeExporterBin(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.prom"), []byte(textfileFixture), 0o644); err != nil {
		t.Fatal(err)
	}
	aligned := []string{
		"--collector.textfile.directory=" + dir,
		"--collector.filesystem.mount-points-exclude=" + exporter.DefaultMountPointsExclude,
		"--collector.filesystem.fs-types-exclude=" + exporter.DefaultFSTypesExclude,
		"--collector.diskstats.device-exclude=" + exporter.DefaultDiskstatsDeviceExclude,
		"--collector.netstat.fields=" + exporter.DefaultNetstatFields,
		"--collector.netdev.device-exclude=^$",
	}
	ne := start(t, bin, aligned...)
	pw := start(t, "", "--collector.textfile.directory="+dir)

	attempts := compareScrapes(t, ne, pw, func(before, ours, after map[string]*dto.MetricFamily) ([]string, []string) {
		return checkDefaults(t, before, ours, after)
	})
	t.Logf("compared against %s with its default collectors in %d attempt(s)", bin, attempts)
}

// valueRule says how a family's values must agree between node_exporter's
// two reads and perfwatch-exporter's read in between.
type valueRule int

const (
	ruleSkip    valueRule = iota // moves by itself between reads (free entropy, open fds, clock offsets)
	ruleBetween                  // only grows: within node_exporter's two reads
	ruleExact                    // fixed while the host runs (info series, sizes, limits, the textfile)
	ruleClose                    // moves a little: within 2 % (memory, free space)
)

// growing are families that only grow although their type is not counter
// (node_exporter exports vmstat, netstat and conntrack statistics untyped or
// as gauges).
var growingPrefixes = []string{"node_vmstat_", "node_nf_conntrack_stat_", "node_netstat_"}

// volatile are families whose values move between two reads on an idle host.
var volatilePrefixes = []string{
	"node_scrape_collector_duration_seconds", "node_procs_", "node_entropy_available_bits",
	"node_filefd_allocated", "node_sockstat_", "node_netstat_Tcp_CurrEstab", "node_nf_conntrack_entries",
	"node_timex_", "node_disk_io_now", "node_udp_queues", "node_arp_entries", "node_load",
	"node_pressure_", "node_time_seconds", "node_network_carrier_changes_total",
}

func ruleFor(name string, typ dto.MetricType) valueRule {
	for _, p := range volatilePrefixes {
		if strings.HasPrefix(name, p) {
			return ruleSkip
		}
	}
	switch {
	case name == "node_netstat_Tcp_CurrEstab":
		return ruleSkip
	case typ == dto.MetricType_COUNTER || strings.HasSuffix(name, "_total"):
		return ruleBetween
	case strings.HasPrefix(name, "node_memory_") || name == "node_filesystem_free_bytes" ||
		name == "node_filesystem_avail_bytes" || name == "node_filesystem_files_free":
		return ruleClose
	}
	for _, p := range growingPrefixes {
		if strings.HasPrefix(name, p) {
			return ruleBetween
		}
	}
	return ruleExact
}

// checkDefaults compares every family of node_exporter's scrape with
// perfwatch-exporter's. It returns structural problems (missing families,
// types, label names) and series or value disagreements separately, so the
// caller can retry the latter with fresh scrapes.
func checkDefaults(t *testing.T, before, ours, after map[string]*dto.MetricFamily) (structural, values []string) {
	t.Helper()
	for _, s := range ours["node_scrape_collector_success"].GetMetric() {
		if s.GetGauge().GetValue() != 1 {
			structural = append(structural, fmt.Sprintf("perfwatch-exporter collector %s failed", labelValue(s, "collector")))
		}
	}
	var neOnly, pwOnly []string
	for name := range ours {
		if strings.HasPrefix(name, "node_") && before[name] == nil {
			pwOnly = append(pwOnly, name)
		}
	}
	memTotal := before["node_memory_MemTotal_bytes"].GetMetric()[0].GetGauge().GetValue()
	compared := map[valueRule]int{}
	for name, neMF := range before {
		if !strings.HasPrefix(name, "node_") {
			continue
		}
		mf := ours[name]
		if mf == nil {
			if why, ok := neOnlyFamilies[name]; ok {
				neOnly = append(neOnly, name+" ("+why+")")
			} else {
				structural = append(structural, name+": exported by node_exporter's defaults, not by perfwatch-exporter's")
			}
			continue
		}
		if mf.GetType() != neMF.GetType() {
			structural = append(structural, fmt.Sprintf("%s: type %s, node_exporter %s", name, mf.GetType(), neMF.GetType()))
			continue
		}
		if strings.HasPrefix(name, "node_scrape_collector_") {
			continue // the collector sets differ by design
		}
		a, aNames := distValues(neMF)
		b, bNames := distValues(mf)
		c, _ := distValues(after[name])
		if an, bn := signatures(aNames), signatures(bNames); an != bn {
			structural = append(structural, fmt.Sprintf("%s: label names %s, node_exporter %s", name, bn, an))
			continue
		}
		for k := range a {
			if _, ok := b[k]; !ok {
				values = append(values, fmt.Sprintf("%s{%s}: exported by node_exporter only", name, k))
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				values = append(values, fmt.Sprintf("%s{%s}: exported by perfwatch-exporter only", name, k))
			}
		}
		rule := ruleFor(name, mf.GetType())
		compared[rule]++
		for k, vb := range b {
			va, ok := a[k]
			if !ok {
				continue
			}
			if msg := agree(rule, va, vb, c[k], memTotal); msg != "" {
				values = append(values, fmt.Sprintf("%s{%s}: %s (node_exporter %v then %v, perfwatch-exporter %v)", name, k, msg, va, c[k], vb))
			}
		}
	}
	sort.Strings(neOnly)
	sort.Strings(pwOnly)
	t.Logf("node_exporter only, by design: %s", strings.Join(neOnly, "; "))
	t.Logf("perfwatch-exporter only: %s", strings.Join(pwOnly, ", "))
	t.Logf("families compared: %d exactly, %d within the two reads, %d within 2 %%, %d by names and labels only",
		compared[ruleExact], compared[ruleBetween], compared[ruleClose], compared[ruleSkip])
	return structural, values
}

// agree returns why vb disagrees with va and vc under rule, or "".
func agree(rule valueRule, va, vb, vc, memTotal float64) string {
	lo, hi := math.Min(va, vc), math.Max(va, vc)
	between := vb >= lo-eps && vb <= hi+eps
	switch rule {
	case ruleBetween:
		if !between {
			return "not between the two node_exporter readings"
		}
	case ruleClose:
		base := math.Max(math.Abs(va), 0.01*memTotal)
		if !between && math.Abs(vb-va) > 0.02*base {
			return "differs by more than 2 %"
		}
	case ruleExact:
		if va != vb || vc != vb {
			return "not equal"
		}
	}
	return ""
}

// distValues is familyValues for every metric type: a histogram's or
// summary's sum, count, buckets and quantiles become series of their own.
func distValues(mf *dto.MetricFamily) (series, [][]string) {
	switch mf.GetType() {
	case dto.MetricType_HISTOGRAM, dto.MetricType_SUMMARY:
	default:
		return familyValues(mf)
	}
	out := series{}
	var labelNames [][]string
	for _, m := range mf.GetMetric() {
		var names, pairs []string
		for _, lp := range m.GetLabel() {
			names = append(names, lp.GetName())
			pairs = append(pairs, lp.GetName()+"="+lp.GetValue())
		}
		sort.Strings(names)
		sort.Strings(pairs)
		labelNames = append(labelNames, names)
		key := strings.Join(pairs, ",")
		if h := m.GetHistogram(); h != nil {
			out[key+",sum"] = h.GetSampleSum()
			out[key+",count"] = float64(h.GetSampleCount())
			for _, b := range h.GetBucket() {
				out[fmt.Sprintf("%s,le=%v", key, b.GetUpperBound())] = float64(b.GetCumulativeCount())
			}
		}
		if s := m.GetSummary(); s != nil {
			out[key+",sum"] = s.GetSampleSum()
			out[key+",count"] = float64(s.GetSampleCount())
			for _, q := range s.GetQuantile() {
				out[fmt.Sprintf("%s,quantile=%v", key, q.GetQuantile())] = q.GetValue()
			}
		}
	}
	return out, labelNames
}
