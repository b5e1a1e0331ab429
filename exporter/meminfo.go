package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
)

// meminfoCollector exports every /proc/meminfo field as node_exporter 1.5
// does: "Active(anon):  123 kB" becomes node_memory_Active_anon_bytes with
// the value in bytes; fields without a unit (HugePages_Total) keep their name.
type meminfoCollector struct {
	path string
	file fileBuffer
	// descs caches one descriptor per field name seen, so a scrape builds no
	// descriptor and renders no name; the key is the raw field name.
	descs map[string]*Desc
}

// requiredMeminfoFields must be present on any Linux host; rules and
// dashboards depend on them, so their absence is a collector failure.
var requiredMeminfoFields = []string{"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree"}

func newMeminfoCollector(cfg Config) (Collector, error) {
	c := &meminfoCollector{path: filepath.Join(cfg.ProcFS, "meminfo"), descs: map[string]*Desc{}}
	// Pre-build the fields everyone relies on, so Descs lists them.
	for _, f := range requiredMeminfoFields {
		c.descs[f] = meminfoDesc(f, true)
	}
	return c, nil
}

func meminfoDesc(field string, kB bool) *Desc {
	name := field
	if i := bytes.IndexByte([]byte(name), '('); i >= 0 && name[len(name)-1] == ')' {
		name = name[:i] + "_" + name[i+1:len(name)-1]
	}
	if kB {
		name += "_bytes"
	}
	return NewDesc("node_memory_"+name, "Memory information field "+name+".", Gauge)
}

func (c *meminfoCollector) Descs() []*Desc {
	out := make([]*Desc, 0, len(requiredMeminfoFields))
	for _, f := range requiredMeminfoFields {
		out = append(out, c.descs[f])
	}
	return out
}

func (c *meminfoCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("read memory stats: %w", err)
	}
	var errs []error
	seen := 0
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if len(line) == 0 {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			errs = append(errs, fmt.Errorf("%s: bad line %q", c.path, truncate(line)))
			continue
		}
		key := line[:colon]
		num, rest := nextField(line[colon+1:])
		unit, _ := nextField(rest)
		v, err := parseUint(num)
		if err != nil || (len(unit) > 0 && string(unit) != "kB") {
			errs = append(errs, fmt.Errorf("%s: bad line %q", c.path, truncate(line)))
			continue
		}
		kB := len(unit) > 0
		d, ok := c.descs[string(key)] // no allocation for the lookup
		if !ok || (d.name[len(d.name)-6:] == "_bytes") != kB {
			if !validMeminfoKey(key) {
				errs = append(errs, fmt.Errorf("%s: bad field name %q", c.path, truncate(key)))
				continue
			}
			d = meminfoDesc(string(key), kB)
			c.descs[string(key)] = d
		}
		if isRequiredMeminfo(key) {
			seen++
		}
		if kB {
			v *= 1024
		}
		b.Add(d, float64(v))
	}
	if seen < len(requiredMeminfoFields) {
		errs = append(errs, fmt.Errorf("%s: %d of the %d required fields present", c.path, seen, len(requiredMeminfoFields)))
	}
	return errors.Join(errs...)
}

// validMeminfoKey accepts the characters that appear in meminfo field names
// and that map to a valid metric name.
func validMeminfoKey(k []byte) bool {
	open := false
	for i, c := range k {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', i > 0 && c >= '0' && c <= '9':
		case c == '(' && !open && i > 0:
			open = true
		case c == ')' && open && i == len(k)-1:
		default:
			return false
		}
	}
	return len(k) > 0
}

func isRequiredMeminfo(k []byte) bool {
	for _, f := range requiredMeminfoFields {
		if string(k) == f {
			return true
		}
	}
	return false
}
