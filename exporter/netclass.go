package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"golang.org/x/sys/unix"
)

// DefaultNetClassIgnoredDevices is node_exporter's default
// --collector.netclass.ignored-devices: it ignores nothing.
const DefaultNetClassIgnoredDevices = `^$`

// NetClassConfig selects the devices of the netclass collector.
type NetClassConfig struct {
	// IgnoredDevices, when set, drops the devices whose name it matches.
	IgnoredDevices *regexp.Regexp
}

// netclassProps are node_exporter 1.5's numeric netclass properties, each
// exported as node_network_<name> with help "Network device property: <name>"
// from the attribute file /sys/class/net/<device>/<attr>. An attribute the
// kernel refuses to give (EINVAL on a down link's speed, lo's duplex) gives
// no series, as in node_exporter; one that does not parse as an integer
// (empty, garbage, out of range) gives 0, as procfs's ValueParser.PInt64
// returns a pointer to 0 then.
var netclassProps = [...]struct {
	name string
	typ  MetricType
	attr string
}{
	{"address_assign_type", Gauge, "addr_assign_type"},
	{"carrier", Gauge, "carrier"},
	{"carrier_changes_total", Counter, "carrier_changes"},
	{"carrier_up_changes_total", Counter, "carrier_up_count"},
	{"carrier_down_changes_total", Counter, "carrier_down_count"},
	{"device_id", Gauge, "dev_id"},
	{"dormant", Gauge, "dormant"},
	{"flags", Gauge, "flags"},
	{"iface_id", Gauge, "ifindex"},
	{"iface_link", Gauge, "iflink"},
	{"iface_link_mode", Gauge, "link_mode"},
	{"mtu_bytes", Gauge, "mtu"},
	{"name_assign_type", Gauge, "name_assign_type"},
	{"net_dev_group", Gauge, "netdev_group"},
	{"speed_bytes", Gauge, "speed"}, // Mbit/s in sysfs, see netclassSpeedBytes
	{"transmit_queue_length", Gauge, "tx_queue_len"},
	{"protocol_type", Gauge, "type"},
}

// netclassAttrs are the attribute files read per device: netclassProps'
// then the string attributes, in node_network_info's label order after
// device.
var netclassAttrs = func() (a [len(netclassProps) + ncStrings]string) {
	for i, p := range netclassProps {
		a[i] = p.attr
	}
	copy(a[len(netclassProps):], []string{"address", "broadcast", "duplex", "ifalias", "operstate"})
	return a
}()

// Indexes in netclassAttrs of the string attributes.
const (
	ncAddress = len(netclassProps) + iota
	ncBroadcast
	ncDuplex
	ncIfAlias
	ncOperState
	ncStrings = ncOperState - len(netclassProps) + 1
)

// netclassReadSize is procfs's SysReadFile buffer: it takes what one read of
// at most 128 bytes gives, so a longer ifalias is cut at 128 bytes there too.
const netclassReadSize = 128

// netclassMaxHeldDevices bounds the devices whose attribute files stay open
// between scrapes, len(netclassAttrs) descriptors each; the others are
// opened and closed every scrape.
const netclassMaxHeldDevices = 16

// netclassSpeedBytes converts speed from Mbit/s to bytes/s; -1 (unknown
// speed) gives -125000 as in node_exporter without
// --collector.netclass.ignore-invalid-speed.
func netclassSpeedBytes(mbits int64) int64 { return mbits * 1000 * 1000 / 8 }

