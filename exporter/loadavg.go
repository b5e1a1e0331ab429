package exporter

import (
	"context"
	"fmt"

	"github.com/prometheus/procfs"
)

// loadavgCollector uses procfs: /proc/loadavg is one short line, so parsing
// it by hand would save nothing measurable.
type loadavgCollector struct {
	fs                   procfs.FS
	load1, load5, load15 *Desc
}

func newLoadavgCollector(cfg Config) (Collector, error) {
	fs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &loadavgCollector{
		fs:     fs,
		load1:  NewDesc("node_load1", "1m load average.", Gauge),
		load5:  NewDesc("node_load5", "5m load average.", Gauge),
		load15: NewDesc("node_load15", "15m load average.", Gauge),
	}, nil
}

func (c *loadavgCollector) Descs() []*Desc { return []*Desc{c.load1, c.load5, c.load15} }

func (c *loadavgCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l, err := c.fs.LoadAvg()
	if err != nil {
		return fmt.Errorf("read load average: %w", err)
	}
	b.Add(c.load1, l.Load1)
	b.Add(c.load5, l.Load5)
	b.Add(c.load15, l.Load15)
	return nil
}
