package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
}

// netdevCollector parses /proc/net/dev by hand: procfs.NetDev builds a map
// and a struct per device with string conversions for all sixteen columns on
// every scrape.
type netdevCollector struct {
	path  string
	file  fileBuffer
	cfg   NetDevConfig
	descs [len(netdevColumns)]*Desc
	// devices caches the include/exclude decision and the name string per
	// device, so regexes run once per device rather than once per scrape.
	devices map[string]*netdevDevice
}

func newNetDevCollector(cfg Config) (Collector, error) {
	c := &netdevCollector{
		path:    filepath.Join(cfg.ProcFS, "net", "dev"),
		cfg:     cfg.NetDev,
		devices: map[string]*netdevDevice{},
	}
	for i, col := range netdevColumns {
		c.descs[i] = NewDesc("node_network_"+col.stat+"_total", "Network device statistic "+col.stat+".", Counter, "device")
	}
	return c, nil
}

func (c *netdevCollector) Descs() []*Desc { return c.descs[:] }

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
	}
	return errors.Join(errs...)
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
	d := &netdevDevice{name: n, keep: keep}
	// Devices come and go (containers' veth pairs); bound the cache so a busy
	// host cannot grow it without limit.
	if len(c.devices) >= 4096 {
		clear(c.devices)
	}
	c.devices[n] = d
	return d
}
