package exporter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// selinuxCollector exports node_selinux_enabled and, when SELinux is on,
// node_selinux_config_mode and node_selinux_current_mode with go-selinux's
// values (1 enforcing, 0 permissive, -1 disabled). SELinux counts as on when
// selinuxfs is mounted at <sysfs>/fs/selinux, which is where the kernel and
// every distribution mount it.
type selinuxCollector struct {
	enforcePath, configPath          string
	enabled, configMode, currentMode *Desc
}

func newSelinuxCollector(cfg Config) (Collector, error) {
	return &selinuxCollector{
		enforcePath: filepath.Join(cfg.SysFS, "fs", "selinux", "enforce"),
		configPath:  filepath.Join(cfg.RootFS, "etc", "selinux", "config"),
		enabled:     NewDesc("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false", Gauge),
		configMode:  NewDesc("node_selinux_config_mode", "Configured SELinux enforcement mode", Gauge),
		currentMode: NewDesc("node_selinux_current_mode", "Current SELinux enforcement mode", Gauge),
	}, nil
}

func (c *selinuxCollector) Descs() []*Desc { return []*Desc{c.enabled, c.configMode, c.currentMode} }

func (c *selinuxCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	enforce, err := readFileString(c.enforcePath)
	if errors.Is(err, fs.ErrNotExist) {
		b.Add(c.enabled, 0)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read SELinux mode: %w", err)
	}
	b.Add(c.enabled, 1)
	current := -1.0
	switch strings.TrimSpace(enforce) {
	case "1":
		current = 1
	case "0":
		current = 0
	default:
		return fmt.Errorf("%s: unexpected value %q", c.enforcePath, truncate([]byte(enforce)))
	}
	mode, err := c.configured()
	if err != nil {
		return err
	}
	b.Add(c.configMode, mode)
	b.Add(c.currentMode, current)
	return nil
}

// configured reads SELINUX= from /etc/selinux/config; a missing file or line
// means disabled, as go-selinux reads it.
func (c *selinuxCollector) configured() (float64, error) {
	data, err := os.ReadFile(c.configPath)
	if errors.Is(err, fs.ErrNotExist) {
		return -1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read SELinux configuration: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || strings.TrimSpace(k) != "SELINUX" {
			continue
		}
		switch strings.Trim(strings.TrimSpace(v), `"'`) {
		case "enforcing":
			return 1, nil
		case "permissive":
			return 0, nil
		}
		return -1, nil
	}
	return -1, sc.Err()
}
