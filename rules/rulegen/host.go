package rulegen

import (
	"fmt"

	"github.com/perfwatch/perfwatch/internal/hostquery"
)

// HostConfig configures the host rules (section "host"), written for node_exporter's
// metric names so they work with perfwatch-exporter and node_exporter alike. What
// counts as busy CPU and which filesystems are watched is not configured here: it comes
// from internal/hostquery, which the System dashboard uses too.
type HostConfig struct {
	Selector   string   `yaml:"selector"`
	RateWindow Duration `yaml:"rate_window"`
	Alerts     struct {
		HostCPUHighUsage               ThresholdAlert `yaml:"HostCPUHighUsage"`
		HostMemoryHighUtilization      ThresholdAlert `yaml:"HostMemoryHighUtilization"`
		HostFilesystemAlmostOutOfSpace ThresholdAlert `yaml:"HostFilesystemAlmostOutOfSpace"`
		HostFilesystemSpaceFillingUp   FillingUpAlert `yaml:"HostFilesystemSpaceFillingUp"`
	} `yaml:"alerts"`
}

// FillingUpAlert predicts a filesystem running out of space.
type FillingUpAlert struct {
	Enabled          bool                      `yaml:"enabled"`
	PredictionWindow Duration                  `yaml:"prediction_window"`
	Levels           map[Severity]FillingLevel `yaml:"levels"`
}

// FillingLevel fires when free space is below FreeBelow and the linear prediction
// reaches zero within Within.
type FillingLevel struct {
	FreeBelow float64  `yaml:"free_below"`
	Within    Duration `yaml:"within"`
	For       Duration `yaml:"for"`
}

type hostSection struct{ c *HostConfig }

func (s hostSection) name() string { return "host" }

func (s hostSection) validate(v *validator) {
	v.positive(s.c.RateWindow, "host", "rate_window")
	a := &s.c.Alerts
	v.thresholdAlert(a.HostCPUHighUsage, true, v.ratio, "host", "alerts", "HostCPUHighUsage")
	v.thresholdAlert(a.HostMemoryHighUtilization, true, v.ratio, "host", "alerts", "HostMemoryHighUtilization")
	v.thresholdAlert(a.HostFilesystemAlmostOutOfSpace, true, v.ratio, "host", "alerts", "HostFilesystemAlmostOutOfSpace")
	f := a.HostFilesystemSpaceFillingUp
	p := []string{"host", "alerts", "HostFilesystemSpaceFillingUp"}
	v.positive(f.PredictionWindow, append(p, "prediction_window")...)
	if f.Enabled && len(f.Levels) == 0 {
		v.add("an enabled alert needs at least one level", append(p, "levels")...)
	}
	for sev, l := range f.Levels {
		lp := append(append([]string{}, p...), "levels", string(sev))
		v.ratio(l.FreeBelow, append(lp, "free_below")...)
		v.positive(l.Within, append(lp, "within")...)
		if l.For < 0 {
			v.add("must not be negative", append(lp, "for")...)
		}
	}
}

const (
	recCPU        = "instance:node_cpu_utilisation:"
	recMemory     = "instance:node_memory_utilisation:ratio"
	recFilesystem = "instance_mountpoint:node_filesystem_utilisation:ratio"
)

func (s hostSection) recording(*Config) []Recording {
	c := s.c
	return []Recording{
		{Record: recCPU + windowName(c.RateWindow),
			Expr: hostquery.CPUBusy(c.Selector, c.RateWindow.String())},
		{Record: recMemory,
			Expr: fmt.Sprintf("1 - (\n  %s\n/\n  %s\n)", sel("node_memory_MemAvailable_bytes", c.Selector), sel("node_memory_MemTotal_bytes", c.Selector))},
		{Record: recFilesystem,
			Expr: fmt.Sprintf("1 - (\n  %s\n/\n  %s\n)", sel("node_filesystem_avail_bytes", c.Selector), sel("node_filesystem_size_bytes", c.Selector))},
	}
}

// fs selects the filesystems alerted on, the ones the System dashboard shows.
func (s hostSection) fs() string { return hostquery.FilesystemMatchers }

