package exporter

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/prometheus/procfs/blockdevice"
)

// DefaultDiskstatsDeviceExclude is node_exporter's default
// --collector.diskstats.device-exclude (1.6 and later; 1.5's
// ignored-devices lacked the z? and so kept zram devices): partitions,
// RAM disks, loop and floppy devices.
const DefaultDiskstatsDeviceExclude = `^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`

const (
	diskSecondsPerTick = 1.0 / 1000.0
	// /proc/diskstats counts 512-byte sectors whatever the device's
	// sector size (as node_exporter's unixSectorSize).
	diskSectorSize = 512.0
)

// DiskstatsConfig selects block devices. Include, when set, wins over Exclude;
// both nil means DefaultDiskstatsDeviceExclude.
type DiskstatsConfig struct {
	DeviceInclude *regexp.Regexp
	DeviceExclude *regexp.Regexp
}

// diskstatsCollector exports node_exporter's diskstats families from
// /proc/diskstats, and node_disk_info with the udev properties from
// <rootfs>/run/udev/data.
type diskstatsCollector struct {
	fs      blockdevice.FS
	include *regexp.Regexp
	exclude *regexp.Regexp
	udevDir string
	info    *Desc
	// stats follow the order of the /proc/diskstats columns after the
	// device name; a kernel that reports fewer columns gets fewer families.
	stats []*Desc
}

func newDiskstatsCollector(cfg Config) (Collector, error) {
	fs, err := blockdevice.NewFS(cfg.ProcFS, cfg.SysFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	c := func(name, help string) *Desc { return NewDesc("node_disk_"+name, help, Counter, "device") }
	include, exclude := cfg.Diskstats.DeviceInclude, cfg.Diskstats.DeviceExclude
	if include == nil && exclude == nil {
		exclude = regexp.MustCompile(DefaultDiskstatsDeviceExclude)
	}
	return &diskstatsCollector{
		fs:      fs,
		include: include,
		exclude: exclude,
		udevDir: filepath.Join(cfg.RootFS, "run", "udev", "data"),
		info: NewDesc("node_disk_info", "Info of /sys/block/<block_device>.", Gauge,
			"device", "major", "minor", "path", "wwn", "model", "serial", "revision"),
		stats: []*Desc{
			c("reads_completed_total", "The total number of reads completed successfully."),
			c("reads_merged_total", "The total number of reads merged."),
			c("read_bytes_total", "The total number of bytes read successfully."),
			c("read_time_seconds_total", "The total number of seconds spent by all reads."),
			c("writes_completed_total", "The total number of writes completed successfully."),
			c("writes_merged_total", "The number of writes merged."),
			c("written_bytes_total", "The total number of bytes written successfully."),
			c("write_time_seconds_total", "This is the total number of seconds spent by all writes."),
			NewDesc("node_disk_io_now", "The number of I/Os currently in progress.", Gauge, "device"),
			c("io_time_seconds_total", "Total seconds spent doing I/Os."),
			c("io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os."),
			c("discards_completed_total", "The total number of discards completed successfully."),
			c("discards_merged_total", "The total number of discards merged."),
			c("discarded_sectors_total", "The total number of sectors discarded successfully."),
			c("discard_time_seconds_total", "This is the total number of seconds spent by all discards."),
			c("flush_requests_total", "The total number of flush requests completed successfully"),
			c("flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests."),
		},
	}, nil
}

func (c *diskstatsCollector) Descs() []*Desc {
	return append([]*Desc{c.info}, c.stats...)
}

func (c *diskstatsCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	disks, err := c.fs.ProcDiskstats()
	if err != nil {
		return fmt.Errorf("read /proc/diskstats: %w", err)
	}
	for _, d := range disks {
		dev := d.DeviceName
		if (c.include != nil && !c.include.MatchString(dev)) || (c.include == nil && c.exclude.MatchString(dev)) {
			continue
		}
		major := strconv.FormatUint(uint64(d.MajorNumber), 10)
		minor := strconv.FormatUint(uint64(d.MinorNumber), 10)
		u := readUdevProperties(filepath.Join(c.udevDir, "b"+major+":"+minor))
		b.Add(c.info, 1, dev, major, minor, u["ID_PATH"], u["ID_WWN"], u["ID_MODEL"], u["ID_SERIAL_SHORT"], u["ID_REVISION"])
		vals := [...]float64{
			float64(d.ReadIOs), float64(d.ReadMerges), float64(d.ReadSectors) * diskSectorSize, float64(d.ReadTicks) * diskSecondsPerTick,
			float64(d.WriteIOs), float64(d.WriteMerges), float64(d.WriteSectors) * diskSectorSize, float64(d.WriteTicks) * diskSecondsPerTick,
			float64(d.IOsInProgress), float64(d.IOsTotalTicks) * diskSecondsPerTick, float64(d.WeightedIOTicks) * diskSecondsPerTick,
			float64(d.DiscardIOs), float64(d.DiscardMerges), float64(d.DiscardSectors), float64(d.DiscardTicks) * diskSecondsPerTick,
			float64(d.FlushRequestsCompleted), float64(d.TimeSpentFlushing) * diskSecondsPerTick,
		}
		// IoStatsCount includes major, minor and name.
		n := min(d.IoStatsCount-3, len(vals))
		for i := 0; i < n; i++ {
			b.Add(c.stats[i], vals[i], dev)
		}
	}
	return nil
}

// readUdevProperties reads the E: lines of a udev database file; a missing
// file gives no properties (node_disk_info then has empty labels, as in
// node_exporter).
func readUdevProperties(path string) map[string]string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	props := map[string]string{}
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		line, ok := bytes.CutPrefix(s.Bytes(), []byte("E:"))
		if !ok {
			continue
		}
		if k, v, ok := bytes.Cut(line, []byte("=")); ok {
			props[string(k)] = string(v)
		}
	}
	return props
}