// netclassCollector exports node_exporter's netclass collector from
// /sys/class/net/<device>/<attribute>. It lists /sys/class/net once per
// scrape and reads only the attributes it exports, where procfs reads every
// file of every device directory.
//
// On sysfs it keeps each device's attribute files open and rereads them with
// pread at offset 0, which regenerates a sysfs attribute and costs a tenth
// of open, read and close. A held device is identified by its directory's
// inode, checked with one stat of /sys/class/net/<device> per scrape: a
// device removed, re-added or renamed (another device now at the name) has
// another inode, and its files are closed and opened again; a read of a
// removed device's file gives ENODEV, which does the same. Devices no longer
// listed are closed. Other trees (fixtures, --path.sysfs on a copy) are read
// with open, read and close every scrape, as a held file replaced by rename
// would be read stale.
type netclassCollector struct {
	sysFS    string
	rootOK   bool // sysFS was a directory once, as sysfs.NewFS checked
	ignored  *regexp.Regexp
	up, info *Desc
	props    [len(netclassProps)]*Desc

	held      map[string]*netclassHeld
	noHold    bool // set after EMFILE or ENFILE: open and close from then on
	holdAnyFS bool // tests: hold files on any file system, not only sysfs
	pread     func(fd int, p []byte, off int64) (int, error)
	openat    func(dirfd int, path string, flags int, mode uint32) (int, error)

	// Per-device scratch, reused across devices and scrapes.
	buf  [len(netclassAttrs)][netclassReadSize]byte
	val  [len(netclassAttrs)][]byte
	have [len(netclassAttrs)]bool
}

// netclassHeld is a device whose attribute files are held open.
type netclassHeld struct {
	dev, ino uint64
	fds      [len(netclassAttrs)]int // -1: absent when opened, opened again each scrape
	seen     bool
}

func (h *netclassHeld) close() {
	for i, fd := range h.fds {
		if fd >= 0 {
			unix.Close(fd)
			h.fds[i] = -1
		}
	}
}

func newNetClassCollector(cfg Config) (Collector, error) {
	c := &netclassCollector{
		sysFS:   cfg.SysFS,
		ignored: cfg.NetClass.IgnoredDevices,
		up:      NewDesc("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", Gauge, "device"),
		info: NewDesc("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.", Gauge,
			"address", "broadcast", "device", "duplex", "ifalias", "operstate"),
		held:   map[string]*netclassHeld{},
		pread:  unix.Pread,
		openat: unix.Openat,
	}
	for i, p := range netclassProps {
		c.props[i] = NewDesc("node_network_"+p.name, "Network device property: "+p.name, p.typ, "device")
	}
	return c, nil
}

func (c *netclassCollector) Descs() []*Desc {
	return append([]*Desc{c.up, c.info}, c.props[:]...)
}

// Update reports every device under /sys/class/net not ignored, in name
// order. A missing or unreadable /sys/class/net gives no series and no error
// (node_exporter's ErrNoData); a device that vanishes between listing and
// reading is skipped; a device with an attribute that fails other than as
// the kernel's "no such attribute" errors gives no series and an error.
func (c *netclassCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !c.rootOK {
		// As sysfs.NewFS: a missing sysfs mount point is an error, unlike a
		// missing class/net under it.
		info, err := os.Stat(c.sysFS)
		if err != nil {
			return fmt.Errorf("open sysfs %s: could not read %q: %w", c.sysFS, c.sysFS, err)
		}
		if !info.IsDir() {
			return fmt.Errorf("open sysfs %s: mount point %q is not a directory", c.sysFS, c.sysFS)
		}
		c.rootOK = true
	}
	for _, h := range c.held {
		h.seen = false
	}
	defer c.closeUnseen()
	dir := filepath.Join(c.sysFS, "class", "net")
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil
		}
		return fmt.Errorf("read net class devices: cannot access dir %q: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		dev := e.Name()
		// Devices are symlinks; regular files (bonding_masters) are not.
		if e.Type().IsRegular() || (c.ignored != nil && c.ignored.MatchString(dev)) {
			continue
		}
		ok, err := c.readDevice(dir+"/"+dev, dev)
		if err != nil {
			errs = append(errs, fmt.Errorf("read net class of %s: %w", dev, err))
			continue
		}
		if !ok {
			continue
		}
		name := labelSafe(dev)
		up := 0.0
		if bytes.Equal(c.val[ncOperState], []byte("up")) {
			up = 1
		}
		b.Add(c.up, up, name)
		b.Add(c.info, 1, c.label(ncAddress), c.label(ncBroadcast), name, c.label(ncDuplex), c.label(ncIfAlias), c.label(ncOperState))
		for i, p := range netclassProps {
			if !c.have[i] {
				continue
			}
			v, _ := parseSysfsInt(c.val[i]) // 0 when it does not parse, as procfs
			if p.attr == "speed" {
				v = netclassSpeedBytes(v)
			}
			b.Add(c.props[i], float64(v), name)
		}
	}
	return errors.Join(errs...)
}

