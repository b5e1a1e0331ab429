package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// entropyCollector exports node_exporter's entropy families from
// /proc/sys/kernel/random/{entropy_avail,poolsize}.
type entropyCollector struct {
	file                fileBuffer
	availPath, poolPath string
	avail               *Desc
	pool                *Desc
}

func newEntropyCollector(cfg Config) (Collector, error) {
	dir := filepath.Join(cfg.ProcFS, "sys", "kernel", "random")
	return &entropyCollector{
		availPath: filepath.Join(dir, "entropy_avail"),
		poolPath:  filepath.Join(dir, "poolsize"),
		avail:     NewDesc("node_entropy_available_bits", "Bits of available entropy.", Gauge),
		pool:      NewDesc("node_entropy_pool_size_bits", "Bits of entropy pool.", Gauge),
	}, nil
}

func (c *entropyCollector) Descs() []*Desc { return []*Desc{c.avail, c.pool} }

func (c *entropyCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	avail, okAvail, err := readUintFile(&c.file, c.availPath)
	if err != nil {
		return fmt.Errorf("failed to get kernel random stats: %w", err)
	}
	pool, okPool, err := readUintFile(&c.file, c.poolPath)
	if err != nil {
		return fmt.Errorf("failed to get kernel random stats: %w", err)
	}
	// As node_exporter: a missing file is an error, the other value is kept.
	var errs []error
	if okAvail {
		b.Add(c.avail, float64(avail))
	} else {
		errs = append(errs, errors.New("couldn't get entropy_avail"))
	}
	if okPool {
		b.Add(c.pool, float64(pool))
	} else {
		errs = append(errs, errors.New("couldn't get entropy poolsize"))
	}
	return errors.Join(errs...)
}

// readUintFile reads a file holding one decimal number, as procfs's
// ReadUintFromFile does (surrounding white space allowed). A missing file
// returns ok false and no error.
func readUintFile(r *fileBuffer, path string) (v uint64, ok bool, err error) {
	data, err := r.read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if v, err = parseDecimal(bytes.TrimSpace(data)); err != nil {
		return 0, false, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, true, nil
}
