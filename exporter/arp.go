package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"slices"
	"strconv"
)

// arpCollector exports node_arp_entries{device} from /proc/net/arp, the IPv4
// neighbour table. node_exporter 1.12 reads the same table over netlink by
// default and 1.5 reads this file; the file lists the same entries except
// those the kernel marks NOARP, which never appear in it.
type arpCollector struct {
	path    string
	file    fileBuffer
	entries *Desc
	// index maps a device name to its slot in devices, kept sorted by name
	// between scrapes so a scrape allocates nothing for known devices.
	index   map[string]int
	devices []arpDevice
}

type arpDevice struct {
	name  string
	count int
}

const (
	arpDataCols   = 6 // IP address, HW type, Flags, HW address, Mask, Device
	arpHeaderCols = 9 // "IP address       HW type     Flags       HW address            Mask     Device"
	arpMaxDevices = 4096
)

func newARPCollector(cfg Config) (Collector, error) {
	return &arpCollector{
		path:    filepath.Join(cfg.ProcFS, "net", "arp"),
		entries: NewDesc("node_arp_entries", "ARP entries by device", Gauge, "device"),
		index:   map[string]int{},
	}, nil
}

func (c *arpCollector) Descs() []*Desc { return []*Desc{c.entries} }

func (c *arpCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no IPv4
	}
	if err != nil {
		return fmt.Errorf("could not get ARP entries: %w", err)
	}
	for i := range c.devices {
		c.devices[i].count = 0
	}
	if err := c.count(data); err != nil {
		return fmt.Errorf("could not get ARP entries: %s: %w", c.path, err)
	}
	for _, d := range c.devices {
		if d.count > 0 {
			b.Add(c.entries, float64(d.count), d.name)
		}
	}
	return nil
}

// count parses the table as procfs does (and so node_exporter): lines of 9
// fields (the header) or none are skipped, lines of 6 must have a valid
// hardware address and flags, any other line fails the whole table.
func (c *arpCollector) count(data []byte) error {
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		var cols [arpDataCols][]byte
		n := 0
		for f, r := nextSpaceField(line); len(f) > 0; f, r = nextSpaceField(r) {
			if n < len(cols) {
				cols[n] = f
			}
			n++
		}
		switch n {
		case 0, arpHeaderCols:
			continue
		case arpDataCols:
		default:
			return fmt.Errorf("%d columns in line %q, want %d", n, truncate(line), arpDataCols)
		}
		if !isColonMAC(cols[3]) {
			if _, err := net.ParseMAC(string(cols[3])); err != nil {
				return fmt.Errorf("line %q: %w", truncate(line), err)
			}
		}
		if !isARPFlags(cols[2]) {
			if _, err := strconv.ParseUint(string(cols[2]), 0, 8); err != nil {
				return fmt.Errorf("line %q: %w", truncate(line), err)
			}
		}
		c.device(cols[5]).count++
	}
	return nil
}

func (c *arpCollector) device(name []byte) *arpDevice {
	if i, ok := c.index[string(name)]; ok {
		return &c.devices[i]
	}
	if len(c.devices) >= arpMaxDevices { // devices come and go: forget them
		c.devices = slices.DeleteFunc(c.devices, func(d arpDevice) bool { return d.count == 0 })
	}
	s := string(name)
	i, _ := slices.BinarySearchFunc(c.devices, s, func(d arpDevice, s string) int {
		switch {
		case d.name < s:
			return -1
		case d.name > s:
			return 1
		}
		return 0
	})
	c.devices = slices.Insert(c.devices, i, arpDevice{name: s})
	clear(c.index)
	for j, d := range c.devices {
		c.index[d.name] = j
	}
	return &c.devices[i]
}

// isColonMAC reports whether b is an address net.ParseMAC accepts in its
// colon form, the one the kernel writes: 6, 8 or 20 hexadecimal pairs.
func isColonMAC(b []byte) bool {
	if len(b) != 6*3-1 && len(b) != 8*3-1 && len(b) != 20*3-1 {
		return false
	}
	for i, ch := range b {
		if i%3 == 2 {
			if ch != ':' {
				return false
			}
		} else if !isHexDigit(ch) {
			return false
		}
	}
	return true
}

// isARPFlags reports whether b is "0x" and one or two hexadecimal digits, as
// the kernel writes the flags, which strconv.ParseUint(b, 0, 8) accepts.
func isARPFlags(b []byte) bool {
	return (len(b) == 3 || len(b) == 4) && b[0] == '0' && b[1] == 'x' &&
		isHexDigit(b[2]) && (len(b) == 3 || isHexDigit(b[3]))
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
