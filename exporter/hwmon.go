package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// hwmonSensorTypes are the attribute prefixes node_exporter's hwmon collector
// reads (Documentation/hwmon/sysfs-interface.rst); other files are ignored.
var hwmonSensorTypes = []string{
	"vrm", "beep_enable", "update_interval", "in", "cpu", "fan",
	"pwm", "temp", "curr", "power", "energy", "humidity",
	"intrusion", "freq",
}

// hwmonDeclared are the (sensor type, attribute) pairs whose families are
// declared up front, so that Descs and docs/metrics.md list them: the
// attributes of sysfs-interface.rst that common drivers (coretemp, k10temp,
// nct6775, it87, nvme, drivetemp, amdgpu, acpi_power_meter, ina2xx) provide.
// Any other attribute gets its family, named by the same rules, when first
// seen, as node_exporter does.
var hwmonDeclared = map[string][]string{
	"temp": {"input", "max", "min", "crit", "crit_hyst", "max_hyst", "emergency", "lcrit", "lowest", "highest",
		"offset", "crit_alarm", "max_alarm", "min_alarm", "alarm", "fault", "type", "beep"},
	"fan":       {"input", "min", "max", "target", "alarm", "fault", "div", "pulses", "enable", "beep"},
	"in":        {"input", "min", "max", "lcrit", "crit", "average", "lowest", "highest", "alarm", "beep"},
	"curr":      {"input", "min", "max", "lcrit", "crit", "average", "alarm", "beep"},
	"power":     {"input", "average", "max", "crit", "cap", "cap_max", "cap_min", "accuracy", "average_interval", "alarm"},
	"energy":    {"input"},
	"humidity":  {"input"},
	"intrusion": {"alarm"},
	"pwm":       {"", "enable", "mode"},
	"cpu":       {"vid"},
	"freq":      {"input"},
}

// hwmonCollector exports node_exporter's hwmon collector: every sensor
// attribute under /sys/class/hwmon/hwmon<N> (and its device directory), as
// node_hwmon_<type>_<attribute>_<unit>{chip,sensor}, with the chip named from
// its device path (node_exporter's scheme), node_hwmon_chip_names mapping it
// to the driver's name and node_hwmon_sensor_label giving sensor labels.
type hwmonCollector struct {
	sysFS string

	chipNames, sensorLabel           *Desc
	beepEnabled, vrm, updateInterval *Desc
	// mu guards families and order, which Update extends when it meets an
	// attribute outside hwmonDeclared, against a concurrent Descs.
	mu       sync.Mutex
	families map[string]*Desc // by name, declared and discovered
	order    []*Desc          // families in declaration and discovery order

	buf [128]byte
}

func newHwmonCollector(cfg Config) (Collector, error) {
	c := &hwmonCollector{
		sysFS:          cfg.SysFS,
		chipNames:      NewDesc("node_hwmon_chip_names", "Annotation metric for human-readable chip names", Gauge, "chip", "chip_name"),
		sensorLabel:    NewDesc("node_hwmon_sensor_label", "Label for given chip and sensor", Gauge, "chip", "sensor", "label"),
		beepEnabled:    NewDesc("node_hwmon_beep_enabled", "Hardware beep enabled", Gauge, "chip", "sensor"),
		vrm:            NewDesc("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", Gauge, "chip", "sensor"),
		updateInterval: NewDesc("node_hwmon_update_interval_seconds", "Hardware monitor update interval", Gauge, "chip", "sensor"),
		families:       map[string]*Desc{},
	}
	types := make([]string, 0, len(hwmonDeclared))
	for t := range hwmonDeclared {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		for _, el := range hwmonDeclared[t] {
			c.family(hwmonFamilyOf(t, el, false))
		}
	}
	return c, nil
}

func (c *hwmonCollector) Descs() []*Desc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Desc{c.chipNames, c.sensorLabel, c.beepEnabled, c.vrm, c.updateInterval}, c.order...)
}

// hwmonFamily is where one sensor attribute goes: its family and how its
// value converts from the kernel's unit.
type hwmonFamily struct {
	name, help string
	typ        MetricType
	div        float64 // value / div; 1 for none
}

