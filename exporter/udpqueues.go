package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
)

// udpQueuesCollector exports node_udp_queues{queue,ip}: the bytes the kernel
// holds queued for UDP sockets, summed over /proc/net/udp and udp6. A family
// whose file is missing (IPv6 disabled) is left out, as node_exporter does.
type udpQueuesCollector struct {
	file   fileBuffer
	v4, v6 string
	queues *Desc
}

func newUDPQueuesCollector(cfg Config) (Collector, error) {
	return &udpQueuesCollector{
		v4:     filepath.Join(cfg.ProcFS, "net", "udp"),
		v6:     filepath.Join(cfg.ProcFS, "net", "udp6"),
		queues: NewDesc("node_udp_queues", "Number of allocated memory in the kernel for UDP datagrams in bytes.", Gauge, "queue", "ip"),
	}, nil
}

func (c *udpQueuesCollector) Descs() []*Desc { return []*Desc{c.queues} }

func (c *udpQueuesCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, f := range [...]struct{ ip, file, path string }{{"v4", "udp", c.v4}, {"v6", "udp6", c.v6}} {
		data, err := c.file.read(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("couldn't get %s queued bytes: %w", f.file, err)
		}
		tx, rx, err := sumUDPQueues(data)
		if err != nil {
			return fmt.Errorf("couldn't get %s queued bytes: %s: %w", f.file, f.path, err)
		}
		b.Add(c.queues, float64(tx), "tx", f.ip)
		b.Add(c.queues, float64(rx), "rx", f.ip)
	}
	return nil
}

// udpSocketFields is the number of columns of a /proc/net/udp socket line:
// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt
// uid timeout inode ref pointer drops.
const udpSocketFields = 13

// sumUDPQueues sums the hexadecimal tx_queue:rx_queue column. The first line
// is the header and is skipped unread, as procfs does.
func sumUDPQueues(data []byte) (tx, rx uint64, err error) {
	_, data = nextLine(data)
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		var queues []byte
		n := 0
		for f, r := nextSpaceField(line); len(f) > 0; f, r = nextSpaceField(r) {
			if n == 4 {
				queues = f
			}
			n++
		}
		if n < udpSocketFields {
			return 0, 0, fmt.Errorf("%d columns in socket line %q, want %d", n, truncate(line), udpSocketFields)
		}
		colon := bytes.IndexByte(queues, ':')
		if colon < 0 {
			return 0, 0, fmt.Errorf("no tx_queue:rx_queue in socket line %q", truncate(line))
		}
		t, err1 := parseHex(queues[:colon], 64)
		r, err2 := parseHex(queues[colon+1:], 64)
		if err := errors.Join(err1, err2); err != nil {
			return 0, 0, fmt.Errorf("bad tx_queue:rx_queue in socket line %q: %w", truncate(line), err)
		}
		tx += t
		rx += r
	}
	return tx, rx, nil
}

// parseHex is strconv.ParseUint(string(b), 16, bits) without the allocation
// for the plain hexadecimal numbers the kernel writes.
func parseHex(b []byte, bits int) (uint64, error) {
	if len(b) > 0 && len(b) <= bits/4 {
		var n uint64
		ok := true
		for _, c := range b {
			switch {
			case c >= '0' && c <= '9':
				n = n<<4 | uint64(c-'0')
			case c >= 'a' && c <= 'f':
				n = n<<4 | uint64(c-'a'+10)
			case c >= 'A' && c <= 'F':
				n = n<<4 | uint64(c-'A'+10)
			default:
				ok = false
			}
		}
		if ok {
			return n, nil
		}
	}
	return strconv.ParseUint(string(b), 16, bits)
}
