package exporter

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/prometheus/procfs"
)

// schedstatCollector exports node_exporter's schedstat collector: per-CPU
// scheduler statistics from /proc/schedstat (CONFIG_SCHEDSTATS). The kernel
// reports run and wait time in nanoseconds (since 2.6.23; the file's
// version 15 and later), exported here in seconds.
type schedstatCollector struct {
	fs                       procfs.FS
	running, waiting, slices *Desc
}

func newSchedstatCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &schedstatCollector{
		fs:      pfs,
		running: NewDesc("node_schedstat_running_seconds_total", "Number of seconds CPU spent running a process.", Counter, "cpu"),
		waiting: NewDesc("node_schedstat_waiting_seconds_total", "Number of seconds spent by processing waiting for this CPU.", Counter, "cpu"),
		slices:  NewDesc("node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", Counter, "cpu"),
	}, nil
}

func (c *schedstatCollector) Descs() []*Desc { return []*Desc{c.running, c.waiting, c.slices} }

// Update reports one series per family for each "cpuN" line. Without
// /proc/schedstat (a kernel built without CONFIG_SCHEDSTATS) it reports no
// series and no error; node_exporter returns ErrNoData there. Lines procfs
// cannot parse are skipped, as in node_exporter.
func (c *schedstatCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stats, err := c.fs.Schedstat()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read schedstat: %w", err)
	}
	for _, cpu := range stats.CPUs {
		b.Add(c.running, float64(cpu.RunningNanoseconds)/1e9, cpu.CPUNum)
		b.Add(c.waiting, float64(cpu.WaitingNanoseconds)/1e9, cpu.CPUNum)
		b.Add(c.slices, float64(cpu.RunTimeslices), cpu.CPUNum)
	}
	return nil
}
