package exporter

import (
	"context"
	"fmt"
	"strconv"

	"github.com/prometheus/procfs"
)

// softnetCollector exports node_exporter 1.5's softnet families from
// /proc/net/softnet_stat, one series per CPU.
type softnetCollector struct {
	fs                              procfs.FS
	processed, dropped, timeSqueezd *Desc
	cpus                            []string // formatted CPU indexes, reused
}

func newSoftnetCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &softnetCollector{
		fs:          pfs,
		processed:   NewDesc("node_softnet_processed_total", "Number of processed packets", Counter, "cpu"),
		dropped:     NewDesc("node_softnet_dropped_total", "Number of dropped packets", Counter, "cpu"),
		timeSqueezd: NewDesc("node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota", Counter, "cpu"),
	}, nil
}

func (c *softnetCollector) Descs() []*Desc {
	return []*Desc{c.processed, c.dropped, c.timeSqueezd}
}

func (c *softnetCollector) cpu(i uint32) string {
	if int(i) < len(c.cpus) {
		return c.cpus[i]
	}
	s := strconv.FormatUint(uint64(i), 10)
	if int(i) == len(c.cpus) && i < 65536 {
		c.cpus = append(c.cpus, s)
	}
	return s
}

func (c *softnetCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stats, err := c.fs.NetSoftnetStat()
	if err != nil {
		return fmt.Errorf("could not get softnet statistics: %w", err)
	}
	for _, s := range stats {
		cpu := c.cpu(s.Index)
		b.Add(c.processed, float64(s.Processed), cpu)
		b.Add(c.dropped, float64(s.Dropped), cpu)
		b.Add(c.timeSqueezd, float64(s.TimeSqueezed), cpu)
	}
	return nil
}
