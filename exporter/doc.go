// Package exporter collects host metrics (CPU, memory, filesystems, load,
// network devices and watched processes) and renders them in the Prometheus
// text exposition format.
//
// Series shared with node_exporter keep its names, types and labels so that
// rules and dashboards work with either exporter. The hot path avoids the
// client_golang registry: collectors append samples to a reusable Batch with
// descriptors built once, and the Batch is written as text directly, because
// gathering through DTOs was the dominant cost per scrape (see
// docs/benchmarks.md).
package exporter
