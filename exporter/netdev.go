package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// netdevColumns maps all sixteen /proc/net/dev columns to their node_exporter
// statistic names (node_exporter 1.5's /proc/net/dev set).
var netdevColumns = [...]struct {
	col  int
	stat string
}{
	{0, "receive_bytes"}, {1, "receive_packets"}, {2, "receive_errs"}, {3, "receive_drop"},
	{4, "receive_fifo"}, {5, "receive_frame"}, {6, "receive_compressed"}, {7, "receive_multicast"},
	{8, "transmit_bytes"}, {9, "transmit_packets"}, {10, "transmit_errs"}, {11, "transmit_drop"},
	{12, "transmit_fifo"}, {13, "transmit_colls"}, {14, "transmit_carrier"}, {15, "transmit_compressed"},
}

type netdevDevice struct {
	name string
	keep bool
	// nohandler is the device's sysfs rx_nohandler file: the one counter
	// node_exporter's netlink mode (its default) has and /proc/net/dev
	// lacks. Empty once the file turned out to be missing.
	nohandler string
}

// netdevCollector parses /proc/net/dev by hand: procfs.NetDev builds a map
// and a struct per device with string conversions for all sixteen columns on
// every scrape.
type netdevCollector struct {
	path      string
	sysNet    string // <sysfs>/class/net
	file      fileBuffer
	sysFile   fileBuffer
	cfg       NetDevConfig
	descs     [len(netdevColumns)]*Desc
	nohandler *Desc
	// devices caches the include/exclude decision and the name string per
	// device, so regexes run once per device rather than once per scrape.
	devices map[string]*netdevDevice
}

func newNetDevCollector(cfg Config) (Collector, error) {
	c := &netdevCollector{
		path:      filepath.Join(cfg.ProcFS, "net", "dev"),
		sysNet:    filepath.Join(cfg.SysFS, "class", "net"),
		cfg:       cfg.NetDev,
		devices:   map[string]*netdevDevice{},
		nohandler: NewDesc("node_network_receive_nohandler_total", "Network device statistic receive_nohandler.", Counter, "device"),
	}
	for i, col := range netdevColumns {
		c.descs[i] = NewDesc("node_network_"+col.stat+"_total", "Network device statistic "+col.stat+".", Counter, "device")
	}
	return c, nil
}

func (c *netdevCollector) Descs() []*Desc {
	return append(c.descs[:len(c.descs):len(c.descs)], c.nohandler)
}

func (c *netdevCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("read network device stats: %w", err)
	}
	var errs []error
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue // the two header lines
		}
		name := bytes.TrimSpace(line[:colon])
		dev := c.device(name)
		if dev == nil {
			errs = append(errs, fmt.Errorf("%s: bad device name in %q", c.path, truncate(line)))
			continue
		}
		if !dev.keep {
			continue
		}
		var vals [16]uint64
		rest := line[colon+1:]
		ok := true
		for i := range vals {
			var f []byte
			f, rest = nextField(rest)
			if vals[i], err = parseUint(f); err != nil {
				ok = false
				break
			}
		}
		if !ok {
			errs = append(errs, fmt.Errorf("%s: bad line %q", c.path, truncate(line)))
			continue
		}
		for i, col := range netdevColumns {
			b.Add(c.descs[i], float64(vals[col.col]), dev.name)
		}
		if err := c.addNoHandler(b, dev); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// addNoHandler adds the device's rx_nohandler counter from sysfs. A device
// without the file (older kernels, some virtual devices) has no series, and
// the file is not tried again for it.
func (c *netdevCollector) addNoHandler(b *Batch, dev *netdevDevice) error {
	if dev.nohandler == "" {
		return nil
	}
	data, err := c.sysFile.read(dev.nohandler)
	if errors.Is(err, fs.ErrNotExist) {
		dev.nohandler = ""
		return nil
	}
	if err != nil {
		return fmt.Errorf("read rx_nohandler: %w", err)
	}
	v, err := parseUint(bytes.TrimSpace(data))
	if err != nil {
		return fmt.Errorf("%s: bad value %q", dev.nohandler, truncate(data))
	}
	b.Add(c.nohandler, float64(v), dev.name)
	return nil
}

func (c *netdevCollector) device(name []byte) *netdevDevice {
	if d, ok := c.devices[string(name)]; ok {
		return d
	}
	if len(name) == 0 || len(name) > 64 || bytes.ContainsAny(name, " \t/\"\\") {
		return nil // not a kernel interface name; never a label value
	}
	n := labelSafe(string(name))
	keep := true
	if c.cfg.DeviceInclude != nil {
		keep = c.cfg.DeviceInclude.MatchString(n)
	} else if c.cfg.DeviceExclude != nil {
		keep = !c.cfg.DeviceExclude.MatchString(n)
	}
	d := &netdevDevice{name: n, keep: keep, nohandler: filepath.Join(c.sysNet, n, "statistics", "rx_nohandler")}
	// Devices come and go (containers' veth pairs); bound the cache so a busy
	// host cannot grow it without limit.
	if len(c.devices) >= 4096 {
		clear(c.devices)
	}
	c.devices[n] = d
	return d
}
