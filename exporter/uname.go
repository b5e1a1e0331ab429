package exporter

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"
)

// unameCollector exports node_exporter's node_uname_info: the fields of
// uname(2) as labels of a constant 1. Grafana's "Node Exporter Full" takes its
// job and instance pickers from this series.
type unameCollector struct {
	uname func(*unix.Utsname) error // unix.Uname; replaced in tests
	info  *Desc
}

func newUnameCollector(Config) (Collector, error) {
	return &unameCollector{
		uname: unix.Uname,
		info: NewDesc("node_uname_info", "Labeled system information as provided by the uname system call.", Gauge,
			"sysname", "release", "version", "machine", "nodename", "domainname"),
	}, nil
}

func (c *unameCollector) Descs() []*Desc { return []*Desc{c.info} }

// Update calls uname(2) every scrape, as node_exporter does: the host name
// and domain name can change while the exporter runs.
func (c *unameCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var u unix.Utsname
	if err := c.uname(&u); err != nil {
		return fmt.Errorf("uname: %w", err)
	}
	b.Add(c.info, 1,
		unix.ByteSliceToString(u.Sysname[:]),
		unix.ByteSliceToString(u.Release[:]),
		unix.ByteSliceToString(u.Version[:]),
		unix.ByteSliceToString(u.Machine[:]),
		unix.ByteSliceToString(u.Nodename[:]),
		unix.ByteSliceToString(u.Domainname[:]),
	)
	return nil
}
