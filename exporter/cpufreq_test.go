package exporter

import "testing"

func TestCPUFreqCollector(t *testing.T) {
	// cpufreq files are in kHz (Documentation/admin-guide/pm/cpufreq.rst):
	// 2112345 kHz is 2.112345 GHz.
	runCollectorCases(t, newCPUFreqCollector, []collectorCase{{
		name: "fixture",
		proc: fixtureProc,
		want: map[string]float64{
			`node_cpu_frequency_hertz{cpu="0"}`:                         2.1e9,
			`node_cpu_frequency_avg_hertz{cpu="1"}`:                     1.5e9,
			`node_cpu_frequency_max_hertz{cpu="0"}`:                     3.6e9,
			`node_cpu_frequency_max_hertz{cpu="1"}`:                     3.6e9,
			`node_cpu_frequency_min_hertz{cpu="0"}`:                     8e8,
			`node_cpu_frequency_min_hertz{cpu="1"}`:                     8e8,
			`node_cpu_scaling_frequency_hertz{cpu="0"}`:                 2112345000,
			`node_cpu_scaling_frequency_hertz{cpu="1"}`:                 8e8,
			`node_cpu_scaling_frequency_max_hertz{cpu="0"}`:             3.4e9,
			`node_cpu_scaling_frequency_max_hertz{cpu="1"}`:             3.4e9,
			`node_cpu_scaling_frequency_min_hertz{cpu="0"}`:             1.2e9,
			`node_cpu_scaling_frequency_min_hertz{cpu="1"}`:             1.2e9,
			`node_cpu_scaling_governor{cpu="0",governor="performance"}`: 0,
			`node_cpu_scaling_governor{cpu="0",governor="powersave"}`:   1,
			`node_cpu_scaling_governor{cpu="1",governor="performance"}`: 1,
			`node_cpu_scaling_governor{cpu="1",governor="powersave"}`:   0,
		},
	}})

	cpufreqFiles := func(extra map[string]string) map[string]string {
		m := map[string]string{
			"devices/system/cpu/offline":                                  "2\n",
			"devices/system/cpu/cpu0/cpufreq/scaling_cur_freq":            "1000000\n",
			"devices/system/cpu/cpu0/cpufreq/scaling_available_governors": "schedutil\n",
			"devices/system/cpu/cpu0/cpufreq/scaling_governor":            "schedutil\n",
			"devices/system/cpu/cpu0/cpufreq/scaling_driver":              "acpi-cpufreq\n",
			"devices/system/cpu/cpu0/cpufreq/related_cpus":                "0\n",
			"devices/system/cpu/cpu0/cpufreq/scaling_setspeed":            "<unsupported>\n",
			// cpu1 has no cpufreq directory; cpu2 is offline.
			"devices/system/cpu/cpu1/online":                   "1\n",
			"devices/system/cpu/cpu2/cpufreq/scaling_cur_freq": "1000000\n",
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	runCollectorCases(t, withSysFSRoot(hwFixtureTree(t, cpufreqFiles(nil)), newCPUFreqCollector), []collectorCase{{
		name: "partial and offline CPUs",
		proc: fixtureProc,
		want: map[string]float64{
			`node_cpu_scaling_frequency_hertz{cpu="0"}`:               1e9,
			`node_cpu_scaling_governor{cpu="0",governor="schedutil"}`: 1,
		},
	}})
	runCollectorCases(t, withSysFSRoot(hwFixtureTree(t, cpufreqFiles(map[string]string{
		"devices/system/cpu/cpu0/cpufreq/scaling_max_freq": "fast\n",
	})), newCPUFreqCollector), []collectorCase{{
		name:    "broken",
		proc:    fixtureProc,
		want:    map[string]float64{},
		wantErr: "read cpufreq",
	}})
	runCollectorCases(t, withSysFSRoot(hwFixtureTree(t, map[string]string{
		"devices/system/cpu/offline":     "\n",
		"devices/system/cpu/cpu0/online": "1\n",
	}), newCPUFreqCollector), []collectorCase{{
		// A VM: CPUs without cpufreq give no series and no error.
		name: "no cpufreq",
		proc: fixtureProc,
		want: map[string]float64{},
	}})
	runCollectorCases(t, withSysFSRoot(t.TempDir(), newCPUFreqCollector), []collectorCase{{
		// No /sys/devices/system/cpu at all fails, as in node_exporter.
		name:    "missing",
		proc:    fixtureProc,
		want:    map[string]float64{},
		wantErr: "read cpufreq",
	}})
}
