package exporter

import "testing"

func TestPowerSupplyClassCollector(t *testing.T) {
	// Units from Documentation/ABI/testing/sysfs-class-power: µV, µA, µAh,
	// µW, µWh; temp in tenths of a degree Celsius; times in seconds.
	info := func(ps, capLevel, health, manufacturer, model, serial, status, tech, typ string) string {
		return `node_power_supply_info{capacity_level="` + capLevel + `",charge_type="",health="` + health +
			`",manufacturer="` + manufacturer + `",model_name="` + model + `",power_supply="` + ps +
			`",scope="",serial_number="` + serial + `",status="` + status + `",technology="` + tech +
			`",type="` + typ + `",usb_type=""}`
	}
	runCollectorCases(t, newPowerSupplyClassCollector, []collectorCase{{
		name: "fixture",
		proc: fixtureProc,
		want: map[string]float64{
			`node_power_supply_online{power_supply="AC"}`:                                               1,
			info("AC", "", "", "", "", "", "", "", "Mains"):                                             1,
			`node_power_supply_present{power_supply="BAT0"}`:                                            1,
			`node_power_supply_cyclecount{power_supply="BAT0"}`:                                         123,
			`node_power_supply_capacity{power_supply="BAT0"}`:                                           50,
			`node_power_supply_voltage_min_design{power_supply="BAT0"}`:                                 11.4,
			`node_power_supply_voltage_volt{power_supply="BAT0"}`:                                       12.345678,
			`node_power_supply_current_ampere{power_supply="BAT0"}`:                                     1.5,
			`node_power_supply_charge_full_design{power_supply="BAT0"}`:                                 5,
			`node_power_supply_charge_full{power_supply="BAT0"}`:                                        4.5,
			`node_power_supply_charge_ampere{power_supply="BAT0"}`:                                      2.25,
			`node_power_supply_power_watt{power_supply="BAT0"}`:                                         15,
			`node_power_supply_energy_watthour{power_supply="BAT0"}`:                                    42,
			`node_power_supply_temp_celsius{power_supply="BAT0"}`:                                       25.1,
			`node_power_supply_time_to_empty_seconds{power_supply="BAT0"}`:                              7200,
			info("BAT0", "Normal", "", "SMP", "5B10W13930", "1234", "Discharging", "Li-ion", "Battery"): 1,
		},
	}})

	broken := hwFixtureTree(t, map[string]string{
		"class/power_supply/BAT1/type":     "Battery\n",
		"class/power_supply/BAT1/capacity": "full\n",
	})
	runCollectorCases(t, withSysFSRoot(broken, newPowerSupplyClassCollector), []collectorCase{{
		name:    "broken",
		proc:    fixtureProc,
		want:    map[string]float64{},
		wantErr: "could not get power_supply class info",
	}})
	runCollectorCases(t, withSysFSRoot(t.TempDir(), newPowerSupplyClassCollector), []collectorCase{{
		// No /sys/class/power_supply (servers, VMs): no series, no error.
		name: "missing",
		proc: fixtureProc,
		want: map[string]float64{},
	}})
}
