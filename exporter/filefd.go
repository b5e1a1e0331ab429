package exporter

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// filefdCollector exports node_exporter's filefd families from
// /proc/sys/fs/file-nr ("allocated unused maximum").
type filefdCollector struct {
	path      string
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
	s, err := readFileString(c.path)
	if err != nil {
		return fmt.Errorf("couldn't get file-nr: %w", err)
	}
	f := strings.Fields(s)
	if len(f) < 3 {
		return fmt.Errorf("unexpected number of file stats in %q", c.path)
	}
	// The second value (unused) is always zero since Linux 2.6.
	alloc, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return fmt.Errorf("invalid value %q in file-nr: %w", f[0], err)
	}
	limit, err := strconv.ParseFloat(f[2], 64)
	if err != nil {
		return fmt.Errorf("invalid value %q in file-nr: %w", f[2], err)
	}
	b.Add(c.allocated, alloc)
	b.Add(c.maximum, limit)
	return nil
}
