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
	// cpus holds, per CPU, the values last exported, handled as
	// node_exporter's updateCPUStats does: a counter that goes backwards a
	// little (iowait does on many kernels) is held at its previous value, and
	// an idle counter that goes backwards by jumpBackTicks or more means the
	// CPU was unplugged and plugged again, so its stored values are dropped
	// and the kernel's restarted counters are exported as they are (which
	// Prometheus reads as the reset it is). A CPU missing from /proc/stat is
	// offline: its state is forgotten, as node_exporter forgets offline CPUs.
	cpus   []cpuState
	seen   uint64   // scrape number, to find the CPUs absent from this read
	labels []string // "0", "1", … kept so a scrape allocates no label strings
}

type cpuState struct {
	last [cpuCols]uint64
	seen uint64 // scrape that last read this CPU; 0 when it has no state
}

// jumpBackTicks is node_exporter's jumpBackSeconds (3 s) in USER_HZ ticks:
// an idle counter falling back by less is jitter, by more a hotplug.
const jumpBackTicks = 3 * userHZ

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
	c.seen++
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
		if int(cpu) < len(c.cpus) && c.cpus[cpu].seen != 0 {
			c.cpus[cpu].seen = c.seen // a garbled line is not an offline CPU: keep its state
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
	for i := range c.cpus {
		if c.cpus[i].seen != c.seen {
			c.cpus[i] = cpuState{} // offline: it restarts from the kernel's values
		}
	}
	return errors.Join(errs...)
}

func (c *cpuCollector) state(cpu int) *cpuState {
	for len(c.cpus) <= cpu {
		c.cpus = append(c.cpus, cpuState{})
		c.labels = append(c.labels, strconv.Itoa(len(c.labels)))
	}
	return &c.cpus[cpu]
}

// update folds one read of a CPU's counters into its state, as
// node_exporter's updateCPUStats does, and returns the values to export.
func (s *cpuState) update(vals *[cpuCols]uint64) *[cpuCols]uint64 {
	const idle = 3
	if s.last[idle] >= vals[idle]+jumpBackTicks {
		s.last = [cpuCols]uint64{} // hotplug: the kernel restarted this CPU's counters
	}
	for i, v := range vals {
		if v > s.last[i] {
			s.last[i] = v
		} // else: jumped backwards by less than a hotplug, hold the old value
	}
	return &s.last
}

func (c *cpuCollector) emit(b *Batch, cpu int, vals *[cpuCols]uint64) {
	st := c.state(cpu)
	st.seen = c.seen
	label := c.labels[cpu]
	for i, v := range st.update(vals) {
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
