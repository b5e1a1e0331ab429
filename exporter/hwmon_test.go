package exporter

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHwmonCollector(t *testing.T) {
	// Units from Documentation/hwmon/sysfs-interface.rst: millidegrees
	// Celsius, millivolts, milliamperes, microwatts, microjoules,
	// milli-percent humidity, milliseconds; fans in RPM, pwm 0-255.
	runCollectorCases(t, newHwmonCollector, []collectorCase{{
		name: "fixture",
		proc: fixtureProc,
		want: map[string]float64{
			// hwmon0: no device link, so the chip is named from its name file.
			`node_hwmon_chip_names{chip="coretemp",chip_name="coretemp"}`:                  1,
			`node_hwmon_sensor_label{chip="coretemp",label="Package id 0",sensor="temp1"}`: 1,
			`node_hwmon_sensor_label{chip="coretemp",label="Core 0",sensor="temp2"}`:       1,
			`node_hwmon_temp_celsius{chip="coretemp",sensor="temp1"}`:                      52,
			`node_hwmon_temp_crit_celsius{chip="coretemp",sensor="temp1"}`:                 100,
			`node_hwmon_temp_crit_alarm_celsius{chip="coretemp",sensor="temp1"}`:           0,
			`node_hwmon_temp_crit_hyst_celsius{chip="coretemp",sensor="temp1"}`:            95,
			`node_hwmon_temp_max_celsius{chip="coretemp",sensor="temp1"}`:                  84,
			`node_hwmon_temp_celsius{chip="coretemp",sensor="temp2"}`:                      48.5,

			// hwmon1: a Super I/O chip with most sensor types.
			`node_hwmon_chip_names{chip="nct6775",chip_name="nct6775"}`:                    1,
			`node_hwmon_fan_rpm{chip="nct6775",sensor="fan1"}`:                             1234,
			`node_hwmon_fan_min_rpm{chip="nct6775",sensor="fan1"}`:                         300,
			`node_hwmon_fan_alarm{chip="nct6775",sensor="fan1"}`:                           0,
			`node_hwmon_fan_div{chip="nct6775",sensor="fan1"}`:                             2,
			`node_hwmon_fan_beep_enabled{chip="nct6775",sensor="fan1"}`:                    1,
			`node_hwmon_in_volts{chip="nct6775",sensor="in0"}`:                             1.104,
			`node_hwmon_in_min_volts{chip="nct6775",sensor="in0"}`:                         0.816,
			`node_hwmon_in_max_volts{chip="nct6775",sensor="in0"}`:                         1.344,
			`node_hwmon_in_alarm{chip="nct6775",sensor="in0"}`:                             0,
			`node_hwmon_sensor_label{chip="nct6775",label="Vcore",sensor="in0"}`:           1,
			`node_hwmon_pwm{chip="nct6775",sensor="pwm1"}`:                                 128,
			`node_hwmon_pwm_enable{chip="nct6775",sensor="pwm1"}`:                          5,
			`node_hwmon_intrusion_alarm{chip="nct6775",sensor="intrusion0"}`:               1,
			`node_hwmon_beep_enabled{chip="nct6775",sensor="beep_enable0"}`:                1,
			`node_hwmon_cpu_vid_volts{chip="nct6775",sensor="cpu0"}`:                       1.1,
			`node_hwmon_voltage_regulator_version{chip="nct6775",sensor="vrm0"}`:           10,
			`node_hwmon_update_interval_seconds{chip="nct6775",sensor="update_interval0"}`: 0.5,
			`node_hwmon_curr_amps{chip="nct6775",sensor="curr1"}`:                          2.5,
			`node_hwmon_power_average_watt{chip="nct6775",sensor="power1"}`:                12.5,
			`node_hwmon_power_average_interval_seconds{chip="nct6775",sensor="power1"}`:    1.5,
			`node_hwmon_energy_joule_total{chip="nct6775",sensor="energy1"}`:               123.456789,
			`node_hwmon_humidity{chip="nct6775",sensor="humidity1"}`:                       0.45,
			`node_hwmon_temp_celsius{chip="nct6775",sensor="temp1"}`:                       -3,
			`node_hwmon_temp_type{chip="nct6775",sensor="temp1"}`:                          4,
			// An attribute outside the declared set gets a family by the
			// same rules.
			`node_hwmon_temp_auto_point1_temp_celsius{chip="nct6775",sensor="temp1"}`: 60,
			// Frequencies are named by their label and divided by 1e6 (Hz to MHz).
			`node_hwmon_freq_freq_mhz{chip="nct6775",sensor="sclk"}`:              1800,
			`node_hwmon_sensor_label{chip="nct6775",label="sclk",sensor="freq1"}`: 1,
			// fan2_input "N/A" does not parse and gives nothing.

			// hwmon2: neither device nor name file: named after its directory.
			`node_hwmon_temp_celsius{chip="hwmon2",sensor="temp1"}`: 30,
		},
	}})
}

