package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/prometheus/procfs"
)

// arpCollector exports node_arp_entries{device} from /proc/net/arp, the IPv4
// neighbour table. node_exporter 1.12 reads the same table over netlink by
// default and 1.5 reads this file; the file lists the same entries except
// those the kernel marks NOARP, which never appear in it.
type arpCollector struct {
	fs      procfs.FS
	entries *Desc
	counts  map[string]int
	devices []string
}

func newARPCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &arpCollector{
		fs:      pfs,
		entries: NewDesc("node_arp_entries", "ARP entries by device", Gauge, "device"),
		counts:  map[string]int{},
	}, nil
}

func (c *arpCollector) Descs() []*Desc { return []*Desc{c.entries} }

func (c *arpCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := c.fs.GatherARPEntries()
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no IPv4
	}
	if err != nil {
		return fmt.Errorf("could not get ARP entries: %w", err)
	}
	clear(c.counts)
	c.devices = c.devices[:0]
	for _, e := range entries {
		if c.counts[e.Device] == 0 {
			c.devices = append(c.devices, e.Device)
		}
		c.counts[e.Device]++
	}
	sort.Strings(c.devices)
	for _, d := range c.devices {
		b.Add(c.entries, float64(c.counts[d]), d)
	}
	return nil
}
