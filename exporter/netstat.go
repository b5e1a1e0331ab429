package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
)

// DefaultNetstatFields is node_exporter's default --collector.netstat.fields.
const DefaultNetstatFields = `^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$`

// NetstatConfig selects the /proc/net/{netstat,snmp,snmp6} fields exported.
type NetstatConfig struct {
	// Fields matches <Proto>_<Field>; nil means DefaultNetstatFields.
	Fields *regexp.Regexp
}

// netstatKnownFields are the fields of current kernels that the default
// pattern selects. They are the families Descs reports (those the configured
// pattern matches); fields outside this list that a wider pattern matches are
// exported too, with descriptors made on first sight.
var netstatKnownFields = []string{
	"Icmp_InErrors", "Icmp_InMsgs", "Icmp_OutMsgs",
	"Icmp6_InErrors", "Icmp6_InMsgs", "Icmp6_OutMsgs",
	"Ip_Forwarding",
	"Ip6_InOctets", "Ip6_OutOctets",
	"IpExt_InOctets", "IpExt_OutOctets",
	"Tcp_ActiveOpens", "Tcp_CurrEstab", "Tcp_InErrs", "Tcp_InSegs", "Tcp_OutRsts",
	"Tcp_OutSegs", "Tcp_PassiveOpens", "Tcp_RetransSegs",
	"TcpExt_ListenDrops", "TcpExt_ListenOverflows",
	"TcpExt_SyncookiesFailed", "TcpExt_SyncookiesRecv", "TcpExt_SyncookiesSent",
	"TcpExt_TCPOFOQueue", "TcpExt_TCPRcvQDrop", "TcpExt_TCPSynRetrans", "TcpExt_TCPTimeouts",
	"Udp_InDatagrams", "Udp_InErrors", "Udp_NoPorts", "Udp_OutDatagrams",
	"Udp_RcvbufErrors", "Udp_SndbufErrors",
	"Udp6_InDatagrams", "Udp6_InErrors", "Udp6_NoPorts", "Udp6_OutDatagrams",
	"Udp6_RcvbufErrors", "Udp6_SndbufErrors",
	"UdpLite_InErrors", "UdpLite6_InErrors",
}

// netstatCollector exports node_exporter's netstat families
// node_netstat_<Proto>_<Field>, untyped as node_exporter has them.
type netstatCollector struct {
	netstat, snmp, snmp6 string
	file                 fileBuffer
	fields               *regexp.Regexp
	// descs caches the descriptor per <Proto>_<Field>, nil for a field the
	// pattern does not select, so the regex runs once per field.
	descs map[string]*Desc
	known []*Desc
	key   []byte // "<Proto>_<Field>" being looked up, reused
	// layouts caches, per protocol of netstat and snmp, the descriptor of
	// each field of its names line (nil when not selected), so that a scrape
	// compares the names line with the one seen before and then only walks
	// the values.
	layouts map[string]*netstatLayout
}

type netstatLayout struct {
	names []byte
	descs []*Desc
}

// layout returns the field descriptors for proto's names line.
func (c *netstatCollector) layout(proto, names []byte) *netstatLayout {
	if l := c.layouts[string(proto)]; l != nil && bytes.Equal(l.names, names) {
		return l
	}
	l := &netstatLayout{names: bytes.Clone(names)}
	for rest := names; ; {
		var n []byte
		if n, rest = nextField(rest); len(n) == 0 {
			break
		}
		c.key = append(append(append(c.key[:0], proto...), '_'), n...)
		l.descs = append(l.descs, c.desc(string(c.key)))
	}
	if len(c.layouts) >= 64 { // a handful of protocols; bound it anyway
		clear(c.layouts)
	}
	c.layouts[string(proto)] = l
	return l
}

// countFields counts the whitespace-separated fields of b without allocating.
func countFields(b []byte) int {
	n := 0
	for {
		var f []byte
		if f, b = nextField(b); len(f) == 0 {
			return n
		}
		n++
	}
}

func newNetstatCollector(cfg Config) (Collector, error) {
	re := cfg.Netstat.Fields
	if re == nil {
		re = regexp.MustCompile(DefaultNetstatFields)
	}
	c := &netstatCollector{
		netstat: filepath.Join(cfg.ProcFS, "net", "netstat"),
		snmp:    filepath.Join(cfg.ProcFS, "net", "snmp"),
		snmp6:   filepath.Join(cfg.ProcFS, "net", "snmp6"),
		fields:  re,
		descs:   map[string]*Desc{},
		layouts: map[string]*netstatLayout{},
	}
	for _, k := range netstatKnownFields {
		if d := c.desc(k); d != nil {
			c.known = append(c.known, d)
		}
	}
	return c, nil
}

