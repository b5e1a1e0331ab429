package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
)

// conntrackCollector exports node_exporter's conntrack families: the table
// size from /proc/sys/net/netfilter/nf_conntrack_{count,max} and the
// statistics of /proc/net/stat/nf_conntrack summed over CPUs. Missing files
// (the nf_conntrack module not loaded) are not an error: nothing is exported.
type conntrackCollector struct {
	fs                 procfs.FS
	countPath, maxPath string
	entries, limit     *Desc
	stats              []conntrackStat
}

// conntrackStat is one node_nf_conntrack_stat_* family and the field it sums.
// node_exporter exports them as gauges although they only grow; the type is
// kept so that its users' queries and dashboards read them the same way.
type conntrackStat struct {
	d     *Desc
	field func(*procfs.ConntrackStatEntry) uint64
}

func newConntrackCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	dir := filepath.Join(cfg.ProcFS, "sys", "net", "netfilter")
	stat := func(name, help string, field func(*procfs.ConntrackStatEntry) uint64) conntrackStat {
		return conntrackStat{NewDesc("node_nf_conntrack_stat_"+name, help, Gauge), field}
	}
	return &conntrackCollector{
		fs:        pfs,
		countPath: filepath.Join(dir, "nf_conntrack_count"),
		maxPath:   filepath.Join(dir, "nf_conntrack_max"),
		entries:   NewDesc("node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.", Gauge),
		limit:     NewDesc("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", Gauge),
		stats: []conntrackStat{
			stat("found", "Number of searched entries which were successful.", func(e *procfs.ConntrackStatEntry) uint64 { return e.Found }),
			stat("invalid", "Number of packets seen which can not be tracked.", func(e *procfs.ConntrackStatEntry) uint64 { return e.Invalid }),
			stat("ignore", "Number of packets seen which are already connected to a conntrack entry.", func(e *procfs.ConntrackStatEntry) uint64 { return e.Ignore }),
			stat("insert", "Number of entries inserted into the list.", func(e *procfs.ConntrackStatEntry) uint64 { return e.Insert }),
			stat("insert_failed", "Number of entries for which list insertion was attempted but failed.", func(e *procfs.ConntrackStatEntry) uint64 { return e.InsertFailed }),
			stat("drop", "Number of packets dropped due to conntrack failure.", func(e *procfs.ConntrackStatEntry) uint64 { return e.Drop }),
			stat("early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.", func(e *procfs.ConntrackStatEntry) uint64 { return e.EarlyDrop }),
			stat("search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes.", func(e *procfs.ConntrackStatEntry) uint64 { return e.SearchRestart }),
		},
	}, nil
}

func (c *conntrackCollector) Descs() []*Desc {
	out := []*Desc{c.entries, c.limit}
	for _, s := range c.stats {
		out = append(out, s.d)
	}
	return out
}

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
	per, err := c.fs.ConntrackStat()
	if errors.Is(err, fs.ErrNotExist) {
		return nil // as node_exporter: the table without its statistics
	}
	if err != nil {
		return fmt.Errorf("failed to retrieve conntrack stats: %w", err)
	}
	for _, s := range c.stats {
		var sum uint64
		for i := range per {
			sum += s.field(&per[i])
		}
		b.Add(s.d, float64(sum))
	}
	return nil
}
