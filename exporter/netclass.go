package exporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/prometheus/procfs/sysfs"
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
// exported as node_network_<name> with help "Network device property: <name>".
// An attribute the kernel refuses to give (EINVAL on a down link's speed,
// lo's duplex) is nil in procfs and gives no series, as in node_exporter.
var netclassProps = [...]struct {
	name string
	typ  MetricType
	get  func(*sysfs.NetClassIface) *int64
}{
	{"address_assign_type", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.AddrAssignType }},
	{"carrier", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.Carrier }},
	{"carrier_changes_total", Counter, func(i *sysfs.NetClassIface) *int64 { return i.CarrierChanges }},
	{"carrier_up_changes_total", Counter, func(i *sysfs.NetClassIface) *int64 { return i.CarrierUpCount }},
	{"carrier_down_changes_total", Counter, func(i *sysfs.NetClassIface) *int64 { return i.CarrierDownCount }},
	{"device_id", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.DevID }},
	{"dormant", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.Dormant }},
	{"flags", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.Flags }},
	{"iface_id", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.IfIndex }},
	{"iface_link", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.IfLink }},
	{"iface_link_mode", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.LinkMode }},
	{"mtu_bytes", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.MTU }},
	{"name_assign_type", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.NameAssignType }},
	{"net_dev_group", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.NetDevGroup }},
	{"speed_bytes", Gauge, func(i *sysfs.NetClassIface) *int64 {
		if i.Speed == nil {
			return nil
		}
		// Mbit/s to bytes/s; -1 (unknown speed) gives -125000 as in
		// node_exporter without --collector.netclass.ignore-invalid-speed.
		v := *i.Speed * 1000 * 1000 / 8
		return &v
	}},
	{"transmit_queue_length", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.TxQueueLen }},
	{"protocol_type", Gauge, func(i *sysfs.NetClassIface) *int64 { return i.Type }},
}

// netclassCollector exports node_exporter's netclass collector from
// /sys/class/net/<device>/<attribute>.
type netclassCollector struct {
	sysFS    string
	fs       *sysfs.FS // opened on first use, as sysfs may be absent
	ignored  *regexp.Regexp
	up, info *Desc
	props    [len(netclassProps)]*Desc
}

func newNetClassCollector(cfg Config) (Collector, error) {
	c := &netclassCollector{
		sysFS:   cfg.SysFS,
		ignored: cfg.NetClass.IgnoredDevices,
		up:      NewDesc("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", Gauge, "device"),
		info: NewDesc("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.", Gauge,
			"address", "broadcast", "device", "duplex", "ifalias", "operstate"),
	}
	for i, p := range netclassProps {
		c.props[i] = NewDesc("node_network_"+p.name, "Network device property: "+p.name, p.typ, "device")
	}
	return c, nil
}

func (c *netclassCollector) Descs() []*Desc {
	return append([]*Desc{c.up, c.info}, c.props[:]...)
}

// Update reports every device under /sys/class/net not ignored. A missing or
// unreadable /sys/class/net gives no series and no error (node_exporter's
// ErrNoData); a device that vanishes between listing and reading is skipped.
func (c *netclassCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.fs == nil {
		fs, err := sysfs.NewFS(c.sysFS)
		if err != nil {
			return fmt.Errorf("open sysfs %s: %w", c.sysFS, err)
		}
		c.fs = &fs
	}
	devices, err := c.fs.NetClassDevices()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil
		}
		return fmt.Errorf("read net class devices: %w", err)
	}
	var errs []error
	for _, dev := range devices {
		if c.ignored != nil && c.ignored.MatchString(dev) {
			continue
		}
		iface, err := c.fs.NetClassByIface(dev)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			errs = append(errs, fmt.Errorf("read net class of %s: %w", dev, err))
			continue
		}
		name := labelSafe(dev)
		up := 0.0
		if iface.OperState == "up" {
			up = 1
		}
		b.Add(c.up, up, name)
		b.Add(c.info, 1, labelSafe(iface.Address), labelSafe(iface.Broadcast), name, labelSafe(iface.Duplex), labelSafe(iface.IfAlias), labelSafe(iface.OperState))
		for i, p := range netclassProps {
			if v := p.get(iface); v != nil {
				b.Add(c.props[i], float64(*v), name)
			}
		}
	}
	return errors.Join(errs...)
}