// hwmonFamilyOf applies node_exporter's naming rules to attribute element of
// a sensor of type sensorType (element "" for a file without suffix such as
// pwm1; hasBare when the sensor has such a file besides element). Kernel
// units (Documentation/hwmon/sysfs-interface.rst): millivolts,
// millidegrees Celsius, milliamperes, microwatts, microjoules, milli-percent
// humidity, milliseconds; fans in RPM; frequencies in Hz (exported divided by
// 1e6 under node_exporter's _freq_mhz name).
func hwmonFamilyOf(sensorType, element string, hasBare bool) hwmonFamily {
	name := "node_hwmon_" + sensorType
	switch {
	case element == "input":
		if hasBare {
			name += "_input"
		}
	case element != "":
		name += "_" + hwmonCleanName(element)
	}
	g := func(name, help string, div float64) hwmonFamily {
		return hwmonFamily{name: name, help: help, typ: Gauge, div: div}
	}
	switch {
	case element == "fault" || element == "alarm":
		return g(name, "Hardware sensor "+element+" status ("+sensorType+")", 1)
	case element == "beep":
		return g(name+"_enabled", "Hardware monitor sensor has beeping enabled", 1)
	case sensorType == "in" || sensorType == "cpu":
		return g(name+"_volts", "Hardware monitor for voltage ("+element+")", 1000)
	case sensorType == "temp" && element != "type":
		if element == "" {
			element = "input"
		}
		return g(name+"_celsius", "Hardware monitor for temperature ("+element+")", 1000)
	case sensorType == "curr":
		return g(name+"_amps", "Hardware monitor for current ("+element+")", 1000)
	case sensorType == "energy":
		return hwmonFamily{name: name + "_joule_total", help: "Hardware monitor for joules used so far (" + element + ")", typ: Counter, div: 1e6}
	case sensorType == "power" && element == "accuracy":
		return g(name, "Hardware monitor power meter accuracy, as a ratio", 1e6)
	case sensorType == "power" && (element == "average_interval" || element == "average_interval_min" || element == "average_interval_max"):
		return g(name+"_seconds", "Hardware monitor power usage update interval ("+element+")", 1000)
	case sensorType == "power":
		return g(name+"_watt", "Hardware monitor for power usage in watts ("+element+")", 1e6)
	case sensorType == "humidity":
		// The kernel gives milli-percent (45000 is 45 %, ratio 0.45);
		// node_exporter 1.12 divides by 1e6 and reports a tenth of that.
		return g(name, "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) ("+element+")", 1e5)
	case sensorType == "fan" && (element == "input" || element == "min" || element == "max" || element == "target"):
		return g(name+"_rpm", "Hardware monitor for fan revolutions per minute ("+element+")", 1)
	case sensorType == "freq" && element == "input":
		return g(name+"_freq_mhz", "Hardware monitor for GPU frequency in MHz", 1e6)
	}
	return g(name, "Hardware monitor "+sensorType+" element "+element, 1)
}

// family returns the family's descriptor, declaring it when first seen.
func (c *hwmonCollector) family(f hwmonFamily) *Desc {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.families[f.name]; ok {
		return d
	}
	d := NewDesc(f.name, f.help, f.typ, "chip", "sensor")
	c.families[f.name] = d
	c.order = append(c.order, d)
	return d
}

// Update reports every chip under /sys/class/hwmon. Without that directory
// (most VMs and containers) it reports no series and no error; node_exporter
// 1.12 returns ErrNoData there, which it counts as
// node_scrape_collector_success 0. Unreadable or unparsable attribute files
// are skipped, as in node_exporter (some drivers answer EAGAIN or EIO); a
// chip whose directory cannot be listed fails the scrape after the other
// chips are reported.
func (c *hwmonCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	root := filepath.Join(c.sysFS, "class", "hwmon")
	entries, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read %s: %w", root, err)
	}

	// Pass 1: name each chip from its device path; hwmon directories that
	// share a device (one driver, several hwmon nodes) are told apart by
	// their name file, else by their hwmonN directory, as node_exporter 1.12.
	type chip struct{ dir, base, nameFile string }
	chips := make([]chip, 0, len(entries))
	baseCount := map[string]int{}
	nameCount := map[string]int{}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		base, ok := hwmonChipName(dir)
		if !ok {
			continue
		}
		nameFile := ""
		if raw, err := os.ReadFile(filepath.Join(dir, "name")); err == nil {
			nameFile = strings.TrimSpace(string(raw))
		}
		chips = append(chips, chip{dir, base, nameFile})
		baseCount[base]++
		nameCount[base+"\x00"+nameFile]++
	}

	var errs []error
	for _, ch := range chips {
		name := ch.base
		if baseCount[ch.base] > 1 {
			suffix := hwmonCleanName(ch.nameFile)
			if suffix == "" || nameCount[ch.base+"\x00"+ch.nameFile] > 1 {
				suffix = hwmonCleanName(filepath.Base(ch.dir))
			}
			name = ch.base + "_" + suffix
		}
		if err := c.updateChip(b, ch.dir, name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *hwmonCollector) updateChip(b *Batch, dir, chip string) error {
	data := map[string]map[string]string{} // sensor ("temp1") -> attribute ("input", "" for bare) -> raw value
	if err := c.readSensors(dir, data); err != nil {
		return fmt.Errorf("read hwmon chip %s: %w", chip, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "device")); err == nil && st.IsDir() {
		if err := c.readSensors(filepath.Join(dir, "device"), data); err != nil {
			return fmt.Errorf("read hwmon chip %s: %w", chip, err)
		}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "name")); err == nil {
		if n := hwmonCleanName(string(raw)); n != "" {
			b.Add(c.chipNames, 1, chip, n)
		}
	}

	sensors := make([]string, 0, len(data))
	for s := range data {
		sensors = append(sensors, s)
	}
	slices.Sort(sensors)
	for _, sensor := range sensors {
		attrs := data[sensor]
		_, sensorType, _, _ := hwmonSplitName(sensor)
		label, hasLabel := attrs["label"]
		if hasLabel {
			b.Add(c.sensorLabel, 1, chip, sensor, labelSafe(label))
		}
		switch sensorType {
		case "beep_enable":
			v := 0.0
			if attrs[""] == "1" {
				v = 1
			}
			b.Add(c.beepEnabled, v, chip, sensor)
			continue
		case "vrm", "update_interval":
			v, err := strconv.ParseFloat(attrs[""], 64)
			if err != nil {
				continue
			}
			if sensorType == "vrm" {
				b.Add(c.vrm, v, chip, sensor)
			} else {
				b.Add(c.updateInterval, v/1000, chip, sensor) // milliseconds
			}
			continue
		}
		_, hasBare := attrs[""]
		elements := make([]string, 0, len(attrs))
		for el := range attrs {
			if el != "label" {
				elements = append(elements, el)
			}
		}
		slices.Sort(elements)
		for _, el := range elements {
			v, err := strconv.ParseFloat(attrs[el], 64)
			if err != nil {
				continue
			}
			f := hwmonFamilyOf(sensorType, el, hasBare)
			sensorValue := sensor
			if sensorType == "freq" && el == "input" {
				// node_exporter names a frequency by its label ("sclk")
				// and drops one without a label.
				if !hasLabel {
					continue
				}
				sensorValue = hwmonCleanName(label)
			}
			b.Add(c.family(f), v/f.div, chip, sensorValue)
		}
	}
	return nil
}

