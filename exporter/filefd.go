package exporter

import (
	"context"
	"fmt"
	"path/filepath"
)

// filefdCollector exports node_exporter's filefd families from
// /proc/sys/fs/file-nr ("allocated unused maximum").
type filefdCollector struct {
	path      string
	file      fileBuffer
	allocated *Desc
	maximum   *Desc
}

func newFilefdCollector(cfg Config) (Collector, error) {
	return &filefdCollector{
		path:      filepath.Join(cfg.ProcFS, "sys", "fs", "file-nr"),
		allocated: NewDesc("node_filefd_allocated", "File descriptor statistics: allocated.", Gauge),
		maximum:   NewDesc("node_filefd_maximum", "File descriptor statistics: maximum.", Gauge),
	}, nil
}

func (c *filefdCollector) Descs() []*Desc { return []*Desc{c.allocated, c.maximum} }

func (c *filefdCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("couldn't get file-nr: %w", err)
	}
	// The second value (unused) is always zero since Linux 2.6.
	f0, rest := nextSpaceField(data)
	f1, rest := nextSpaceField(rest)
	f2, _ := nextSpaceField(rest)
	if len(f0) == 0 || len(f1) == 0 || len(f2) == 0 {
		return fmt.Errorf("unexpected number of file stats in %q", c.path)
	}
	alloc, err := parseFloatBytes(f0)
	if err != nil {
		return fmt.Errorf("invalid value %q in file-nr: %w", f0, err)
	}
	limit, err := parseFloatBytes(f2)
	if err != nil {
		return fmt.Errorf("invalid value %q in file-nr: %w", f2, err)
	}
	b.Add(c.allocated, alloc)
	b.Add(c.maximum, limit)
	return nil
}
