package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
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
	file     fileBuffer
	v4, v6   string
	pageSize int
	used     *Desc
	// protos holds the descriptors per protocol name, for the fields in
	// sockstatFields order; protocols that newer kernels add get theirs on
	// first sight.
	protos map[string]*sockstatProto
	known  []*Desc
	lines  []sockstatLine // one file's parsed lines, reused
}

// sockstatFields are the fields procfs reads from a protocol line, in the
// order node_exporter exports them; mem_bytes is mem in bytes.
var sockstatFields = [...]string{"inuse", "orphan", "tw", "alloc", "mem", "memory", "mem_bytes"}

const (
	sockstatInuse = iota
	sockstatOrphan
	sockstatTW
	sockstatAlloc
	sockstatMem
	sockstatMemory
	sockstatMemBytes
	sockstatNumFields
)

type sockstatProto struct {
	descs [sockstatNumFields]*Desc // nil when the name is not valid
}

// sockstatLine is one parsed line: the "sockets:" line (proto nil) or a
// protocol's, with the fields present.
type sockstatLine struct {
	proto *sockstatProto
	vals  [sockstatNumFields]int
	has   [sockstatNumFields]bool
}

func newSockstatCollector(cfg Config) (Collector, error) {
	c := &sockstatCollector{
		v4:       filepath.Join(cfg.ProcFS, "net", "sockstat"),
		v6:       filepath.Join(cfg.ProcFS, "net", "sockstat6"),
		pageSize: os.Getpagesize(),
		used:     NewDesc("node_sockstat_sockets_used", "Number of IPv4 sockets in use.", Gauge),
		protos:   map[string]*sockstatProto{},
	}
	c.known = append(c.known, c.used)
	for _, k := range sockstatKnown {
		proto, field, _ := cutLast(k, '_')
		if field == "bytes" { // mem_bytes
			proto, _, _ = cutLast(proto, '_')
			field = "mem_bytes"
		}
		p := c.proto([]byte(proto))
		for i, f := range sockstatFields {
			if f == field {
				c.known = append(c.known, p.descs[i])
			}
		}
	}
	return c, nil
}

func (c *sockstatCollector) Descs() []*Desc { return c.known }

func (c *sockstatCollector) proto(name []byte) *sockstatProto {
	if p, ok := c.protos[string(name)]; ok {
		return p
	}
	if len(c.protos) >= 1024 {
		clear(c.protos)
	}
	proto := string(name)
	p := &sockstatProto{}
	for i, f := range sockstatFields {
		n := "node_sockstat_" + proto + "_" + f
		if metricNameRE.MatchString(n) {
			p.descs[i] = NewDesc(n, fmt.Sprintf("Number of %s sockets in state %s.", proto, f), Gauge)
		}
	}
	c.protos[proto] = p
	return p
}

func (c *sockstatCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for _, path := range [...]string{c.v4, c.v6} {
		data, err := c.file.read(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // IPv4 or IPv6 disabled
		}
		if err == nil {
			err = c.parse(data)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("read sockstat: %s: %w", path, err))
			continue
		}
		c.add(b)
	}
	return errors.Join(errs...)
}

// parse reads a sockstat file as procfs does (and so node_exporter): lines
// of "PROTO: key value key value ..." with single spaces, values decimal
// integers; any malformed line fails the whole file. Only "sockets: used"
// and the fields of sockstatFields are kept; a repeated key keeps its last
// value, and inuse reads 0 when absent.
func (c *sockstatCollector) parse(data []byte) error {
	c.lines = c.lines[:0]
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		name, rest, _ := bytes.Cut(line, []byte(" "))
		if len(rest) == 0 || bytes.Count(rest, []byte(" "))%2 == 0 {
			// fewer than three fields, or an odd number of key/value fields
			return fmt.Errorf("malformed sockstat line %q", truncate(line))
		}
		name = bytes.TrimSuffix(name, []byte(":"))
		sockets := string(name) == "sockets"
		var l sockstatLine
		var used int
		for len(rest) > 0 {
			var k, v []byte
			k, rest, _ = bytes.Cut(rest, []byte(" "))
			v, rest, _ = bytes.Cut(rest, []byte(" "))
			n, err := parseSockstatInt(v)
			if err != nil {
				return fmt.Errorf("sockstat line %q: %w", truncate(line), err)
			}
			if sockets {
				if string(k) == "used" {
					used = n
				}
				continue
			}
			for i, f := range sockstatFields[:sockstatMemBytes] {
				if string(k) == f {
					l.vals[i], l.has[i] = n, true
				}
			}
		}
		if sockets {
			l.vals[0], l.has[0] = used, true
		} else {
			l.proto = c.proto(name)
			l.has[sockstatInuse] = true
			l.has[sockstatMemBytes] = l.has[sockstatMem]
		}
		c.lines = append(c.lines, l)
	}
	return nil
}

// parseSockstatInt is strconv.ParseInt(string(b), 0, 64), procfs's parse,
// without the allocation for the plain decimals the kernel writes.
func parseSockstatInt(b []byte) (int, error) {
	if len(b) == 1 || (len(b) > 0 && b[0] != '0') {
		if v, err := parseUint(b); err == nil && v <= math.MaxInt64 {
			return int(v), nil
		}
	}
	v, err := strconv.ParseInt(string(b), 0, 64)
	return int(v), err
}

func (c *sockstatCollector) add(b *Batch) {
	for i := range c.lines {
		l := &c.lines[i]
		if l.proto == nil {
			b.Add(c.used, float64(l.vals[0]))
			continue
		}
		for f, d := range l.proto.descs {
			if !l.has[f] || d == nil {
				continue
			}
			v := float64(l.vals[f])
			if f == sockstatMemBytes { // as node_exporter: mem × page size in float
				v = float64(l.vals[sockstatMem]) * float64(c.pageSize)
			}
			b.Add(d, v)
		}
	}
}
