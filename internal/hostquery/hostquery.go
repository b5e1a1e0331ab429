// Package hostquery holds the host expressions that the rule generator (rules/rulegen)
// and the System dashboard (dashboards) must agree on: what counts as busy CPU and
// which filesystems are left out. Both import it, so an alert and the panel an operator
// opens from it show the same number.
package hostquery

import (
	"fmt"
	"strings"
)

// IdleCPUModes are the node_cpu_seconds_total modes counted as idle, as node_exporter's
// mixin counts them: a CPU waiting for I/O (iowait) or for the hypervisor (steal) is not
// doing this host's work, and iowait is not even attributable to one CPU.
const IdleCPUModes = "idle|iowait|steal"

// ExcludedFSTypes are the filesystem types left out of filesystem usage, alerts and
// panels alike: memory-backed (tmpfs, ramfs, devtmpfs), read-only images (squashfs),
// namespace and container layers (nsfs, overlay), FUSE, and network filesystems, whose
// usage is not this host's disk and flaps.
const ExcludedFSTypes = "tmpfs|ramfs|devtmpfs|squashfs|nsfs|overlay|fuse.*|nfs.*|cifs|smb.*|9p|ceph|glusterfs|afs"

// FilesystemMatchers selects the filesystems watched: not of an excluded type and with a
// mountpoint (node-mixin's fsSelector and fsMountpointSelector, with the exclusions above).
const FilesystemMatchers = `fstype!~"` + ExcludedFSTypes + `", mountpoint!=""`

// CPUBusy is the share of CPU time that is busy per instance over window, averaged over
// the instance's CPUs: 1 minus the time spent in IdleCPUModes. selector holds extra label
// matchers without braces (may be empty); window is a PromQL duration or a Grafana
// variable such as $__rate_interval. The result keeps every label but cpu and mode.
func CPUBusy(selector, window string) string {
	return fmt.Sprintf("1 - avg without (cpu) (\n  sum without (mode) (rate(node_cpu_seconds_total{%s}[%s]))\n)",
		join(selector, `mode=~"`+IdleCPUModes+`"`), window)
}

func join(matchers ...string) string {
	var out []string
	for _, m := range matchers {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}