// label is string attribute i; absent is "", as in procfs.
func (c *netclassCollector) label(i int) string { return labelSafe(string(c.val[i])) }

// closeUnseen closes the held files of the devices not read this scrape.
func (c *netclassCollector) closeUnseen() {
	for dev, h := range c.held {
		if !h.seen {
			h.close()
			delete(c.held, dev)
		}
	}
}

// closeHeld closes every held file.
func (c *netclassCollector) closeHeld() {
	for dev, h := range c.held {
		h.close()
		delete(c.held, dev)
	}
}

// readDevice reads one device's attributes into c.val and c.have, from its
// held files if it has them and they are still the device's. It returns
// false without error when the device has gone.
func (c *netclassCollector) readDevice(path, dev string) (bool, error) {
	if h := c.held[dev]; h != nil {
		var st unix.Stat_t
		if unix.Stat(path, &st) == nil && st.Dev == h.dev && st.Ino == h.ino {
			h.seen = true
			stale, err := c.readHeld(h, path)
			if !stale {
				return err == nil, err
			}
		}
		h.close()
		delete(c.held, dev)
	}
	return c.readFresh(path, dev)
}

// readHeld rereads the held files of h. It returns stale when one of them
// belongs to a removed device (ENODEV).
func (c *netclassCollector) readHeld(h *netclassHeld, path string) (stale bool, err error) {
	for i, fd := range h.fds {
		if fd < 0 {
			// Absent when the device was opened: it may have appeared.
			if c.val[i], c.have[i], err = c.readPath(unix.AT_FDCWD, path+"/"+netclassAttrs[i], c.buf[i][:]); err != nil {
				return false, err
			}
			continue
		}
		var n int
		for {
			n, err = c.pread(fd, c.buf[i][:], 0)
			if err != unix.EINTR {
				break
			}
		}
		switch {
		case err == unix.ENODEV:
			return true, nil
		case err == nil:
			c.val[i], c.have[i] = bytes.TrimSpace(c.buf[i][:n]), true
		case netclassIgnorable(err) || err == unix.EISDIR:
			c.val[i], c.have[i] = nil, false
		default:
			return false, fmt.Errorf("failed to read file %q: %w", path+"/"+netclassAttrs[i], err)
		}
	}
	return false, nil
}

