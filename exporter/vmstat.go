package exporter

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
)

// DefaultVmstatFields is node_exporter's default --collector.vmstat.fields.
const DefaultVmstatFields = `^(oom_kill|pgpg|pswp|pg.*fault).*`

// vmstatKnownFields are the fields of current kernels that the default
// regexp selects; their families are registered up front (for Descs). A
// kernel with other matching fields gets those families built on first use.
var vmstatKnownFields = []string{"oom_kill", "pgfault", "pgmajfault", "pgpgin", "pgpgout", "pswpin", "pswpout"}

// vmstatMaxCached bounds the per-field cache; /proc/vmstat has about 200
// fields, so it is only reached if field names change all the time.
const vmstatMaxCached = 4096

// VmstatConfig selects the /proc/vmstat fields exported.
type VmstatConfig struct {
	// Fields matches field names; nil means DefaultVmstatFields.
	Fields *regexp.Regexp
}

// vmstatCollector exports node_exporter's vmstat families: each selected
// field of /proc/vmstat as node_vmstat_<field>, untyped as in node_exporter.
type vmstatCollector struct {
	path   string
	file   fileBuffer
	fields *regexp.Regexp
	// descs caches the decision per field name: its descriptor, or nil when
	// the field is not selected (or makes no valid metric name), so a scrape
	// runs no regexp and builds no name.
	descs map[string]*Desc
	known []*Desc
}

func newVmstatCollector(cfg Config) (Collector, error) {
	re := cfg.Vmstat.Fields
	if re == nil {
		re = regexp.MustCompile(DefaultVmstatFields)
	}
	c := &vmstatCollector{
		path:   filepath.Join(cfg.ProcFS, "vmstat"),
		fields: re,
		descs:  map[string]*Desc{},
	}
	for _, f := range vmstatKnownFields {
		c.known = append(c.known, vmstatDesc(f))
	}
	return c, nil
}

func vmstatDesc(field string) *Desc {
	return NewDesc("node_vmstat_"+field, "/proc/vmstat information field "+field+".", Untyped)
}

// desc returns the descriptor of a selected field, nil for the others.
func (c *vmstatCollector) desc(field []byte) *Desc {
	if d, ok := c.descs[string(field)]; ok { // no allocation for the lookup
		return d
	}
	name := string(field)
	var d *Desc
	if c.fields.MatchString(name) && metricNameRE.MatchString("node_vmstat_"+name) {
		for _, k := range c.known {
			if k.name == "node_vmstat_"+name {
				d = k
				break
			}
		}
		if d == nil {
			d = vmstatDesc(name)
		}
	}
	if len(c.descs) >= vmstatMaxCached {
		clear(c.descs)
	}
	c.descs[name] = d
	return d
}

func (c *vmstatCollector) Descs() []*Desc { return c.known }

func (c *vmstatCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("read /proc/vmstat: %w", err)
	}
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		// "name value"; lines with another number of fields are skipped.
		name, rest := nextSpaceField(line)
		val, rest := nextSpaceField(rest)
		if extra, _ := nextSpaceField(rest); len(val) == 0 || len(extra) > 0 {
			continue
		}
		d := c.desc(name)
		if d == nil {
			continue
		}
		v, err := parseFloatBytes(val)
		if err != nil {
			return fmt.Errorf("parse /proc/vmstat field %s: %w", name, err)
		}
		b.Add(d, v)
	}
	return nil
}
