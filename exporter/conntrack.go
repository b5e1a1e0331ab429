package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// conntrackCollector exports node_exporter's conntrack table size from
// /proc/sys/net/netfilter/nf_conntrack_{count,max}. Missing files (the
// nf_conntrack module not loaded) are not an error: nothing is exported.
type conntrackCollector struct {
	countPath, maxPath string
	entries, limit     *Desc
}

func newConntrackCollector(cfg Config) (Collector, error) {
	dir := filepath.Join(cfg.ProcFS, "sys", "net", "netfilter")
	return &conntrackCollector{
		countPath: filepath.Join(dir, "nf_conntrack_count"),
		maxPath:   filepath.Join(dir, "nf_conntrack_max"),
		entries:   NewDesc("node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.", Gauge),
		limit:     NewDesc("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", Gauge),
	}, nil
}

func (c *conntrackCollector) Descs() []*Desc { return []*Desc{c.entries, c.limit} }

func (c *conntrackCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, f := range [...]struct {
		path string
		d    *Desc
	}{{c.countPath, c.entries}, {c.maxPath, c.limit}} {
		s, err := readFileString(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // conntrack not loaded
		}
		if err != nil {
			return fmt.Errorf("failed to retrieve conntrack stats: %w", err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("failed to retrieve conntrack stats: parse %s: %w", f.path, err)
		}
		b.Add(f.d, float64(v))
	}
	return nil
}
