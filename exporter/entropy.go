package exporter

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/procfs"
)

// entropyCollector exports node_exporter's entropy families from
// /proc/sys/kernel/random/{entropy_avail,poolsize}.
type entropyCollector struct {
	fs    procfs.FS
	avail *Desc
	pool  *Desc
}

func newEntropyCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &entropyCollector{
		fs:    pfs,
		avail: NewDesc("node_entropy_available_bits", "Bits of available entropy.", Gauge),
		pool:  NewDesc("node_entropy_pool_size_bits", "Bits of entropy pool.", Gauge),
	}, nil
}

func (c *entropyCollector) Descs() []*Desc { return []*Desc{c.avail, c.pool} }

func (c *entropyCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stats, err := c.fs.KernelRandom()
	if err != nil {
		return fmt.Errorf("failed to get kernel random stats: %w", err)
	}
	// As node_exporter: a missing file is an error, the other value is kept.
	var errs []error
	if stats.EntropyAvaliable != nil {
		b.Add(c.avail, float64(*stats.EntropyAvaliable))
	} else {
		errs = append(errs, errors.New("couldn't get entropy_avail"))
	}
	if stats.PoolSize != nil {
		b.Add(c.pool, float64(*stats.PoolSize))
	} else {
		errs = append(errs, errors.New("couldn't get entropy poolsize"))
	}
	return errors.Join(errs...)
}
