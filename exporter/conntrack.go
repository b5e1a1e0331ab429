package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// conntrackCollector exports node_exporter's conntrack families: the table
// size from /proc/sys/net/netfilter/nf_conntrack_{count,max} and the
// statistics of /proc/net/stat/nf_conntrack summed over CPUs. Missing files
// (the nf_conntrack module not loaded) are not an error: nothing is exported.
type conntrackCollector struct {
	file                         fileBuffer
	countPath, maxPath, statPath string
	entries, limit               *Desc
	stats                        []conntrackStat
	sums                         []uint64 // per stat, reused
}

// conntrackStat is one node_nf_conntrack_stat_* family and the column of
// /proc/net/stat/nf_conntrack it sums. node_exporter exports them as gauges
// although they only grow; the type is kept so that its users' queries and
// dashboards read them the same way.
type conntrackStat struct {
	d   *Desc
	col int
}

// The columns of /proc/net/stat/nf_conntrack (net/netfilter/nf_conntrack_
// standalone.c): entries searched found new invalid ignore delete
// delete_list insert insert_failed drop early_drop icmp_error expect_new
// expect_create expect_delete [search_restart (Linux 4.10)].
const (
	conntrackColFound         = 2
	conntrackColInvalid       = 4
	conntrackColIgnore        = 5
	conntrackColInsert        = 8
	conntrackColInsertFailed  = 9
	conntrackColDrop          = 10
	conntrackColEarlyDrop     = 11
	conntrackColSearchRestart = 16
	conntrackMinCols          = 16
	conntrackMaxCols          = 17
)

func newConntrackCollector(cfg Config) (Collector, error) {
	dir := filepath.Join(cfg.ProcFS, "sys", "net", "netfilter")
	stat := func(name, help string, col int) conntrackStat {
		return conntrackStat{NewDesc("node_nf_conntrack_stat_"+name, help, Gauge), col}
	}
	c := &conntrackCollector{
		countPath: filepath.Join(dir, "nf_conntrack_count"),
		maxPath:   filepath.Join(dir, "nf_conntrack_max"),
		statPath:  filepath.Join(cfg.ProcFS, "net", "stat", "nf_conntrack"),
		entries:   NewDesc("node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.", Gauge),
		limit:     NewDesc("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", Gauge),
		stats: []conntrackStat{
			stat("found", "Number of searched entries which were successful.", conntrackColFound),
			stat("invalid", "Number of packets seen which can not be tracked.", conntrackColInvalid),
			stat("ignore", "Number of packets seen which are already connected to a conntrack entry.", conntrackColIgnore),
			stat("insert", "Number of entries inserted into the list.", conntrackColInsert),
			stat("insert_failed", "Number of entries for which list insertion was attempted but failed.", conntrackColInsertFailed),
			stat("drop", "Number of packets dropped due to conntrack failure.", conntrackColDrop),
			stat("early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.", conntrackColEarlyDrop),
			stat("search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes.", conntrackColSearchRestart),
		},
	}
	c.sums = make([]uint64, len(c.stats))
	return c, nil
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
		data, err := c.file.read(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // conntrack not loaded
		}
		if err != nil {
			return fmt.Errorf("failed to retrieve conntrack stats: read %s: %w", f.path, err)
		}
		v, err := parseDecimal(bytes.TrimSpace(data))
		if err != nil {
			return fmt.Errorf("failed to retrieve conntrack stats: parse %s: %w", f.path, err)
		}
		b.Add(f.d, float64(v))
	}
	data, err := c.file.read(c.statPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // as node_exporter: the table without its statistics
	}
	if err != nil {
		return fmt.Errorf("failed to retrieve conntrack stats: %w", err)
	}
	if err := c.sum(data); err != nil {
		return fmt.Errorf("failed to retrieve conntrack stats: %s: %w", c.statPath, err)
	}
	for i, s := range c.stats {
		b.Add(s.d, float64(c.sums[i]))
	}
	return nil
}

// sum adds up the statistics over the per-CPU lines, after the header line.
// As procfs (and so node_exporter): every column must be hexadecimal, and a
// line must have 16 or 17 of them, else the statistics are not exported.
func (c *conntrackCollector) sum(data []byte) error {
	clear(c.sums)
	_, data = nextLine(data)
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		var cols [conntrackMaxCols]uint64
		n := 0
		for f, r := nextSpaceField(line); len(f) > 0; f, r = nextSpaceField(r) {
			v, err := parseHex(f, 64)
			if err != nil {
				return fmt.Errorf("bad line %q: %w", truncate(line), err)
			}
			if n < len(cols) {
				cols[n] = v
			}
			n++
		}
		if n < conntrackMinCols || n > conntrackMaxCols {
			return fmt.Errorf("bad line %q: %d columns, want %d or %d", truncate(line), n, conntrackMinCols, conntrackMaxCols)
		}
		for i, s := range c.stats {
			c.sums[i] += cols[s.col] // search_restart reads 0 when absent
		}
	}
	return nil
}
