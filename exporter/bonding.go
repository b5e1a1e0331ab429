package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// bondingCollector exports node_exporter's bonding families from sysfs:
// per bond listed in /sys/class/net/bonding_masters, the number of its
// slaves and of those whose MII status is up (node-mixin's
// NodeBondingDegraded compares the two). Without the bonding driver the file
// is absent and nothing is exported.
type bondingCollector struct {
	netDir         string
	file           fileBuffer
	slaves, active *Desc
}

func newBondingCollector(cfg Config) (Collector, error) {
	return &bondingCollector{
		netDir: filepath.Join(cfg.SysFS, "class", "net"),
		slaves: NewDesc("node_bonding_slaves", "Number of configured slaves per bonding interface.", Gauge, "master"),
		active: NewDesc("node_bonding_active", "Number of active slaves per bonding interface.", Gauge, "master"),
	}, nil
}

func (c *bondingCollector) Descs() []*Desc { return []*Desc{c.slaves, c.active} }

func (c *bondingCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(filepath.Join(c.netDir, "bonding_masters"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read bonding masters: %w", err)
	}
	// The buffer is reused below: take the names out first.
	var masters []string
	for _, m := range bytes.Fields(data) {
		masters = append(masters, string(m))
	}
	var errs []error
	for _, m := range masters {
		n, up, err := c.bond(m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		master := labelSafe(m)
		b.Add(c.slaves, float64(n), master)
		b.Add(c.active, float64(up), master)
	}
	return errors.Join(errs...)
}

// bond counts the slaves of one bond and those whose mii_status is "up".
// Kernels since 4.13 link a slave as lower_<slave>, older ones as
// slave_<slave>.
func (c *bondingCollector) bond(master string) (n, up int, err error) {
	data, err := c.file.read(filepath.Join(c.netDir, master, "bonding", "slaves"))
	if err != nil {
		return 0, 0, fmt.Errorf("read slaves of bond %s: %w", master, err)
	}
	var slaves []string
	for _, s := range bytes.Fields(data) {
		slaves = append(slaves, string(s))
	}
	for _, s := range slaves {
		state, err := c.file.read(filepath.Join(c.netDir, master, "lower_"+s, "bonding_slave", "mii_status"))
		if errors.Is(err, fs.ErrNotExist) {
			state, err = c.file.read(filepath.Join(c.netDir, master, "slave_"+s, "bonding_slave", "mii_status"))
		}
		if err != nil {
			return 0, 0, fmt.Errorf("read MII status of %s in bond %s: %w", s, master, err)
		}
		n++
		if string(bytes.TrimSpace(state)) == "up" {
			up++
		}
	}
	return n, up, nil
}
