package exporter

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"time"
)

// Collector reads one part of the host's state. Collectors are called by one
// scrape at a time (the Exporter serialises them), so they may keep buffers
// and previous values between calls without locking.
type Collector interface {
	// Update appends the collector's samples to b. An error marks the
	// collector as failed for this scrape; samples already added are kept.
	Update(ctx context.Context, b *Batch) error
	// Descs lists every family the collector can emit, for documentation
	// checks and conformance tests.
	Descs() []*Desc
}

// Config holds everything collectors need, so that no collector reads flags
// or global state.
type Config struct {
	// ProcFS, SysFS and RootFS are the mount points of the host's /proc, /sys
	// and /, which differ when the exporter runs in a container.
	ProcFS string
	SysFS  string
	RootFS string

	Filesystem FilesystemConfig
	NetDev     NetDevConfig
	NetClass   NetClassConfig
	Netstat    NetstatConfig
	Diskstats  DiskstatsConfig
	Vmstat     VmstatConfig
	Textfile   TextfileConfig
	// Processes are the watched application processes.
	Processes []ProcessConfig

	Logger *slog.Logger
}

// FilesystemConfig selects mounts and bounds how long statfs may take.
type FilesystemConfig struct {
	MountPointsExclude *regexp.Regexp
	FSTypesExclude     *regexp.Regexp
	// MountTimeout bounds each statfs call; a mount that does not answer in
	// time is reported with device_error=1 and skipped until it answers.
	MountTimeout time.Duration
	// statfs replaces unix.Statfs in tests (to simulate a hung mount).
	statfs statfsFunc
}

// NetDevConfig selects network devices. Include, when set, wins over Exclude.
type NetDevConfig struct {
	DeviceInclude *regexp.Regexp
	DeviceExclude *regexp.Regexp
}

// Defaults from node_exporter 1.12, so that both exporters pick the same
// mounts out of the box.
const (
	DefaultMountPointsExclude = `^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`
	DefaultFSTypesExclude     = `^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$`
	DefaultMountTimeout       = 500 * time.Millisecond
)

// DefaultConfig returns a configuration for the local host with
// node_exporter's default exclusions.
func DefaultConfig() Config {
	return Config{
		ProcFS: "/proc",
		SysFS:  "/sys",
		RootFS: "/",
		Filesystem: FilesystemConfig{
			MountPointsExclude: regexp.MustCompile(DefaultMountPointsExclude),
			FSTypesExclude:     regexp.MustCompile(DefaultFSTypesExclude),
			MountTimeout:       DefaultMountTimeout,
		},
		NetClass: NetClassConfig{IgnoredDevices: regexp.MustCompile(DefaultNetClassIgnoredDevices)},
		Logger:   slog.New(slog.DiscardHandler),
	}
}

// Factory builds one named collector.
type Factory struct {
	Name           string
	DefaultEnabled bool
	Help           string
	New            func(Config) (Collector, error)
}

