package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/prometheus/procfs"
	"github.com/prometheus/procfs/sysfs"
)

// mdadmCollector exports node_exporter's md families: per array of
// /proc/mdstat its disks by state, required disks, activity state and block
// counts, and from /sys/block/md*/md its RAID disks and degraded disks.
// node-mixin's NodeRAIDDegraded and NodeRAIDDiskFailure read them. Without
// the md driver /proc/mdstat is absent and nothing is exported.
type mdadmCollector struct {
	proc procfs.FS
	sys  sysfs.FS

	disks, required, state, blocks, synced, raidDisks, degraded *Desc
}

// mdStates are node_md_state's state values and the procfs activity state
// each stands for.
var mdStates = [...]struct{ label, activity string }{
	{"active", "active"}, {"inactive", "inactive"}, {"recovering", "recovering"},
	{"resync", "resyncing"}, {"check", "checking"},
}

func newMdadmCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	// sysfs.NewFS fails on a missing directory; an empty FS then makes
	// Mdraids find no arrays, which is what a host without sysfs has.
	sfs, _ := sysfs.NewFS(cfg.SysFS)
	return &mdadmCollector{
		proc:      pfs,
		sys:       sfs,
		disks:     NewDesc("node_md_disks", "Number of active/failed/spare disks of device.", Gauge, "device", "state"),
		required:  NewDesc("node_md_disks_required", "Total number of disks of device.", Gauge, "device"),
		state:     NewDesc("node_md_state", "Indicates the state of md-device.", Gauge, "device", "state"),
		blocks:    NewDesc("node_md_blocks", "Total number of blocks on device.", Gauge, "device"),
		synced:    NewDesc("node_md_blocks_synced", "Number of blocks synced on device.", Gauge, "device"),
		raidDisks: NewDesc("node_md_raid_disks", "Number of raid disks on device.", Gauge, "device"),
		degraded:  NewDesc("node_md_degraded", "Number of degraded disks on device.", Gauge, "device"),
	}, nil
}

func (c *mdadmCollector) Descs() []*Desc {
	return []*Desc{c.disks, c.required, c.state, c.blocks, c.synced, c.raidDisks, c.degraded}
}

func (c *mdadmCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stats, err := c.proc.MDStat()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("error parsing mdstatus: %w", err)
	}
	for _, md := range stats {
		dev := labelSafe(md.Name)
		b.Add(c.required, float64(md.DisksTotal), dev)
		b.Add(c.disks, float64(md.DisksActive), dev, "active")
		b.Add(c.disks, float64(md.DisksFailed), dev, "failed")
		b.Add(c.disks, float64(md.DisksSpare), dev, "spare")
		for _, s := range mdStates {
			v := 0.0
			if md.ActivityState == s.activity {
				v = 1
			}
			b.Add(c.state, v, dev, s.label)
		}
		b.Add(c.blocks, float64(md.BlocksTotal), dev)
		b.Add(c.synced, float64(md.BlocksSynced), dev)
	}
	raids, err := c.sys.Mdraids()
	if err != nil {
		return fmt.Errorf("error parsing mdraids: %w", err)
	}
	for _, r := range raids {
		dev := labelSafe(r.Device)
		if r.Disks != nil {
			b.Add(c.raidDisks, float64(*r.Disks), dev)
		}
		b.Add(c.degraded, float64(r.DegradedDisks), dev)
	}
	return nil
}
