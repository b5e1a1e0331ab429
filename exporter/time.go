package exporter

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/procfs/sysfs"
)

// timeCollector exports node_exporter's time collector: the system clock,
// the local time zone's offset, and the clocksources under
// /sys/devices/system/clocksource.
type timeCollector struct {
	now                func() time.Time // time.Now; replaced in tests
	sysFS              string
	fs                 *sysfs.FS // opened on first use, as sysfs may be absent
	seconds, zone      *Desc
	available, current *Desc
}

func newTimeCollector(cfg Config) (Collector, error) {
	return &timeCollector{
		now:       time.Now,
		sysFS:     cfg.SysFS,
		seconds:   NewDesc("node_time_seconds", "System time in seconds since epoch (1970).", Gauge),
		zone:      NewDesc("node_time_zone_offset_seconds", "System time zone offset in seconds.", Gauge, "time_zone"),
		available: NewDesc("node_time_clocksource_available_info", "Available clocksources read from '/sys/devices/system/clocksource'.", Gauge, "device", "clocksource"),
		current:   NewDesc("node_time_clocksource_current_info", "Current clocksource read from '/sys/devices/system/clocksource'.", Gauge, "device", "clocksource"),
	}, nil
}

func (c *timeCollector) Descs() []*Desc {
	return []*Desc{c.seconds, c.zone, c.available, c.current}
}

// Update always reports the time and zone; a missing clocksource directory
// gives no clocksource series (as in node_exporter), an unreadable one an
// error.
func (c *timeCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := c.now()
	b.Add(c.seconds, float64(now.UnixNano())/1e9)
	name, offset := now.Zone()
	b.Add(c.zone, float64(offset), name)

	if c.fs == nil {
		fs, err := sysfs.NewFS(c.sysFS)
		if err != nil {
			return fmt.Errorf("open sysfs %s: %w", c.sysFS, err)
		}
		c.fs = &fs
	}
	sources, err := c.fs.ClockSources()
	if err != nil {
		return fmt.Errorf("read clocksources: %w", err)
	}
	for _, s := range sources {
		for _, a := range s.Available {
			b.Add(c.available, 1, s.Name, a)
		}
		b.Add(c.current, 1, s.Name, s.Current)
	}
	return nil
}
