package exporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// cpufreqCollector exports node_exporter's cpufreq collector from
// /sys/devices/system/cpu/cpu<N>/cpufreq. The kernel gives frequencies in kHz
// (Documentation/admin-guide/pm/cpufreq.rst); they are exported in hertz.
type cpufreqCollector struct {
	sysFS string
	sys   lazySysFS // opened on first use, as sysfs may be absent
	file  fileBuffer

	cur, avg, min, max              *Desc
	scaling, scalingMin, scalingMax *Desc
	governor                        *Desc
}

func newCPUFreqCollector(cfg Config) (Collector, error) {
	return &cpufreqCollector{
		sysFS:      cfg.SysFS,
		sys:        lazySysFS{path: cfg.SysFS},
		cur:        NewDesc("node_cpu_frequency_hertz", "Current CPU thread frequency in hertz.", Gauge, "cpu"),
		avg:        NewDesc("node_cpu_frequency_avg_hertz", "Average CPU thread frequency in hertz.", Gauge, "cpu"),
		min:        NewDesc("node_cpu_frequency_min_hertz", "Minimum CPU thread frequency in hertz.", Gauge, "cpu"),
		max:        NewDesc("node_cpu_frequency_max_hertz", "Maximum CPU thread frequency in hertz.", Gauge, "cpu"),
		scaling:    NewDesc("node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz.", Gauge, "cpu"),
		scalingMin: NewDesc("node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz.", Gauge, "cpu"),
		scalingMax: NewDesc("node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz.", Gauge, "cpu"),
		governor:   NewDesc("node_cpu_scaling_governor", "Current enabled CPU frequency governor.", Gauge, "cpu", "governor"),
	}, nil
}

// anyCPUFreq reports whether some CPU has a cpufreq directory, with one
// directory listing and an access(2) per CPU, so that a host without cpufreq
// (most VMs) does not pay for procfs's glob and stat per CPU every scrape. It
// fails, as SystemCpufreq does, when the CPU directory or its offline file
// is missing.
func (c *cpufreqCollector) anyCPUFreq() (bool, error) {
	dir := filepath.Join(c.sysFS, "devices", "system", "cpu")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("read cpufreq: %w", err)
	}
	if _, err := c.file.read(filepath.Join(dir, "offline")); err != nil {
		return false, fmt.Errorf("read cpufreq: %w", err)
	}
	for _, e := range entries {
		n, ok := strings.CutPrefix(e.Name(), "cpu")
		if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
			continue
		}
		if unix.Access(filepath.Join(dir, e.Name(), "cpufreq"), unix.F_OK) == nil {
			return true, nil
		}
	}
	return false, nil
}

func (c *cpufreqCollector) Descs() []*Desc {
	return []*Desc{c.cur, c.avg, c.min, c.max, c.scaling, c.scalingMin, c.scalingMax, c.governor}
}

// Update reports every online CPU that has a cpufreq directory. A host
// without cpufreq (most VMs: CPUs but no cpufreq directories) gives no series
// and no error, as in node_exporter. As in node_exporter, a missing
// /sys/devices/system/cpu (or its "offline" file) and an unparsable cpufreq
// file fail the scrape. Files the kernel hides (cpuinfo_cur_freq is
// root-only) give no series.
func (c *cpufreqCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sfs, err := c.sys.get()
	if err != nil {
		return err
	}
	if any, err := c.anyCPUFreq(); err != nil || !any {
		return err
	}
	stats, err := sfs.SystemCpufreq()
	if err != nil {
		return fmt.Errorf("read cpufreq: %w", err)
	}
	khz := func(d *Desc, v *uint64, cpu string) {
		if v != nil {
			b.Add(d, float64(*v)*1000, cpu)
		}
	}
	for _, s := range stats {
		if s.Name == "" {
			continue // procfs leaves a zero entry for a CPU without cpufreq
		}
		khz(c.cur, s.CpuinfoCurrentFrequency, s.Name)
		khz(c.avg, s.CpuinfoAverageFrequency, s.Name)
		khz(c.min, s.CpuinfoMinimumFrequency, s.Name)
		khz(c.max, s.CpuinfoMaximumFrequency, s.Name)
		khz(c.scaling, s.ScalingCurrentFrequency, s.Name)
		khz(c.scalingMin, s.ScalingMinimumFrequency, s.Name)
		khz(c.scalingMax, s.ScalingMaximumFrequency, s.Name)
		if s.Governor == "" {
			continue
		}
		// One series per available governor, 1 for the one in use.
		for _, g := range strings.Fields(s.AvailableGovernors) {
			v := 0.0
			if g == s.Governor {
				v = 1
			}
			b.Add(c.governor, v, s.Name, labelSafe(g))
		}
	}
	return nil
}
