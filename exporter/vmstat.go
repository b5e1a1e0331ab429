package exporter

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// DefaultVmstatFields is node_exporter's default --collector.vmstat.fields.
const DefaultVmstatFields = `^(oom_kill|pgpg|pswp|pg.*fault).*`

// vmstatKnownFields are the fields of current kernels that the default
// regexp selects; their families are registered up front (for Descs). A
// kernel with other matching fields gets those families built on first use.
var vmstatKnownFields = []string{"oom_kill", "pgfault", "pgmajfault", "pgpgin", "pgpgout", "pswpin", "pswpout"}

// VmstatConfig selects the /proc/vmstat fields exported.
type VmstatConfig struct {
	// Fields matches field names; nil means DefaultVmstatFields.
	Fields *regexp.Regexp
}

// vmstatCollector exports node_exporter's vmstat families: each selected
// field of /proc/vmstat as node_vmstat_<field>, untyped as in node_exporter.
type vmstatCollector struct {
	path   string
	fields *regexp.Regexp
	descs  map[string]*Desc
	known  []*Desc
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
		c.known = append(c.known, c.desc(f))
	}
	return c, nil
}

func (c *vmstatCollector) desc(field string) *Desc {
	d := c.descs[field]
	if d == nil {
		d = NewDesc("node_vmstat_"+field, "/proc/vmstat information field "+field+".", Untyped)
		c.descs[field] = d
	}
	return d
}

func (c *vmstatCollector) Descs() []*Desc { return c.known }

func (c *vmstatCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := os.ReadFile(c.path)
	if err != nil {
		return fmt.Errorf("read /proc/vmstat: %w", err)
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		parts := bytes.Fields(s.Bytes())
		if len(parts) != 2 {
			continue
		}
		name := string(parts[0])
		if !c.fields.MatchString(name) || !metricNameRE.MatchString("node_vmstat_"+name) {
			continue
		}
		v, err := strconv.ParseFloat(string(parts[1]), 64)
		if err != nil {
			return fmt.Errorf("parse /proc/vmstat field %s: %w", name, err)
		}
		b.Add(c.desc(name), v)
	}
	return s.Err()
}
