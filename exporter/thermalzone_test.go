package exporter

import (
	"os"
	"path/filepath"
	"testing"
)

// withSysFSRoot wraps a constructor so that runCollectorCases (which always
// uses testdata/sys) builds the collector on another sysfs root.
func withSysFSRoot(root string, newC func(Config) (Collector, error)) func(Config) (Collector, error) {
	return func(cfg Config) (Collector, error) {
		cfg.SysFS = root
		return newC(cfg)
	}
}

// hwFixtureTree writes files (path relative to a new temporary root: content)
// and returns the root, for broken inputs that would upset other collectors'
// tests if they lived in testdata.
func hwFixtureTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestThermalZoneCollector(t *testing.T) {
	// temp is in millidegrees Celsius (Documentation/driver-api/thermal/sysfs-api.rst).
	runCollectorCases(t, newThermalZoneCollector, []collectorCase{{
		name: "fixture",
		proc: fixtureProc,
		want: map[string]float64{
			`node_thermal_zone_temp{type="x86_pkg_temp",zone="0"}`:            45,
			`node_thermal_zone_temp{type="acpitz",zone="1"}`:                  -5.5,
			`node_cooling_device_cur_state{name="0",type="Processor"}`:        1,
			`node_cooling_device_max_state{name="0",type="Processor"}`:        3,
			`node_cooling_device_cur_state{name="1",type="intel_powerclamp"}`: -1,
			`node_cooling_device_max_state{name="1",type="intel_powerclamp"}`: 50,
		},
	}})

	badTemp := hwFixtureTree(t, map[string]string{
		"class/thermal/thermal_zone0/type":   "acpitz\n",
		"class/thermal/thermal_zone0/policy": "step_wise\n",
		"class/thermal/thermal_zone0/temp":   "n/a\n",
		"class/thermal/thermal_zone1/type":   "pch\n",
		"class/thermal/thermal_zone1/policy": "step_wise\n",
		"class/thermal/thermal_zone1/temp":   "38500\n",
	})
	runCollectorCases(t, withSysFSRoot(badTemp, newThermalZoneCollector), []collectorCase{{
		// A zone whose temp does not parse is skipped, not reported as 0.
		name: "unreadable zone temp",
		proc: fixtureProc,
		want: map[string]float64{`node_thermal_zone_temp{type="pch",zone="1"}`: 38.5},
	}})

	badCooling := hwFixtureTree(t, map[string]string{
		"class/thermal/thermal_zone0/type":        "acpitz\n",
		"class/thermal/thermal_zone0/policy":      "step_wise\n",
		"class/thermal/thermal_zone0/temp":        "40000\n",
		"class/thermal/cooling_device0/type":      "Fan\n",
		"class/thermal/cooling_device0/max_state": "many\n",
		"class/thermal/cooling_device0/cur_state": "0\n",
	})
	runCollectorCases(t, withSysFSRoot(badCooling, newThermalZoneCollector), []collectorCase{{
		// As node_exporter: zones already read are kept, the scrape fails.
		name:    "broken cooling device",
		proc:    fixtureProc,
		want:    map[string]float64{`node_thermal_zone_temp{type="acpitz",zone="0"}`: 40},
		wantErr: "read cooling devices",
	}})

	runCollectorCases(t, withSysFSRoot(t.TempDir(), newThermalZoneCollector), []collectorCase{{
		// No /sys/class/thermal (most VMs): no series and no error.
		name: "missing",
		proc: fixtureProc,
		want: map[string]float64{},
	}})
}
