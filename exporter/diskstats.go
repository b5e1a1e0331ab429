package exporter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"golang.org/x/sys/unix"
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
	path    string
	file    fileBuffer
	devices map[string]*diskDevice
	include *regexp.Regexp
	exclude *regexp.Regexp
	udevDir string
	info    *Desc
	// stats follow the order of the /proc/diskstats columns after the
	// device name; a kernel that reports fewer columns gets fewer families.
	stats []*Desc
}

func newDiskstatsCollector(cfg Config) (Collector, error) {
	c := func(name, help string) *Desc { return NewDesc("node_disk_"+name, help, Counter, "device") }
	include, exclude := cfg.Diskstats.DeviceInclude, cfg.Diskstats.DeviceExclude
	if include == nil && exclude == nil {
		exclude = regexp.MustCompile(DefaultDiskstatsDeviceExclude)
	}
	return &diskstatsCollector{
		path:    filepath.Join(cfg.ProcFS, "diskstats"),
		devices: map[string]*diskDevice{},
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
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("read /proc/diskstats: %w", err)
	}
	var errs []error
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		raw := line
		var fmajor, fminor, name []byte
		fmajor, line = nextField(line)
		fminor, line = nextField(line)
		name, line = nextField(line)
		_, errMajor := parseUint(fmajor)
		_, errMinor := parseUint(fminor)
		ok := errMajor == nil && errMinor == nil && len(name) > 0
		var vals [len(diskstatsScale)]uint64
		n := 0
		for ok && n < len(vals) {
			var f []byte
			if f, line = nextField(line); len(f) == 0 {
				break
			}
			vals[n], err = parseUint(f)
			ok = err == nil
			n++
		}
		if !ok || n < 11 {
			errs = append(errs, fmt.Errorf("%s: bad line %q", c.path, truncate(raw)))
			continue
		}
		d := c.device(name, fmajor, fminor)
		if !d.keep {
			continue
		}
		u := c.udev(d)
		b.Add(c.info, 1, d.name, d.major, d.minor, u[0], u[1], u[2], u[3], u[4])
		// Kernels before 4.18 have 11 columns, before 5.5 15, later 17 (or
		// more, which are ignored): the families of missing columns are
		// left out.
		for i := 0; i < n; i++ {
			b.Add(c.stats[i], float64(vals[i])*diskstatsScale[i], d.name)
		}
	}
	return errors.Join(errs...)
}

// diskstatsScale turns each /proc/diskstats column after the device name into
// node_exporter's unit: sectors to bytes (except discarded sectors, which
// node_exporter exports as sectors), milliseconds to seconds.
var diskstatsScale = [...]float64{
	1, 1, diskSectorSize, diskSecondsPerTick, // reads
	1, 1, diskSectorSize, diskSecondsPerTick, // writes
	1, diskSecondsPerTick, diskSecondsPerTick, // in progress, io time, weighted
	1, 1, 1, diskSecondsPerTick, // discards
	1, diskSecondsPerTick, // flushes
}

// diskDevice caches what does not change between scrapes for one device:
// its name and numbers as strings, the include/exclude decision, and its
// udev labels with the identity of the udev file they were read from.
type diskDevice struct {
	name, major, minor string
	keep               bool
	udevPath           string
	udevKey            [4]int64 // inode, size, mtime (ns), 1 when the file existed
	udevLabels         [5]string
	udevRead           bool
}

func (c *diskstatsCollector) device(name, major, minor []byte) *diskDevice {
	if d, ok := c.devices[string(name)]; ok && d.major == string(major) && d.minor == string(minor) {
		return d
	}
	n := labelSafe(string(name))
	d := &diskDevice{
		name: n, major: string(major), minor: string(minor),
		keep:     (c.include != nil && c.include.MatchString(n)) || (c.include == nil && !c.exclude.MatchString(n)),
		udevPath: filepath.Join(c.udevDir, "b"+string(major)+":"+string(minor)),
	}
	if len(c.devices) >= 4096 { // devices come and go; bound the cache
		clear(c.devices)
	}
	c.devices[n] = d
	return d
}

// udev returns the device's ID_PATH, ID_WWN, ID_MODEL, ID_SERIAL_SHORT and
// ID_REVISION. The database file is re-read only when stat says it changed
// (udev replaces it by rename), which costs a stat instead of a read and a
// parse per device per scrape.
func (c *diskstatsCollector) udev(d *diskDevice) [5]string {
	var st unix.Stat_t
	var key [4]int64
	if unix.Stat(d.udevPath, &st) == nil {
		key = [4]int64{int64(st.Ino), st.Size, st.Mtim.Nano(), 1}
	}
	if d.udevRead && key == d.udevKey {
		return d.udevLabels
	}
	u := readUdevProperties(d.udevPath)
	d.udevLabels = [5]string{u["ID_PATH"], u["ID_WWN"], u["ID_MODEL"], u["ID_SERIAL_SHORT"], u["ID_REVISION"]}
	d.udevKey, d.udevRead = key, true
	return d.udevLabels
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
