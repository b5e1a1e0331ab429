package exporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/prometheus/procfs"
)

// udpQueuesCollector exports node_udp_queues{queue,ip}: the bytes the kernel
// holds queued for UDP sockets, summed over /proc/net/udp and udp6. A family
// whose file is missing (IPv6 disabled) is left out, as node_exporter does.
type udpQueuesCollector struct {
	fs     procfs.FS
	queues *Desc
}

func newUDPQueuesCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &udpQueuesCollector{
		fs:     pfs,
		queues: NewDesc("node_udp_queues", "Number of allocated memory in the kernel for UDP datagrams in bytes.", Gauge, "queue", "ip"),
	}, nil
}

func (c *udpQueuesCollector) Descs() []*Desc { return []*Desc{c.queues} }

func (c *udpQueuesCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, f := range [...]struct {
		ip, file string
		read     func() (*procfs.NetUDPSummary, error)
	}{{"v4", "udp", c.fs.NetUDPSummary}, {"v6", "udp6", c.fs.NetUDP6Summary}} {
		s, err := f.read()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("couldn't get %s queued bytes: %w", f.file, err)
		}
		b.Add(c.queues, float64(s.TxQueueLength), "tx", f.ip)
		b.Add(c.queues, float64(s.RxQueueLength), "rx", f.ip)
	}
	return nil
}