func (c *netstatCollector) Descs() []*Desc { return c.known }

// desc returns the descriptor for key ("Tcp_InSegs"), nil if not selected.
func (c *netstatCollector) desc(key string) *Desc {
	if d, ok := c.descs[key]; ok {
		return d
	}
	var d *Desc
	if metricNameRE.MatchString("node_netstat_"+key) && c.fields.MatchString(key) {
		proto, field, _ := cutLast(key, '_')
		d = NewDesc("node_netstat_"+key, "Statistic "+proto+field+".", Untyped)
	}
	if len(c.descs) >= 4096 { // bound the cache against odd kernels
		clear(c.descs)
	}
	c.descs[key] = d
	return d
}

func cutLast(s string, sep byte) (before, after string, ok bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func (c *netstatCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for _, path := range []string{c.netstat, c.snmp} {
		data, err := c.file.read(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("read netstat: %w", err))
			continue
		}
		if err := c.parsePairs(path, data, b); err != nil {
			errs = append(errs, err)
		}
	}
	data, err := c.file.read(c.snmp6)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// IPv6 disabled: node_exporter exports nothing for it either.
	case err != nil:
		errs = append(errs, fmt.Errorf("read netstat: %w", err))
	default:
		if err := c.parseSNMP6(data, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// parsePairs reads the /proc/net/{netstat,snmp} layout: per protocol a line
// of field names and a line of values, both starting "Proto:".
func (c *netstatCollector) parsePairs(path string, data []byte, b *Batch) error {
	var errs []error
	for len(data) > 0 {
		var names, values []byte
		names, data = nextLine(data)
		if len(bytes.TrimSpace(names)) == 0 {
			continue
		}
		values, data = nextLine(data)
		np, nrest := nextField(names)
		vp, vrest := nextField(values)
		if len(np) < 2 || np[len(np)-1] != ':' || !bytes.Equal(np, vp) {
			errs = append(errs, fmt.Errorf("%s: bad line pair %q", path, truncate(names)))
			continue
		}
		proto := np[:len(np)-1]
		l := c.layout(proto, nrest)
		// Check the counts before exporting anything from the pair.
		if countFields(vrest) != len(l.descs) {
			errs = append(errs, fmt.Errorf("%s: field count mismatch for %s", path, proto))
			continue
		}
		for _, d := range l.descs {
			var v []byte
			v, vrest = nextField(vrest)
			if d == nil {
				continue
			}
			if err := c.addValue(b, d, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", path, err))
			}
		}
	}
	return errors.Join(errs...)
}

// parseSNMP6 reads /proc/net/snmp6: one "Ip6InReceives  1" per line; the
// protocol is the name up to and including its first "6".
func (c *netstatCollector) parseSNMP6(data []byte, b *Batch) error {
	var errs []error
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		name, rest := nextField(line)
		value, _ := nextField(rest)
		if len(value) == 0 {
			continue
		}
		six := bytes.IndexByte(name, '6')
		if six < 0 {
			continue
		}
		c.key = append(append(append(c.key[:0], name[:six+1]...), '_'), name[six+1:]...)
		if err := c.add(b, c.key, value); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.snmp6, err))
		}
	}
	return errors.Join(errs...)
}

// add exports one field. The descriptor is looked up with the key's bytes,
// which allocates nothing when the field was seen before.
func (c *netstatCollector) add(b *Batch, key, value []byte) error {
	d, ok := c.descs[string(key)]
	if !ok {
		d = c.desc(string(key))
	}
	if d == nil {
		return nil
	}
	return c.addValue(b, d, value)
}

func (c *netstatCollector) addValue(b *Batch, d *Desc, value []byte) error {
	// Values can be negative (Tcp MaxConn is -1), so parse as float as
	// node_exporter does.
	v, err := strconv.ParseFloat(string(value), 64)
	if err != nil {
		return fmt.Errorf("bad value %q for %s", truncate(value), d.name[len("node_netstat_"):])
	}
	b.Add(d, v)
	return nil
}
