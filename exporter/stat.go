package exporter

import (
	"context"
	"fmt"

	"github.com/prometheus/procfs"
)

// statCollector exports node_exporter's stat collector families from
// /proc/stat (without its optional --collector.stat.softirq series). The
// per-CPU times are the cpu collector's.
type statCollector struct {
	fs                                         procfs.FS
	intr, ctxt, forks, btime, running, blocked *Desc
}

func newStatCollector(cfg Config) (Collector, error) {
	fs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &statCollector{
		fs:      fs,
		intr:    NewDesc("node_intr_total", "Total number of interrupts serviced.", Counter),
		ctxt:    NewDesc("node_context_switches_total", "Total number of context switches.", Counter),
		forks:   NewDesc("node_forks_total", "Total number of forks.", Counter),
		btime:   NewDesc("node_boot_time_seconds", "Node boot time, in unixtime.", Gauge),
		running: NewDesc("node_procs_running", "Number of processes in runnable state.", Gauge),
		blocked: NewDesc("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", Gauge),
	}, nil
}

func (c *statCollector) Descs() []*Desc {
	return []*Desc{c.intr, c.ctxt, c.forks, c.btime, c.running, c.blocked}
}

func (c *statCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s, err := c.fs.Stat()
	if err != nil {
		return fmt.Errorf("read /proc/stat: %w", err)
	}
	b.Add(c.intr, float64(s.IRQTotal))
	b.Add(c.ctxt, float64(s.ContextSwitches))
	b.Add(c.forks, float64(s.ProcessCreated))
	b.Add(c.btime, float64(s.BootTime))
	b.Add(c.running, float64(s.ProcessesRunning))
	b.Add(c.blocked, float64(s.ProcessesBlocked))
	return nil
}