// Factories returns the available collectors in a fixed order. It builds a
// new slice each call so that nothing shared can be modified.
func Factories() []Factory {
	return []Factory{
		{"arp", true, "ARP entries per device from /proc/net/arp.", newARPCollector},
		{"bonding", true, "Slaves and active slaves per bond from /sys/class/net (nothing without the bonding driver).", newBondingCollector},
		{"conntrack", true, "Connection tracking table size from /proc/sys/net/netfilter and statistics from /proc/net/stat/nf_conntrack (nothing when nf_conntrack is not loaded).", newConntrackCollector},
		{"cpu", true, "CPU time per CPU and mode from /proc/stat.", newCPUCollector},
		{"cpufreq", true, "CPU frequency and governor per CPU from /sys/devices/system/cpu/cpuN/cpufreq (nothing on hosts without cpufreq).", newCPUFreqCollector},
		{"diskstats", true, "Disk I/O statistics from /proc/diskstats; node_disk_info from udev.", newDiskstatsCollector},
		{"entropy", true, "Available entropy and pool size from /proc/sys/kernel/random.", newEntropyCollector},
		{"filefd", true, "Allocated and maximum file descriptors from /proc/sys/fs/file-nr.", newFilefdCollector},
		{"mdadm", true, "Software RAID arrays from /proc/mdstat and /sys/block/md*/md (nothing without the md driver).", newMdadmCollector},
		{"meminfo", true, "Memory statistics from /proc/meminfo.", newMeminfoCollector},
		{"filesystem", true, "Filesystem size, free space and inodes via statfs.", newFilesystemCollector},
		{"hwmon", true, "Hardware sensors (temperature, fans, voltage, current, power, energy, humidity) from /sys/class/hwmon (nothing when absent).", newHwmonCollector},
		{"kernel_hung", true, "Tasks the kernel detected as hung, from /proc/sys/kernel/hung_task_detect_count (nothing on kernels without it).", newKernelHungCollector},
		{"loadavg", true, "Load averages from /proc/loadavg.", newLoadavgCollector},
		{"netdev", true, "Network device counters from /proc/net/dev.", newNetDevCollector},
		{"netclass", true, "Network device properties from /sys/class/net (node_network_info, up, speed, carrier, MTU and the others).", newNetClassCollector},
		{"os", true, "Operating system release from os-release(5): node_os_info, node_os_version.", newOSCollector},
		{"netstat", true, "Network statistics from /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6.", newNetstatCollector},
		{"powersupplyclass", true, "Power supply and battery state from /sys/class/power_supply (nothing when absent).", newPowerSupplyClassCollector},
		{"pressure", true, "Pressure stall information from /proc/pressure (nothing when the kernel has none).", newPressureCollector},
		{"process", true, "Watched application processes named in --config.file.", newProcessCollector},
		{"schedstat", true, "Per-CPU scheduler run time, wait time and timeslices from /proc/schedstat (nothing without CONFIG_SCHEDSTATS).", newSchedstatCollector},
		{"selinux", true, "SELinux state from selinuxfs and /etc/selinux/config.", newSelinuxCollector},
		{"sockstat", true, "Socket statistics from /proc/net/sockstat and /proc/net/sockstat6.", newSockstatCollector},
		{"softnet", true, "Per-CPU softirq network statistics from /proc/net/softnet_stat.", newSoftnetCollector},
		{"stat", true, "Boot time, context switches, forks, interrupts and process counts from /proc/stat.", newStatCollector},
		{"textfile", true, "Metrics from *.prom files in --collector.textfile.directory (node_exporter's text file format).", newTextfileCollector},
		{"thermal_zone", true, "Thermal zone temperatures and cooling device states from /sys/class/thermal (nothing when absent).", newThermalZoneCollector},
		{"time", true, "System time, time zone offset and clocksources (from sysfs).", newTimeCollector},
		{"timex", true, "Kernel clock discipline state from adjtimex(2) (read-only): offset, frequency, errors, PPS, sync status.", newTimexCollector},
		{"udp_queues", true, "Bytes queued for UDP sockets from /proc/net/udp and udp6.", newUDPQueuesCollector},
		{"uname", true, "System information from uname(2): node_uname_info.", newUnameCollector},
		{"vmstat", true, "Selected /proc/vmstat fields (node_exporter's default --collector.vmstat.fields).", newVmstatCollector},
	}
}

// NewCollectors builds the named collectors, in Factories order.
func NewCollectors(cfg Config, enabled map[string]bool) ([]NamedCollector, error) {
	var out []NamedCollector
	for _, f := range Factories() {
		if !enabled[f.Name] {
			continue
		}
		c, err := f.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("create collector %s: %w", f.Name, err)
		}
		out = append(out, NamedCollector{Name: f.Name, Collector: c})
	}
	for name := range enabled {
		if !knownCollector(name) {
			return nil, fmt.Errorf("unknown collector %q", name)
		}
	}
	return out, nil
}

// NamedCollector pairs a collector with the name used in flags and in the
// collector label.
type NamedCollector struct {
	Name      string
	Collector Collector
}

func knownCollector(name string) bool {
	for _, f := range Factories() {
		if f.Name == name {
			return true
		}
	}
	return false
}
