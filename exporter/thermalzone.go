package exporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// thermalZoneCollector exports node_exporter's thermal_zone collector from
// /sys/class/thermal: thermal_zone<N>/temp (millidegrees Celsius) and
// cooling_device<N>/{cur_state,max_state}.
type thermalZoneCollector struct {
	sysFS               string
	sys                 lazySysFS // opened on first use, as sysfs may be absent
	temp, cur, maxState *Desc
}

func newThermalZoneCollector(cfg Config) (Collector, error) {
	return &thermalZoneCollector{
		sysFS:    cfg.SysFS,
		sys:      lazySysFS{path: cfg.SysFS},
		temp:     NewDesc("node_thermal_zone_temp", "Zone temperature in Celsius", Gauge, "zone", "type"),
		cur:      NewDesc("node_cooling_device_cur_state", "Current throttle state of the cooling device", Gauge, "name", "type"),
		maxState: NewDesc("node_cooling_device_max_state", "Maximum throttle state of the cooling device", Gauge, "name", "type"),
	}, nil
}

func (c *thermalZoneCollector) Descs() []*Desc { return []*Desc{c.temp, c.cur, c.maxState} }

// Update reports every thermal zone and cooling device. Without
// /sys/class/thermal there are none and it reports no series and no error
// (node_exporter reports no series there too, as success). A zone whose temp
// cannot be read is skipped rather than reported as 0 °C (node_exporter
// reports 0); a cooling device with an unparsable state fails the scrape, as
// in node_exporter.
func (c *thermalZoneCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sfs, err := c.sys.get()
	if err != nil {
		return err
	}
	// One listing tells whether there is anything to read: procfs globs the
	// directory twice and a host without thermal zones (most VMs) would pay
	// for both every scrape.
	entries, err := os.ReadDir(filepath.Join(c.sysFS, "class", "thermal"))
	if err != nil && thermalNoData(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read thermal zones: %w", err)
	}
	if !slices.ContainsFunc(entries, func(e os.DirEntry) bool {
		return strings.HasPrefix(e.Name(), "thermal_zone") || strings.HasPrefix(e.Name(), "cooling_device")
	}) {
		return nil
	}
	zones, err := sfs.ClassThermalZoneStats()
	if err != nil {
		if thermalNoData(err) {
			return nil
		}
		return fmt.Errorf("read thermal zones: %w", err)
	}
	for _, z := range zones {
		if thermalTempFailed(z.ReadErrors) {
			continue
		}
		b.Add(c.temp, float64(z.Temp)/1000, labelSafe(z.Name), labelSafe(z.Type))
	}
	devices, err := sfs.ClassCoolingDeviceStats()
	if err != nil {
		return fmt.Errorf("read cooling devices: %w", err)
	}
	for _, d := range devices {
		name, typ := labelSafe(d.Name), labelSafe(d.Type)
		b.Add(c.cur, float64(d.CurState), name, typ)
		b.Add(c.maxState, float64(d.MaxState), name, typ)
	}
	return nil
}

// thermalNoData are the errors node_exporter treats as "no thermal data".
func thermalNoData(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) ||
		errors.Is(err, os.ErrInvalid) || errors.Is(err, syscall.EINVAL)
}

// thermalTempFailed reports whether procfs failed to read a zone's temp file
// (it joins one "error reading <attr>: ..." error per attribute).
func thermalTempFailed(err error) bool {
	if err == nil {
		return false
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		if strings.HasPrefix(e.Error(), "error reading temp") {
			return true
		}
	}
	return false
}