// TestHwmonChipNames builds sysfs's real layout (class/hwmon/hwmonN links
// into /sys/devices, device links from the hwmon directory to its device)
// to check chip names from device paths, sensors read from the device
// directory, and chips that share a device.
func TestHwmonChipNames(t *testing.T) {
	root := hwFixtureTree(t, map[string]string{
		"devices/platform/coretemp.0/hwmon/hwmon0/name":            "coretemp\n",
		"devices/platform/coretemp.0/hwmon/hwmon0/temp1_input":     "40000\n",
		"devices/platform/coretemp.0/temp2_input":                  "39000\n", // read through hwmon0/device
		"devices/pci0000:00/0000:00:18.3/hwmon/hwmon1/name":        "k10temp\n",
		"devices/pci0000:00/0000:00:18.3/hwmon/hwmon1/temp1_input": "41000\n",
		"devices/platform/asus-nb-wmi/hwmon/hwmon2/name":           "asus\n",
		"devices/platform/asus-nb-wmi/hwmon/hwmon2/fan1_input":     "2000\n",
		"devices/platform/asus-nb-wmi/hwmon/hwmon3/name":           "asus_wmi_sensors\n",
		"devices/platform/asus-nb-wmi/hwmon/hwmon3/fan1_input":     "2100\n",
		"devices/platform/asus-nb-wmi/hwmon/hwmon4/name":           "asus\n",
		"devices/platform/asus-nb-wmi/hwmon/hwmon4/fan1_input":     "2200\n",
	})
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "class/hwmon"), 0o755); err != nil {
		t.Fatal(err)
	}
	link("../../devices/platform/coretemp.0/hwmon/hwmon0", "class/hwmon/hwmon0")
	link("../../devices/pci0000:00/0000:00:18.3/hwmon/hwmon1", "class/hwmon/hwmon1")
	link("../../devices/platform/asus-nb-wmi/hwmon/hwmon2", "class/hwmon/hwmon2")
	link("../../devices/platform/asus-nb-wmi/hwmon/hwmon3", "class/hwmon/hwmon3")
	link("../../devices/platform/asus-nb-wmi/hwmon/hwmon4", "class/hwmon/hwmon4")
	link("../../devices/platform/gone/hwmon/hwmon9", "class/hwmon/hwmon9") // dangling: skipped
	link("../../../coretemp.0", "devices/platform/coretemp.0/hwmon/hwmon0/device")
	link("../../../0000:00:18.3", "devices/pci0000:00/0000:00:18.3/hwmon/hwmon1/device")
	for _, n := range []string{"hwmon2", "hwmon3", "hwmon4"} {
		link("../../../asus-nb-wmi", "devices/platform/asus-nb-wmi/hwmon/"+n+"/device")
	}

	runCollectorCases(t, withSysFSRoot(root, newHwmonCollector), []collectorCase{{
		name: "device paths",
		proc: fixtureProc,
		want: map[string]float64{
			`node_hwmon_chip_names{chip="platform_coretemp_0",chip_name="coretemp"}`:    1,
			`node_hwmon_temp_celsius{chip="platform_coretemp_0",sensor="temp1"}`:        40,
			`node_hwmon_temp_celsius{chip="platform_coretemp_0",sensor="temp2"}`:        39,
			`node_hwmon_chip_names{chip="pci0000:00_0000:00:18_3",chip_name="k10temp"}`: 1,
			`node_hwmon_temp_celsius{chip="pci0000:00_0000:00:18_3",sensor="temp1"}`:    41,
			// Three hwmon nodes of one device: told apart by name file,
			// and by directory where the name files agree.
			`node_hwmon_chip_names{chip="platform_asus_nb_wmi_asus_wmi_sensors",chip_name="asus_wmi_sensors"}`: 1,
			`node_hwmon_fan_rpm{chip="platform_asus_nb_wmi_asus_wmi_sensors",sensor="fan1"}`:                   2100,
			`node_hwmon_chip_names{chip="platform_asus_nb_wmi_hwmon2",chip_name="asus"}`:                       1,
			`node_hwmon_fan_rpm{chip="platform_asus_nb_wmi_hwmon2",sensor="fan1"}`:                             2000,
			`node_hwmon_chip_names{chip="platform_asus_nb_wmi_hwmon4",chip_name="asus"}`:                       1,
			`node_hwmon_fan_rpm{chip="platform_asus_nb_wmi_hwmon4",sensor="fan1"}`:                             2200,
		},
	}})
}

func TestHwmonBrokenAndMissing(t *testing.T) {
	// /sys/class/hwmon that is not a directory fails the scrape.
	broken := hwFixtureTree(t, map[string]string{"class/hwmon": "not a directory\n"})
	runCollectorCases(t, withSysFSRoot(broken, newHwmonCollector), []collectorCase{{
		name:    "broken",
		proc:    fixtureProc,
		want:    map[string]float64{},
		wantErr: "class/hwmon",
	}})
	// No /sys/class/hwmon (VMs, containers): no series and no error.
	runCollectorCases(t, withSysFSRoot(t.TempDir(), newHwmonCollector), []collectorCase{{
		name: "missing",
		proc: fixtureProc,
		want: map[string]float64{},
	}})
}

func TestHwmonSplitName(t *testing.T) {
	for _, tc := range []struct {
		in        string
		ok        bool
		typ, prop string
		num       int
	}{
		{"temp1_input", true, "temp", "input", 1},
		{"temp12_crit_alarm", true, "temp", "crit_alarm", 12},
		{"pwm2", true, "pwm", "", 2},
		{"update_interval", true, "update_interval", "", 0},
		{"in0_input", true, "in", "input", 0},
		{"fan1x", false, "", "", 0},
		{"temp1_", false, "", "", 0},
		{"1temp", false, "", "", 0},
	} {
		ok, typ, num, prop := hwmonSplitName(tc.in)
		if ok != tc.ok || typ != tc.typ || num != tc.num || prop != tc.prop {
			t.Errorf("hwmonSplitName(%q) = %v %q %d %q, want %v %q %d %q", tc.in, ok, typ, num, prop, tc.ok, tc.typ, tc.num, tc.prop)
		}
	}
	if got := hwmonCleanName("Package id 0\n"); got != "package_id_0" {
		t.Errorf("hwmonCleanName = %q", got)
	}
}
