package main

import (
	"fmt"
	"regexp"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/perfwatch/perfwatch/exporter"
)

// collectorFlags holds the values of the collector-related flags until
// parsing is done.
type collectorFlags struct {
	disableDefaults    *bool
	enabled            map[string]*bool
	setByUser          map[string]*bool
	procFS, sysFS      *string
	rootFS             *string
	configFile         *string
	mountPointsExclude *string
	fsTypesExclude     *string
	mountTimeout       *time.Duration
	netdevInclude      *string
	netdevExclude      *string
	netclassIgnored    *string
	netstatFields      *string
	diskstatsInclude   *string
	diskstatsExclude   *string
	vmstatFields       *string
	textfileDirectory  *[]string
}

func addCollectorFlags(app *kingpin.Application) *collectorFlags {
	f := &collectorFlags{
		enabled:   map[string]*bool{},
		setByUser: map[string]*bool{},
	}
	f.disableDefaults = app.Flag("collector.disable-defaults", "Disable all collectors that are not enabled by a --collector.<name> flag.").Default("false").Bool()
	for _, fac := range exporter.Factories() {
		set := new(bool)
		f.setByUser[fac.Name] = set
		f.enabled[fac.Name] = app.Flag("collector."+fac.Name, fac.Help).
			Default(fmt.Sprint(fac.DefaultEnabled)).IsSetByUser(set).Bool()
	}
	f.procFS = app.Flag("path.procfs", "procfs mount point.").Default("/proc").String()
	f.sysFS = app.Flag("path.sysfs", "sysfs mount point (the time collector reads clocksources beneath it).").Default("/sys").String()
	f.rootFS = app.Flag("path.rootfs", "Mount point of the host's root filesystem; filesystem statistics are read beneath it.").Default("/").String()
	f.configFile = app.Flag("config.file", "YAML file naming the application processes to watch.").Default("").String()
	f.mountPointsExclude = app.Flag("collector.filesystem.mount-points-exclude", "Regexp of mount points to exclude.").Default(exporter.DefaultMountPointsExclude).String()
	f.fsTypesExclude = app.Flag("collector.filesystem.fs-types-exclude", "Regexp of filesystem types to exclude.").Default(exporter.DefaultFSTypesExclude).String()
	f.mountTimeout = app.Flag("collector.filesystem.mount-timeout", "How long to wait for statfs on one mount before reporting device_error=1 and skipping it until it answers.").Default(exporter.DefaultMountTimeout.String()).Duration()
	f.netdevInclude = app.Flag("collector.netdev.device-include", "Regexp of network devices to include (wins over device-exclude).").Default("").String()
	f.netdevExclude = app.Flag("collector.netdev.device-exclude", "Regexp of network devices to exclude.").Default("").String()
	f.netclassIgnored = app.Flag("collector.netclass.ignored-devices", "Regexp of net devices to ignore for netclass collector.").Default(exporter.DefaultNetClassIgnoredDevices).String()
	f.netstatFields = app.Flag("collector.netstat.fields", "Regexp of fields to return for netstat collector.").Default(exporter.DefaultNetstatFields).String()
	f.diskstatsInclude = app.Flag("collector.diskstats.device-include", "Regexp of diskstats devices to include (wins over device-exclude).").Default("").String()
	f.diskstatsExclude = app.Flag("collector.diskstats.device-exclude", "Regexp of diskstats devices to exclude.").Default(exporter.DefaultDiskstatsDeviceExclude).String()
	f.vmstatFields = app.Flag("collector.vmstat.fields", "Regexp of fields to return for vmstat collector.").Default(exporter.DefaultVmstatFields).String()
	f.textfileDirectory = app.Flag("collector.textfile.directory", "Directory to read text files with metrics from, supports glob matching. (repeatable)").Default("").Strings()
	return f
}

// config turns parsed flags into the exporter configuration and the set of
// enabled collectors.
func (f *collectorFlags) config() (exporter.Config, map[string]bool, error) {
	cfg := exporter.DefaultConfig()
	cfg.ProcFS, cfg.SysFS, cfg.RootFS = *f.procFS, *f.sysFS, *f.rootFS
	var err error
	if cfg.Filesystem.MountPointsExclude, err = compileOptional("collector.filesystem.mount-points-exclude", *f.mountPointsExclude); err != nil {
		return cfg, nil, err
	}
	if cfg.Filesystem.FSTypesExclude, err = compileOptional("collector.filesystem.fs-types-exclude", *f.fsTypesExclude); err != nil {
		return cfg, nil, err
	}
	cfg.Filesystem.MountTimeout = *f.mountTimeout
	if cfg.NetDev.DeviceInclude, err = compileOptional("collector.netdev.device-include", *f.netdevInclude); err != nil {
		return cfg, nil, err
	}
	if cfg.NetDev.DeviceExclude, err = compileOptional("collector.netdev.device-exclude", *f.netdevExclude); err != nil {
		return cfg, nil, err
	}
	if cfg.NetClass.IgnoredDevices, err = compileOptional("collector.netclass.ignored-devices", *f.netclassIgnored); err != nil {
		return cfg, nil, err
	}
	// Compiled even when empty: node_exporter's empty pattern selects every field.
	if cfg.Netstat.Fields, err = regexp.Compile(*f.netstatFields); err != nil {
		return cfg, nil, fmt.Errorf("--collector.netstat.fields: %w", err)
	}
	if cfg.Diskstats.DeviceInclude, err = compileOptional("collector.diskstats.device-include", *f.diskstatsInclude); err != nil {
		return cfg, nil, err
	}
	if cfg.Diskstats.DeviceExclude, err = compileOptional("collector.diskstats.device-exclude", *f.diskstatsExclude); err != nil {
		return cfg, nil, err
	}
	if cfg.Diskstats.DeviceInclude == nil && cfg.Diskstats.DeviceExclude == nil {
		// An empty exclude selects every device, as node_exporter's.
		cfg.Diskstats.DeviceExclude = regexp.MustCompile(`^$`)
	}
	if cfg.Vmstat.Fields, err = regexp.Compile(*f.vmstatFields); err != nil {
		return cfg, nil, fmt.Errorf("--collector.vmstat.fields: %w", err)
	}
	cfg.Textfile.Directories = *f.textfileDirectory
	if *f.configFile != "" {
		fc, err := exporter.LoadConfigFile(*f.configFile)
		if err != nil {
			return cfg, nil, err
		}
		cfg.Processes = fc.Processes
	}
	enabled := map[string]bool{}
	for name, on := range f.enabled {
		if *on && (!*f.disableDefaults || *f.setByUser[name]) {
			enabled[name] = true
		}
	}
	return cfg, enabled, nil
}

func compileOptional(flag, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return re, nil
}
