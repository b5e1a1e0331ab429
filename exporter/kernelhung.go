package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/prometheus/procfs"
)

// kernelHungCollector exports node_kernel_hung_tasks_total from
// /proc/sys/kernel/hung_task_detect_count, which only recent kernels have
// (older ones get no series, and no failure).
type kernelHungCollector struct {
	fs    procfs.FS
	tasks *Desc
}

func newKernelHungCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &kernelHungCollector{
		fs:    pfs,
		tasks: NewDesc("node_kernel_hung_tasks_total", "Total number of tasks that have been detected as hung since the system booted.", Counter),
	}, nil
}

func (c *kernelHungCollector) Descs() []*Desc { return []*Desc{c.tasks} }

func (c *kernelHungCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h, err := c.fs.KernelHung()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read hung_task_detect_count: %w", err)
	}
	b.Add(c.tasks, float64(*h.HungTaskDetectCount))
	return nil
}