// readFresh opens the device's directory and reads its attributes, keeping
// them open when the tree is sysfs and the bound allows.
func (c *netclassCollector) readFresh(path, dev string) (bool, error) {
	var dfd int
	var err error
	for {
		dfd, err = unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		if err == unix.ENOENT {
			return false, nil
		}
		return false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(dfd)
	var h *netclassHeld
	if !c.noHold && len(c.held) < netclassMaxHeldDevices {
		var st unix.Stat_t
		var sfs unix.Statfs_t
		if unix.Fstat(dfd, &st) == nil && (c.holdAnyFS || unix.Fstatfs(dfd, &sfs) == nil && sfs.Type == unix.SYSFS_MAGIC) {
			h = &netclassHeld{dev: st.Dev, ino: st.Ino, seen: true}
			for i := range h.fds {
				h.fds[i] = -1
			}
		}
	}
	for i, attr := range netclassAttrs {
		var fd int
		fd, err = c.openAttr(dfd, attr)
		if err == nil && fd >= 0 && h != nil {
			h.fds[i] = fd
			c.val[i], c.have[i], err = c.readFD(fd, c.buf[i][:])
		} else if err == nil && fd >= 0 {
			c.val[i], c.have[i], err = c.readFD(fd, c.buf[i][:])
			unix.Close(fd)
		} else {
			c.val[i], c.have[i] = nil, false
		}
		if (err == unix.EMFILE || err == unix.ENFILE) && (h != nil || len(c.held) > 0) {
			// Out of descriptors: give back the held ones for good and read
			// this device again without holding.
			if h != nil {
				h.close()
			}
			c.closeHeld()
			c.noHold = true
			return c.readFresh(path, dev)
		}
		if err != nil {
			if h != nil {
				h.close()
			}
			return false, fmt.Errorf("failed to read file %q: %w", path+"/"+attr, err)
		}
	}
	if h != nil {
		c.held[dev] = h
	}
	return true, nil
}

// openAttr opens attribute name of the device directory dfd. An attribute
// that is absent, refused (netclassIgnorable) or not a regular file (procfs
// reads only the regular files of the directory listing) gives -1 and no
// error.
func (c *netclassCollector) openAttr(dfd int, name string) (int, error) {
	for {
		// O_NOFOLLOW: a symlink is not a regular file (ELOOP). O_NONBLOCK:
		// a FIFO in a fake tree must not block the scrape.
		fd, err := c.openat(dfd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err == nil:
			return fd, nil
		case netclassIgnorable(err) || err == unix.ELOOP || err == unix.ENXIO:
			return -1, nil
		default:
			return -1, err
		}
	}
}

// readFD reads fd with one read into buf, as procfs's SysReadFile, and
// returns it without the surrounding white space and true. An attribute the
// kernel refuses (netclassIgnorable) or a directory gives false and no
// error.
//
// fileBuffer.read would do but for two differences that matter on sysfs: it
// reads until EOF, a second read per file, and it would not cut a long
// ifalias at procfs's 128 bytes.
func (c *netclassCollector) readFD(fd int, buf []byte) ([]byte, bool, error) {
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == nil:
			return bytes.TrimSpace(buf[:n]), true, nil
		case netclassIgnorable(err) || err == unix.EISDIR:
			return nil, false, nil
		default:
			return nil, false, err
		}
	}
}

// readPath opens, reads and closes one attribute.
func (c *netclassCollector) readPath(dfd int, name string, buf []byte) ([]byte, bool, error) {
	fd, err := c.openAttr(dfd, name)
	if err != nil || fd < 0 {
		return nil, false, err
	}
	defer unix.Close(fd)
	return c.readFD(fd, buf)
}

// netclassIgnorable is procfs's canIgnoreError for the errors open and read
// give: attributes some kernels or devices do not have or refuse to give.
func netclassIgnorable(err error) bool {
	switch err {
	case unix.ENOENT, unix.EACCES, unix.EPERM, unix.EOPNOTSUPP, unix.ENODATA, unix.EINVAL:
		return true
	}
	return false
}

// parseSysfsInt parses as procfs's ValueParser.PInt64, strconv.ParseInt with
// base 0 (so dev_id's and flags' 0x prefix is hex, a leading 0 octal), with
// fast paths for the plain decimal and hex sysfs gives, to not allocate. It
// returns 0 and false when b does not parse.
func parseSysfsInt(b []byte) (int64, bool) {
	s := b
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	var v int64
	switch {
	case len(s) >= 3 && len(s) <= 17 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		for _, ch := range s[2:] {
			var d byte
			switch {
			case '0' <= ch && ch <= '9':
				d = ch - '0'
			case 'a' <= ch && ch <= 'f':
				d = ch - 'a' + 10
			case 'A' <= ch && ch <= 'F':
				d = ch - 'A' + 10
			default:
				return parseSysfsIntSlow(b)
			}
			v = v<<4 | int64(d)
		}
	case len(s) >= 1 && len(s) <= 18 && (s[0] != '0' || len(s) == 1):
		for _, ch := range s {
			if ch < '0' || ch > '9' {
				return parseSysfsIntSlow(b)
			}
			v = v*10 + int64(ch-'0')
		}
	default:
		return parseSysfsIntSlow(b)
	}
	if neg {
		v = -v
	}
	return v, true
}

func parseSysfsIntSlow(b []byte) (int64, bool) {
	v, err := strconv.ParseInt(string(b), 0, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
