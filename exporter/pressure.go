package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/prometheus/procfs"
)

// pressureCollector exports node_exporter's pressure stall families from
// /proc/pressure/{cpu,io,memory,irq}. Missing files (kernel < 4.20, or
// < 6.1 for irq, CONFIG_PSI off) and EOPNOTSUPP (psi=0) are not errors: the
// resource is skipped.
type pressureCollector struct {
	fs                                  procfs.FS
	cpu, io, ioFull, memory, memoryFull *Desc
	irqFull                             *Desc
}

func newPressureCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &pressureCollector{
		fs:         pfs,
		cpu:        NewDesc("node_pressure_cpu_waiting_seconds_total", "Total time in seconds that processes have waited for CPU time", Counter),
		io:         NewDesc("node_pressure_io_waiting_seconds_total", "Total time in seconds that processes have waited due to IO congestion", Counter),
		ioFull:     NewDesc("node_pressure_io_stalled_seconds_total", "Total time in seconds no process could make progress due to IO congestion", Counter),
		memory:     NewDesc("node_pressure_memory_waiting_seconds_total", "Total time in seconds that processes have waited for memory", Counter),
		memoryFull: NewDesc("node_pressure_memory_stalled_seconds_total", "Total time in seconds no process could make progress due to memory congestion", Counter),
		irqFull:    NewDesc("node_pressure_irq_stalled_seconds_total", "Total time in seconds no process could make progress due to IRQ congestion", Counter),
	}, nil
}

func (c *pressureCollector) Descs() []*Desc {
	return []*Desc{c.cpu, c.io, c.ioFull, c.memory, c.memoryFull, c.irqFull}
}

func (c *pressureCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for _, r := range [...]struct {
		res        string
		some, full *Desc
	}{{"cpu", c.cpu, nil}, {"io", c.io, c.ioFull}, {"memory", c.memory, c.memoryFull}, {"irq", nil, c.irqFull}} {
		st, err := c.fs.PSIStatsForResource(r.res)
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTSUP):
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("failed to retrieve pressure stats for %s: %w", r.res, err))
			continue
		}
		// Totals are in microseconds. irq has only a "full" line.
		if r.some != nil && st.Some != nil {
			b.Add(r.some, float64(st.Some.Total)/1e6)
		}
		if r.full != nil && st.Full != nil {
			b.Add(r.full, float64(st.Full.Total)/1e6)
		}
	}
	return errors.Join(errs...)
}