// readSensors adds the sensor attributes of the files in dir to data.
func (c *hwmonCollector) readSensors(dir string, data map[string]map[string]string) error {
	files, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, f := range files {
		ok, sensorType, num, prop := hwmonSplitName(f.Name())
		if !ok || !slices.Contains(hwmonSensorTypes, sensorType) {
			continue
		}
		value, err := c.readValue(filepath.Join(dir, f.Name()))
		if err != nil {
			continue
		}
		sensor := sensorType + strconv.Itoa(num)
		if data[sensor] == nil {
			data[sensor] = map[string]string{}
		}
		data[sensor][prop] = value
	}
	return nil
}

// readValue reads an attribute with one read(2) of at most 128 bytes, as
// node_exporter does: some drivers answer EAGAIN, and a retrying reader
// would spin on them.
func (c *hwmonCollector) readValue(path string) (string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, c.buf[:])
	if err != nil {
		return "", err
	}
	if n < 0 {
		return "", fmt.Errorf("read %s: negative count %d", path, n)
	}
	return strings.Trim(string(c.buf[:n]), "\n"), nil
}

// hwmonSplitName splits an attribute file name into <type><num>_<property>
// ("temp1_crit_alarm" is temp, 1, crit_alarm; "pwm2" is pwm, 2, ""; names
// without a number, such as "update_interval", are number 0).
func hwmonSplitName(name string) (ok bool, sensorType string, num int, property string) {
	i := strings.IndexAny(name, "0123456789")
	if i == 0 {
		return false, "", 0, ""
	}
	if i < 0 {
		return true, name, 0, "" // no digits: the whole name is the type
	}
	sensorType = name[:i]
	j := i
	for j < len(name) && name[j] >= '0' && name[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(name[i:j])
	if err != nil {
		return false, "", 0, ""
	}
	rest := name[j:]
	switch {
	case rest == "":
	case len(rest) > 1 && rest[0] == '_':
		property = rest[1:]
	default:
		return false, "", 0, ""
	}
	return true, sensorType, n, property
}

// hwmonChipName derives a stable chip label for a hwmon directory as
// node_exporter does: from the device it belongs to ("platform_coretemp_0",
// "pci0000:00_0000:00:18_3"), else from its name file, else "hwmonN".
func hwmonChipName(dir string) (string, bool) {
	if dev, err := filepath.EvalSymlinks(filepath.Join(dir, "device")); err == nil {
		parent, devName := filepath.Split(dev)
		devType := filepath.Base(strings.TrimRight(parent, "/"))
		cleanName, cleanType := hwmonCleanName(devName), hwmonCleanName(devType)
		if cleanType != "" && cleanName != "" {
			return cleanType + "_" + cleanName, true
		}
		if cleanName != "" {
			return cleanName, true
		}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "name")); err == nil {
		if n := hwmonCleanName(string(raw)); n != "" {
			return n, true
		}
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", false
	}
	if n := hwmonCleanName(filepath.Base(real)); n != "" {
		return n, true
	}
	return "", false
}

// hwmonCleanName lower-cases s, replaces every character outside [a-z0-9:_]
// with an underscore and trims underscores at both ends.
func hwmonCleanName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ':' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}
