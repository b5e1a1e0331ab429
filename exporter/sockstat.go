package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/prometheus/procfs"
)

// sockstatKnown are the families of current kernels' /proc/net/sockstat and
// sockstat6, as node_exporter names them: node_sockstat_<PROTO>_<field>.
var sockstatKnown = []string{
	"TCP_alloc", "TCP_inuse", "TCP_mem", "TCP_mem_bytes", "TCP_orphan", "TCP_tw",
	"UDP_inuse", "UDP_mem", "UDP_mem_bytes",
	"UDPLITE_inuse", "RAW_inuse", "FRAG_inuse", "FRAG_memory",
	"TCP6_inuse", "UDP6_inuse", "UDPLITE6_inuse", "RAW6_inuse", "FRAG6_inuse", "FRAG6_memory",
}

// sockstatCollector exports node_exporter's sockstat families from
// /proc/net/sockstat and sockstat6 (either may be missing when IPv4 or IPv6
// is disabled, as node_exporter allows).
type sockstatCollector struct {
	fs       procfs.FS
	pageSize int
	used     *Desc
	// descs holds the descriptor per "<PROTO>_<field>"; protocols that newer
	// kernels add get theirs on first sight.
	descs map[string]*Desc
	known []*Desc
}

func newSockstatCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	c := &sockstatCollector{
		fs:       pfs,
		pageSize: os.Getpagesize(),
		used:     NewDesc("node_sockstat_sockets_used", "Number of IPv4 sockets in use.", Gauge),
		descs:    map[string]*Desc{},
	}
	c.known = append(c.known, c.used)
	for _, k := range sockstatKnown {
		proto, field, _ := cutLast(k, '_')
		if field == "bytes" { // mem_bytes
			proto, _, _ = cutLast(proto, '_')
			field = "mem_bytes"
		}
		c.known = append(c.known, c.desc(proto, field))
	}
	return c, nil
}

func (c *sockstatCollector) Descs() []*Desc { return c.known }

func (c *sockstatCollector) desc(proto, field string) *Desc {
	key := proto + "_" + field
	if d, ok := c.descs[key]; ok {
		return d
	}
	name := "node_sockstat_" + key
	if !metricNameRE.MatchString(name) {
		return nil
	}
	if len(c.descs) >= 1024 {
		clear(c.descs)
	}
	d := NewDesc(name, fmt.Sprintf("Number of %s sockets in state %s.", proto, field), Gauge)
	c.descs[key] = d
	return d
}

func (c *sockstatCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for _, read := range []func() (*procfs.NetSockstat, error){c.fs.NetSockstat, c.fs.NetSockstat6} {
		s, err := read()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // IPv4 or IPv6 disabled
		case err != nil:
			errs = append(errs, fmt.Errorf("read sockstat: %w", err))
			continue
		}
		c.add(b, s)
	}
	return errors.Join(errs...)
}

func (c *sockstatCollector) add(b *Batch, s *procfs.NetSockstat) {
	if s.Used != nil {
		b.Add(c.used, float64(*s.Used))
	}
	for _, p := range s.Protocols {
		inuse := p.InUse
		pairs := [...]struct {
			field string
			v     *int
		}{
			{"inuse", &inuse}, {"orphan", p.Orphan}, {"tw", p.TW},
			{"alloc", p.Alloc}, {"mem", p.Mem}, {"memory", p.Memory},
		}
		for _, pr := range pairs {
			if pr.v == nil {
				continue
			}
			if d := c.desc(p.Protocol, pr.field); d != nil {
				b.Add(d, float64(*pr.v))
			}
		}
		if p.Mem != nil {
			if d := c.desc(p.Protocol, "mem_bytes"); d != nil {
				b.Add(d, float64(*p.Mem)*float64(c.pageSize))
			}
		}
	}
}
