package exporter

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
)

// statCollector exports node_exporter's stat collector families from
// /proc/stat (without its optional --collector.stat.softirq series). The
// per-CPU times are the cpu collector's.
type statCollector struct {
	path                                       string
	file                                       fileBuffer
	intr, ctxt, forks, btime, running, blocked *Desc
}

func newStatCollector(cfg Config) (Collector, error) {
	return &statCollector{
		path:    filepath.Join(cfg.ProcFS, "stat"),
		intr:    NewDesc("node_intr_total", "Total number of interrupts serviced.", Counter),
		ctxt:    NewDesc("node_context_switches_total", "Total number of context switches.", Counter),
		forks:   NewDesc("node_forks_total", "Total number of forks.", Counter),
		btime:   NewDesc("node_boot_time_seconds", "Node boot time, in unixtime.", Gauge),
		running: NewDesc("node_procs_running", "Number of processes in runnable state.", Gauge),
		blocked: NewDesc("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", Gauge),
	}, nil
}

func (c *statCollector) Descs() []*Desc {
	return []*Desc{c.intr, c.ctxt, c.forks, c.btime, c.running, c.blocked}
}

// Update parses /proc/stat directly rather than with procfs.Stat, which
// builds a map of every CPU's times and the numbered interrupt and softirq
// counts. Like procfs (and so node_exporter) it still rejects the whole file
// when any line it knows is malformed, and exports 0 for a line that is
// absent.
func (c *statCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("read /proc/stat: %w", err)
	}
	var intr, ctxt, forks, btime, running, blocked uint64
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		key, rest := nextSpaceField(line)
		first, rest := nextSpaceField(rest)
		if len(first) == 0 {
			continue // fewer than two fields: skipped, as procfs does
		}
		var dst *uint64
		switch string(key) {
		case "intr":
			dst = &intr
			// The numbered interrupts are not exported, but procfs (and so
			// node_exporter) fails on a malformed one.
			for f, r := nextSpaceField(rest); len(f) > 0; f, r = nextSpaceField(r) {
				if _, err := parseDecimal(f); err != nil {
					return c.bad(line, err)
				}
			}
		case "ctxt":
			dst = &ctxt
		case "btime":
			dst = &btime
		case "processes":
			dst = &forks
		case "procs_running":
			dst = &running
		case "procs_blocked":
			dst = &blocked
		case "softirq":
			// "softirq total hi timer net_tx net_rx block irq_poll tasklet
			// sched hrtimer rcu": eleven counters, not exported here.
			n := 0
			for f, r := first, rest; len(f) > 0 && n < 11; f, r = nextSpaceField(r) {
				if _, err := parseDecimal(f); err != nil {
					return c.bad(line, err)
				}
				n++
			}
			if n < 11 {
				return c.bad(line, errSyntax)
			}
			continue
		default:
			if bytes.HasPrefix(key, []byte("cpu")) {
				if err := checkStatCPU(key, first, rest); err != nil {
					return c.bad(line, err)
				}
			}
			continue
		}
		v, err := parseDecimal(first)
		if err != nil {
			return c.bad(line, err)
		}
		*dst = v
	}
	b.Add(c.intr, float64(intr))
	b.Add(c.ctxt, float64(ctxt))
	b.Add(c.forks, float64(forks))
	b.Add(c.btime, float64(btime))
	b.Add(c.running, float64(running))
	b.Add(c.blocked, float64(blocked))
	return nil
}

func (c *statCollector) bad(line []byte, err error) error {
	return fmt.Errorf("read /proc/stat: %s: bad line %q: %w", c.path, truncate(line), err)
}

// checkStatCPU validates a "cpu" or "cpuN" line as procfs does: the CPU
// number must parse and the times (up to ten) must be numbers.
func checkStatCPU(key, first, rest []byte) error {
	if len(key) > 3 {
		if _, err := parseUint(key[3:]); err != nil {
			if _, err := strconv.ParseInt(string(key[3:]), 10, 64); err != nil {
				return err
			}
		}
	}
	n := 0
	for f, r := first, rest; len(f) > 0 && n < 10; f, r = nextSpaceField(r) {
		if _, err := parseFloatBytes(f); err != nil {
			return err
		}
		n++
	}
	return nil
}

// nextSpaceField is nextField that also takes newlines, carriage returns,
// vertical tabs and form feeds as separators, as strings.Fields does for
// ASCII.
func nextSpaceField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseDecimal is strconv.ParseUint(string(b), 10, 64) without the
// allocation when b is a plain decimal number (the only form the kernel
// writes); other input goes to strconv for its exact result and error.
func parseDecimal(b []byte) (uint64, error) {
	if v, err := parseUint(b); err == nil {
		return v, nil
	}
	return strconv.ParseUint(string(b), 10, 64)
}

// parseFloatBytes is strconv.ParseFloat(string(b), 64) without the
// allocation for plain decimal integers; uint64 to float64 conversion rounds
// to nearest as ParseFloat does.
func parseFloatBytes(b []byte) (float64, error) {
	if v, err := parseUint(b); err == nil {
		return float64(v), nil
	}
	return strconv.ParseFloat(string(b), 64)
}
