package exporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/procfs/sysfs"
)

// powerSupplyProps are node_exporter's numeric powersupplyclass properties,
// each exported as node_power_supply_<name>{power_supply} with help
// "<name> value of /sys/class/power_supply/<power_supply>.". div converts
// the kernel's units (Documentation/ABI/testing/sysfs-class-power): µA, µV,
// µWh, µAh and µW to base units (1e6), tenths of a degree to Celsius (10);
// capacity (percent), counts, flags and times (seconds) are exported as read.
var powerSupplyProps = [...]struct {
	name string
	div  float64
	get  func(*sysfs.PowerSupply) *int64
}{
	{"authentic", 1, func(p *sysfs.PowerSupply) *int64 { return p.Authentic }},
	{"calibrate", 1, func(p *sysfs.PowerSupply) *int64 { return p.Calibrate }},
	{"capacity", 1, func(p *sysfs.PowerSupply) *int64 { return p.Capacity }},
	{"capacity_alert_max", 1, func(p *sysfs.PowerSupply) *int64 { return p.CapacityAlertMax }},
	{"capacity_alert_min", 1, func(p *sysfs.PowerSupply) *int64 { return p.CapacityAlertMin }},
	{"cyclecount", 1, func(p *sysfs.PowerSupply) *int64 { return p.CycleCount }},
	{"online", 1, func(p *sysfs.PowerSupply) *int64 { return p.Online }},
	{"present", 1, func(p *sysfs.PowerSupply) *int64 { return p.Present }},
	{"time_to_empty_seconds", 1, func(p *sysfs.PowerSupply) *int64 { return p.TimeToEmptyNow }},
	{"time_to_full_seconds", 1, func(p *sysfs.PowerSupply) *int64 { return p.TimeToFullNow }},

	{"current_boot", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.CurrentBoot }},
	{"current_max", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.CurrentMax }},
	{"current_ampere", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.CurrentNow }},
	{"energy_empty", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.EnergyEmpty }},
	{"energy_empty_design", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.EnergyEmptyDesign }},
	{"energy_full", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.EnergyFull }},
	{"energy_full_design", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.EnergyFullDesign }},
	{"energy_watthour", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.EnergyNow }},
	{"voltage_boot", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.VoltageBoot }},
	{"voltage_max", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.VoltageMax }},
	{"voltage_max_design", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.VoltageMaxDesign }},
	{"voltage_min", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.VoltageMin }},
	{"voltage_min_design", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.VoltageMinDesign }},
	{"voltage_volt", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.VoltageNow }},
	{"voltage_ocv", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.VoltageOCV }},
	{"charge_control_limit", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeControlLimit }},
	{"charge_control_limit_max", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeControlLimitMax }},
	{"charge_counter", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeCounter }},
	{"charge_empty", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeEmpty }},
	{"charge_empty_design", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeEmptyDesign }},
	{"charge_full", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeFull }},
	{"charge_full_design", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeFullDesign }},
	{"charge_ampere", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeNow }},
	{"charge_term_current", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ChargeTermCurrent }},
	{"constant_charge_current", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ConstantChargeCurrent }},
	{"constant_charge_current_max", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ConstantChargeCurrentMax }},
	{"constant_charge_voltage", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ConstantChargeVoltage }},
	{"constant_charge_voltage_max", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.ConstantChargeVoltageMax }},
	{"precharge_current", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.PrechargeCurrent }},
	{"input_current_limit", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.InputCurrentLimit }},
	{"power_watt", 1e6, func(p *sysfs.PowerSupply) *int64 { return p.PowerNow }},

	{"temp_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.Temp }},
	{"temp_alert_max_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.TempAlertMax }},
	{"temp_alert_min_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.TempAlertMin }},
	{"temp_ambient_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.TempAmbient }},
	{"temp_ambient_max_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.TempAmbientMax }},
	{"temp_ambient_min_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.TempAmbientMin }},
	{"temp_max_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.TempMax }},
	{"temp_min_celsius", 10, func(p *sysfs.PowerSupply) *int64 { return p.TempMin }},
}

// powerSupplyInfoLabels are node_power_supply_info's labels. node_exporter
// omits a label whose attribute is empty or absent; here it is present with
// an empty value, which Prometheus stores as the same series.
var powerSupplyInfoLabels = []string{
	"power_supply", "capacity_level", "charge_type", "health", "manufacturer", "model_name",
	"serial_number", "status", "technology", "type", "usb_type", "scope",
}

// powerSupplyCollector exports node_exporter's powersupplyclass collector
// from /sys/class/power_supply/<supply>/<attribute>.
type powerSupplyCollector struct {
	sysFS string
	sys   lazySysFS // opened on first use, as sysfs may be absent
	info  *Desc
	props [len(powerSupplyProps)]*Desc
	names []string
}

func newPowerSupplyClassCollector(cfg Config) (Collector, error) {
	c := &powerSupplyCollector{
		sysFS: cfg.SysFS,
		sys:   lazySysFS{path: cfg.SysFS},
		info:  NewDesc("node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", Gauge, powerSupplyInfoLabels...),
	}
	for i, p := range powerSupplyProps {
		c.props[i] = NewDesc("node_power_supply_"+p.name, p.name+" value of /sys/class/power_supply/<power_supply>.", Gauge, "power_supply")
	}
	return c, nil
}

func (c *powerSupplyCollector) Descs() []*Desc { return append([]*Desc{c.info}, c.props[:]...) }

// Update reports every supply under /sys/class/power_supply. Without that
// directory (servers, VMs) it reports no series and no error; node_exporter
// returns ErrNoData there. Attributes the driver does not provide give no
// series; an attribute that cannot be read fails the scrape, as in
// node_exporter (procfs refuses the whole class).
func (c *powerSupplyCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sfs, err := c.sys.get()
	if err != nil {
		return err
	}
	class, err := sfs.PowerSupplyClass()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("could not get power_supply class info: %w", err)
	}
	c.names = c.names[:0]
	for name := range class {
		c.names = append(c.names, name)
	}
	sort.Strings(c.names)
	for _, name := range c.names {
		ps := class[name]
		label := labelSafe(name)
		for i, p := range powerSupplyProps {
			if v := p.get(&ps); v != nil {
				b.Add(c.props[i], float64(*v)/p.div, label)
			}
		}
		b.Add(c.info, 1, label, labelSafe(ps.CapacityLevel), labelSafe(ps.ChargeType), labelSafe(ps.Health),
			labelSafe(ps.Manufacturer), labelSafe(ps.ModelName), labelSafe(ps.SerialNumber), labelSafe(ps.Status),
			labelSafe(ps.Technology), labelSafe(ps.Type), labelSafe(ps.UsbType), labelSafe(ps.Scope))
	}
	return nil
}