func (s hostSection) alerts(cfg *Config) []*Alert {
	c := s.c
	fsLabels := []string{"job", "instance", "device", "fstype", "mountpoint"}
	return []*Alert{
		{
			Name:      "HostCPUHighUsage",
			Enabled:   c.Alerts.HostCPUHighUsage.Enabled,
			Summary:   "CPU of {{ $labels.instance }} is busy.",
			Dashboard: dashboardSystem,
			Labels:    []string{"job", "instance"},
			Levels: thresholdLevels(cfg, c.Alerts.HostCPUHighUsage, []Duration{c.RateWindow}, func(t float64) (string, string) {
				return recCPU + windowName(c.RateWindow) + " > " + num(t),
					fmt.Sprintf("CPU usage of {{ $labels.instance }} averaged {{ $value | humanizePercentage }} over the last %s (threshold %s).", c.RateWindow, pct(t))
			}),
			Fixture: s.cpuFixture(),
		},
		{
			Name:      "HostMemoryHighUtilization",
			Enabled:   c.Alerts.HostMemoryHighUtilization.Enabled,
			Summary:   "Memory of {{ $labels.instance }} is running out.",
			Dashboard: dashboardSystem,
			Labels:    []string{"job", "instance"},
			Levels: thresholdLevels(cfg, c.Alerts.HostMemoryHighUtilization, nil, func(t float64) (string, string) {
				return recMemory + " > " + num(t),
					fmt.Sprintf("{{ $value | humanizePercentage }} of the memory of {{ $labels.instance }} is in use (threshold %s).", pct(t))
			}),
			Fixture: &Fixture{
				Series: []FixtureSeries{
					gauge(`node_memory_MemTotal_bytes{job="perfwatch-exporter", instance="host:9110"}`, func(float64) float64 { return 16e9 }),
					gauge(`node_memory_MemAvailable_bytes{job="perfwatch-exporter", instance="host:9110"}`, func(v float64) float64 { return (1 - v) * 16e9 }),
				},
				Labels: map[string]string{"job": "perfwatch-exporter", "instance": "host:9110"},
			},
		},
		{
			Name:      "HostFilesystemAlmostOutOfSpace",
			Enabled:   c.Alerts.HostFilesystemAlmostOutOfSpace.Enabled,
			Summary:   "Filesystem {{ $labels.mountpoint }} of {{ $labels.instance }} is almost full.",
			Dashboard: dashboardSystem,
			Labels:    fsLabels,
			Levels: thresholdLevels(cfg, c.Alerts.HostFilesystemAlmostOutOfSpace, nil, func(t float64) (string, string) {
				return fmt.Sprintf("%s{%s} > %s\nand\n%s == 0", recFilesystem, s.fs(), num(t), sel("node_filesystem_readonly", c.Selector)),
					fmt.Sprintf("{{ $value | humanizePercentage }} of {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} is used (threshold %s).", pct(t))
			}),
			Fixture: s.filesystemFixture(),
		},
		s.fillingUp(cfg, fsLabels),
	}
}

func (s hostSection) fillingUp(cfg *Config, labels []string) *Alert {
	f := s.c.Alerts.HostFilesystemSpaceFillingUp
	a := &Alert{
		Name:      "HostFilesystemSpaceFillingUp",
		Enabled:   f.Enabled,
		Summary:   "Filesystem {{ $labels.mountpoint }} of {{ $labels.instance }} is filling up.",
		Dashboard: dashboardSystem,
		Labels:    labels,
	}
	avail := sel("node_filesystem_avail_bytes", s.c.Selector, s.fs())
	for sev, l := range f.Levels {
		a.Levels = append(a.Levels, AlertLevel{
			Severity: sev,
			Expr: fmt.Sprintf("(\n  %s / %s < %s\nand\n  predict_linear(%s[%s], %s) < 0\nand\n  %s == 0\n)",
				avail, sel("node_filesystem_size_bytes", s.c.Selector, s.fs()), num(l.FreeBelow),
				avail, f.PredictionWindow, seconds(l.Within),
				sel("node_filesystem_readonly", s.c.Selector, s.fs())),
			For: cfg.holdFor(l.For),
			Description: fmt.Sprintf("{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has {{ $value | humanizePercentage }} space left (threshold %s) and, at the rate of the last %s, will be full within %s.",
				pct(l.FreeBelow), f.PredictionWindow, l.Within),
		})
	}
	sortLevels(a.Levels)
	return a // tested by hand in rules/tests/host-filling-up.test.yml: its value is not steady
}

func (s hostSection) cpuFixture() *Fixture {
	var series []FixtureSeries
	for _, cpu := range []string{"0", "1"} {
		cpuSeries := func(mode string) string {
			return fmt.Sprintf(`node_cpu_seconds_total{job="node", instance="host:9100", cpu="%s", mode="%s"}`, cpu, mode)
		}
		series = append(series,
			counter(cpuSeries("idle"), func(v float64) float64 { return (1 - v) * 60 }),
			counter(cpuSeries("user"), func(v float64) float64 { return v * 60 }))
	}
	return &Fixture{Series: series, Labels: map[string]string{"job": "node", "instance": "host:9100"}}
}

// filesystemFixture fills one ext4 filesystem to v, and a tmpfs and a read-only
// filesystem completely: only the first may alert.
func (s hostSection) filesystemFixture() *Fixture {
	fs := func(metric, device, fstype, mountpoint string) string {
		return fmt.Sprintf(`node_filesystem_%s{job="perfwatch-exporter", instance="host:9110", device="%s", fstype="%s", mountpoint="%s"}`, metric, device, fstype, mountpoint)
	}
	var series []FixtureSeries
	for _, f := range []struct {
		device, fstype, mountpoint string
		readonly                   float64
		used                       func(float64) float64
	}{
		{"/dev/sda1", "ext4", "/", 0, func(v float64) float64 { return v }},
		{"tmpfs", "tmpfs", "/run", 0, func(float64) float64 { return 1 }},
		{"/dev/sr0", "iso9660", "/media/cdrom", 1, func(float64) float64 { return 1 }},
	} {
		series = append(series,
			gauge(fs("size_bytes", f.device, f.fstype, f.mountpoint), func(float64) float64 { return 100e9 }),
			gauge(fs("avail_bytes", f.device, f.fstype, f.mountpoint), func(v float64) float64 { return (1 - f.used(v)) * 100e9 }),
			gauge(fs("readonly", f.device, f.fstype, f.mountpoint), func(float64) float64 { return f.readonly }))
	}
	return &Fixture{Series: series, Labels: map[string]string{
		"job": "perfwatch-exporter", "instance": "host:9110", "device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"}}
}
