package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// timeCollector exports node_exporter's time collector: the system clock,
// the local time zone's offset, and the clocksources under
// /sys/devices/system/clocksource.
type timeCollector struct {
	now                func() time.Time // time.Now; replaced in tests
	sysFS, dir         string
	file               fileBuffer
	seconds, zone      *Desc
	available, current *Desc
}

func newTimeCollector(cfg Config) (Collector, error) {
	return &timeCollector{
		now:       time.Now,
		sysFS:     cfg.SysFS,
		dir:       filepath.Join(cfg.SysFS, "devices", "system", "clocksource"),
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

	entries, err := os.ReadDir(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(c.sysFS); err != nil {
			return fmt.Errorf("open sysfs %s: %w", c.sysFS, err)
		}
		return nil // sysfs without clocksources
	}
	if err != nil {
		return fmt.Errorf("read clocksources: %w", err)
	}
	for _, e := range entries {
		num, ok := strings.CutPrefix(e.Name(), "clocksource")
		if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
			continue
		}
		// Both files are read before anything is added, so that a broken
		// clocksource adds nothing, as node_exporter's.
		cur, err := c.file.read(filepath.Join(c.dir, e.Name(), "current_clocksource"))
		if err != nil {
			return fmt.Errorf("read clocksources: %w", err)
		}
		current := labelSafe(string(bytes.TrimSpace(cur)))
		avail, err := c.file.read(filepath.Join(c.dir, e.Name(), "available_clocksource"))
		if err != nil {
			return fmt.Errorf("read clocksources: %w", err)
		}
		for _, a := range bytes.Fields(avail) {
			b.Add(c.available, 1, num, labelSafe(string(a)))
		}
		b.Add(c.current, 1, num, current)
	}
	return nil
}
