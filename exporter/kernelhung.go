package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// kernelHungCollector exports node_kernel_hung_tasks_total from
// /proc/sys/kernel/hung_task_detect_count, which only recent kernels have
// (older ones get no series, and no failure).
type kernelHungCollector struct {
	path  string
	file  fileBuffer
	tasks *Desc
}

func newKernelHungCollector(cfg Config) (Collector, error) {
	return &kernelHungCollector{
		path:  filepath.Join(cfg.ProcFS, "sys", "kernel", "hung_task_detect_count"),
		tasks: NewDesc("node_kernel_hung_tasks_total", "Total number of tasks that have been detected as hung since the system booted.", Counter),
	}, nil
}

func (c *kernelHungCollector) Descs() []*Desc { return []*Desc{c.tasks} }

func (c *kernelHungCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read hung_task_detect_count: %w", err)
	}
	v, err := parseDecimal(bytes.TrimSpace(data))
	if err != nil {
		return fmt.Errorf("read hung_task_detect_count: %s: %w", c.path, err)
	}
	b.Add(c.tasks, float64(v))
	return nil
}
