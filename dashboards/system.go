package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/perfwatch/perfwatch/internal/hostquery"
)

// Selectors of the system dashboard. The filesystems shown are the ones the host rules
// alert on (internal/hostquery): pseudo, memory-backed and network filesystems are left
// out, as the node mixin does.
const (
	nodeSel = `job=~"$job", instance=~"$instance"`
	fsSel   = nodeSel + `, ` + hostquery.FilesystemMatchers
)

// system is the host view: CPU, memory, disk per mountpoint, load, network and the
// watched application processes, from perfwatch-exporter or node_exporter.
func system() (dashboard.Dashboard, error) {
	// Busy CPU as HostCPUHighUsage's recording rule computes it: idle, iowait and steal
	// count as idle.
	cpuUsage := hostquery.CPUBusy(nodeSel, "$__rate_interval")
	memUsage := `1 - node_memory_MemAvailable_bytes{` + nodeSel + `} / node_memory_MemTotal_bytes{` + nodeSel + `}`
	diskUsage := `1 - node_filesystem_avail_bytes{` + fsSel + `} / node_filesystem_size_bytes{` + fsSel + `}`
	cores := `count by (instance) (node_cpu_seconds_total{` + nodeSel + `, mode="idle"})`
	usage := []dashboard.Threshold{step(nil, "green"), step(num(0.7), "orange"), step(num(0.8), "red")}
	return newDashboard(UIDSystem, "perfwatch / System health",
		"The hosts the services run on: CPU, memory, disks, load, network and the watched processes. Utilisation turns red at the 80 % alert threshold.",
		"node_cpu_seconds_total").
		WithRow(row("Utilisation")).
		WithPanel(singleStat("CPU", "Share of CPU time busy (not idle, iowait or steal, as HostCPUHighUsage counts it), averaged over cores; the highest host shown.", "percentunit", 6,
			query(`max(`+cpuUsage+`)`, "cpu"), usage...)).
		WithPanel(singleStat("Memory", "Share of memory not available to new work (1 - MemAvailable/MemTotal); the highest host shown.", "percentunit", 6,
			query(`max(`+memUsage+`)`, "memory"), usage...)).
		WithPanel(singleStat("Fullest disk", "Usage of the fullest filesystem (1 - avail/size, as an unprivileged user sees it).", "percentunit", 6,
			query(`max(`+diskUsage+`)`, "disk"), usage...)).
		WithPanel(singleStat("Load per core", "One-minute load average divided by the number of cores; above 1 means work waits.", "short", 6,
			query(`max(node_load1{`+nodeSel+`} / on (instance) `+cores+`)`, "load"),
			step(nil, "green"), step(num(1), "orange"), step(num(2), "red"))).
		WithRow(row("CPU and memory")).
		WithPanel(stacked("CPU by mode", "CPU time per mode as a share of all cores (idle left out). iowait and steal are drawn but count as idle in the CPU usage panels and HostCPUHighUsage.", "percentunit", 12, 8,
			query(`sum by (instance, mode) (rate(node_cpu_seconds_total{`+nodeSel+`, mode!="idle"}[$__rate_interval])) / on (instance) group_left `+cores, "{{instance}} {{mode}}"))).
		WithPanel(timeSeries("CPU and memory usage", "CPU (not idle, iowait or steal) and memory utilisation per host, as the host alerts compute them.", "percentunit", 12, 8,
			query(cpuUsage, "{{instance}} cpu"), query(memUsage, "{{instance}} memory")).Max(1).Min(0)).
		WithPanel(stacked("Memory by use", "Memory in use, in page cache and buffers, and available, in bytes.", "bytes", 12, 8,
			query(`node_memory_MemTotal_bytes{`+nodeSel+`} - node_memory_MemAvailable_bytes{`+nodeSel+`}`, "{{instance}} used"),
			query(`node_memory_Cached_bytes{`+nodeSel+`} + node_memory_Buffers_bytes{`+nodeSel+`}`, "{{instance}} cache and buffers"),
			query(`node_memory_MemFree_bytes{`+nodeSel+`}`, "{{instance}} free"))).
		WithPanel(timeSeries("Swap used", "Swap in use, in bytes.", "bytes", 12, 8,
			query(`node_memory_SwapTotal_bytes{`+nodeSel+`} - node_memory_SwapFree_bytes{`+nodeSel+`}`, "{{instance}}"))).
		WithRow(row("Disks")).
		WithPanel(timeSeries("Disk usage by mountpoint", "Share of each filesystem in use.", "percentunit", 12, 8,
			query(diskUsage, "{{instance}} {{mountpoint}}")).Max(1).Min(0)).
		WithPanel(timeSeries("Free space in 24 h", "Available bytes each filesystem will have in 24 hours at the rate of the last 6 hours (predict_linear).", "bytes", 12, 8,
			query(`predict_linear(node_filesystem_avail_bytes{`+fsSel+`}[6h], 24 * 3600)`, "{{instance}} {{mountpoint}}"))).
		WithPanel(tableOf("Time until full", "Filesystems that are filling up, with the time left at the rate of the last 6 hours. Empty when none is filling.", 24, 6,
			map[string]string{"mountpoint": "Mountpoint", "Value": "time left"},
			instant("A", `(node_filesystem_avail_bytes{`+fsSel+`} / -deriv(node_filesystem_avail_bytes{`+fsSel+`}[6h])) > 0`)).
			Unit("s")).
		WithRow(row("Load and network")).
		WithPanel(timeSeries("Load average", "Load averages over 1, 5 and 15 minutes.", "short", 12, 8,
			query(`node_load1{`+nodeSel+`}`, "{{instance}} 1m"),
			query(`node_load5{`+nodeSel+`}`, "{{instance}} 5m"),
			query(`node_load15{`+nodeSel+`}`, "{{instance}} 15m"))).
		WithPanel(timeSeries("Network traffic", "Bytes per second received (positive) and sent, per device; loopback left out.", "Bps", 12, 8,
			query(`rate(node_network_receive_bytes_total{`+nodeSel+`, device!="lo"}[$__rate_interval])`, "{{instance}} {{device}} in"),
			query(`rate(node_network_transmit_bytes_total{`+nodeSel+`, device!="lo"}[$__rate_interval])`, "{{instance}} {{device}} out"))).
		WithPanel(timeSeries("Network errors and drops", "Receive and transmit errors and dropped packets per second, over all devices.", "pps", 24, 6,
			query(`sum by (instance) (rate(node_network_receive_errs_total{`+nodeSel+`}[$__rate_interval]) + rate(node_network_transmit_errs_total{`+nodeSel+`}[$__rate_interval]))`, "{{instance}} errors"),
			query(`sum by (instance) (rate(node_network_receive_drop_total{`+nodeSel+`}[$__rate_interval]) + rate(node_network_transmit_drop_total{`+nodeSel+`}[$__rate_interval]))`, "{{instance}} drops"))).
		WithRow(row("Watched processes")).
		WithPanel(timeSeries("Process CPU", "CPU seconds per second of each watched process (perfwatch-exporter's process collector).", "percentunit", 12, 8,
			query(`rate(perfwatch_process_cpu_seconds_total{`+nodeSel+`}[$__rate_interval])`, "{{name}}"))).
		WithPanel(timeSeries("Process memory", "Resident memory of each watched process.", "bytes", 12, 8,
			query(`perfwatch_process_resident_memory_bytes{`+nodeSel+`}`, "{{name}}"))).
		WithPanel(timeSeries("Process open files", "Open file descriptors of each watched process.", "short", 8, 7,
			query(`perfwatch_process_open_fds{`+nodeSel+`}`, "{{name}}"))).
		WithPanel(timeSeries("Process threads", "Threads of each watched process.", "short", 8, 7,
			query(`perfwatch_process_threads{`+nodeSel+`}`, "{{name}}"))).
		WithPanel(timeSeries("Process instances", "How many processes match each watched name; 0 means it is not running.", "short", 8, 7,
			query(`perfwatch_process_instances{`+nodeSel+`}`, "{{name}}"))).
		Build()
}
