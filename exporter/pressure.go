package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
)

// pressureCollector exports node_exporter's pressure stall families from
// /proc/pressure/{cpu,io,memory,irq}. Missing files (kernel < 4.20, or
// < 6.1 for irq, CONFIG_PSI off) and EOPNOTSUPP (psi=0) are not errors: the
// resource is skipped.
type pressureCollector struct {
	file                                fileBuffer
	resources                           [4]pressureResource
	cpu, io, ioFull, memory, memoryFull *Desc
	irqFull                             *Desc
}

type pressureResource struct {
	name, path string
	some, full *Desc // nil when not exported (cpu's full line, irq's some)
}

func newPressureCollector(cfg Config) (Collector, error) {
	c := &pressureCollector{
		cpu:        NewDesc("node_pressure_cpu_waiting_seconds_total", "Total time in seconds that processes have waited for CPU time", Counter),
		io:         NewDesc("node_pressure_io_waiting_seconds_total", "Total time in seconds that processes have waited due to IO congestion", Counter),
		ioFull:     NewDesc("node_pressure_io_stalled_seconds_total", "Total time in seconds no process could make progress due to IO congestion", Counter),
		memory:     NewDesc("node_pressure_memory_waiting_seconds_total", "Total time in seconds that processes have waited for memory", Counter),
		memoryFull: NewDesc("node_pressure_memory_stalled_seconds_total", "Total time in seconds no process could make progress due to memory congestion", Counter),
		irqFull:    NewDesc("node_pressure_irq_stalled_seconds_total", "Total time in seconds no process could make progress due to IRQ congestion", Counter),
	}
	dir := filepath.Join(cfg.ProcFS, "pressure")
	c.resources = [4]pressureResource{
		{"cpu", filepath.Join(dir, "cpu"), c.cpu, nil},
		{"io", filepath.Join(dir, "io"), c.io, c.ioFull},
		{"memory", filepath.Join(dir, "memory"), c.memory, c.memoryFull},
		{"irq", filepath.Join(dir, "irq"), nil, c.irqFull},
	}
	return c, nil
}

func (c *pressureCollector) Descs() []*Desc {
	return []*Desc{c.cpu, c.io, c.ioFull, c.memory, c.memoryFull, c.irqFull}
}

func (c *pressureCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for i := range c.resources {
		r := &c.resources[i]
		data, err := c.file.read(r.path)
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTSUP):
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("failed to retrieve pressure stats for %s: %w", r.name, err))
			continue
		}
		some, full, hasSome, hasFull, err := parsePSI(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("failed to retrieve pressure stats for %s: %s: %w", r.name, r.path, err))
			continue
		}
		// Totals are in microseconds. irq has only a "full" line.
		if r.some != nil && hasSome {
			b.Add(r.some, float64(some)/1e6)
		}
		if r.full != nil && hasFull {
			b.Add(r.full, float64(full)/1e6)
		}
	}
	return errors.Join(errs...)
}

// parsePSI reads the totals of a pressure file (accounting/psi.rst):
//
//	some avg10=0.00 avg60=0.00 avg300=0.00 total=0
//	full avg10=0.00 avg60=0.00 avg300=0.00 total=0
//
// Lines with another first word are ignored, for formats to come; a "some"
// or "full" line that does not have this form fails the whole file, as
// procfs's parser (and so node_exporter) does.
func parsePSI(data []byte) (some, full uint64, hasSome, hasFull bool, err error) {
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		var kind []byte
		if i := bytes.IndexByte(line, ' '); i >= 0 {
			kind = line[:i]
		} else {
			kind = line
		}
		switch string(kind) {
		case "some":
			if some, err = parsePSILine(line[len(kind):]); err != nil {
				return 0, 0, false, false, fmt.Errorf("bad line %q: %w", truncate(line), err)
			}
			hasSome = true
		case "full":
			if full, err = parsePSILine(line[len(kind):]); err != nil {
				return 0, 0, false, false, fmt.Errorf("bad line %q: %w", truncate(line), err)
			}
			hasFull = true
		}
	}
	return some, full, hasSome, hasFull, nil
}

var psiKeys = [...]string{"avg10=", "avg60=", "avg300=", "total="}

// parsePSILine checks the three averages and returns the total.
func parsePSILine(rest []byte) (uint64, error) {
	var f []byte
	for i, k := range psiKeys {
		f, rest = nextField(rest)
		if !bytes.HasPrefix(f, []byte(k)) {
			return 0, errSyntax
		}
		v := f[len(k):]
		if i == len(psiKeys)-1 {
			return parseDecimal(v)
		}
		if !isPSIAverage(v) {
			if _, err := parseFloatBytes(v); err != nil {
				return 0, err
			}
		}
	}
	panic("unreachable")
}

// isPSIAverage reports whether b is a plain "12.34" as the kernel writes.
func isPSIAverage(b []byte) bool {
	dot := bytes.IndexByte(b, '.')
	if dot <= 0 || dot == len(b)-1 {
		return false
	}
	_, e1 := parseUint(b[:dot])
	_, e2 := parseUint(b[dot+1:])
	return e1 == nil && e2 == nil
}
