package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
)

// userHZ is the kernel's USER_HZ, the unit of /proc/stat; it is 100 on every
// Linux architecture Prometheus supports (procfs assumes the same).
const userHZ = 100

// cpuModes are the /proc/stat columns in order, with the first eight exported
// as node_cpu_seconds_total modes and the last two as guest modes.
var cpuModes = [...]string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "user", "nice"}

const cpuCols = len(cpuModes)

type cpuCollector struct {
	path    string
	file    fileBuffer
	seconds *Desc
	guest   *Desc
	// last holds the highest value seen per CPU and column: /proc/stat
	// counters can go backwards when a CPU is unplugged and plugged again
	// (and iowait on some kernels), and Prometheus would read that as a reset.
	last   [][cpuCols]uint64
	labels []string // "0", "1", … kept so a scrape allocates no label strings
}

func newCPUCollector(cfg Config) (Collector, error) {
	return &cpuCollector{
		path:    filepath.Join(cfg.ProcFS, "stat"),
		seconds: NewDesc("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", Counter, "cpu", "mode"),
		guest:   NewDesc("node_cpu_guest_seconds_total", "Seconds the CPUs spent in guests (VMs) for each mode.", Counter, "cpu", "mode"),
	}, nil
}

func (c *cpuCollector) Descs() []*Desc { return []*Desc{c.seconds, c.guest} }

// Update parses /proc/stat directly: procfs.Stat parses every line (irq
// counts, softirqs) with allocations, which was most of this collector's cost.
func (c *cpuCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("read cpu stats: %w", err)
	}
	var errs []error
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if len(line) < 4 || !bytes.HasPrefix(line, []byte("cpu")) || line[3] == ' ' {
			continue // not a per-CPU line (the aggregate "cpu " line is skipped)
		}
		name, rest := nextField(line)
		cpu, err := parseUint(name[3:])
		if err != nil || cpu > 1<<16 {
			errs = append(errs, fmt.Errorf("%s: bad cpu line %q", c.path, truncate(line)))
			continue
		}
		var vals [cpuCols]uint64
		n := 0
		for ; n < cpuCols; n++ {
			var f []byte
			f, rest = nextField(rest)
			if len(f) == 0 {
				break
			}
			if vals[n], err = parseUint(f); err != nil {
				break
			}
		}
		if err != nil || n < 4 {
			errs = append(errs, fmt.Errorf("%s: bad cpu line %q", c.path, truncate(line)))
			continue
		}
		c.emit(b, int(cpu), &vals)
	}
	return errors.Join(errs...)
}

func (c *cpuCollector) emit(b *Batch, cpu int, vals *[cpuCols]uint64) {
	for len(c.last) <= cpu {
		c.last = append(c.last, [cpuCols]uint64{})
		c.labels = append(c.labels, strconv.Itoa(len(c.labels)))
	}
	last := &c.last[cpu]
	label := c.labels[cpu]
	for i, v := range vals {
		if v < last[i] {
			v = last[i] // counter went backwards: hold the old value
		}
		last[i] = v
		d := c.seconds
		if i >= 8 {
			d = c.guest
		}
		b.Add(d, float64(v)/userHZ, label, cpuModes[i])
	}
}

// truncate keeps error messages short when a file is garbage.
func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}
