package exporter

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

type statfsFunc func(path string, buf *unix.Statfs_t) error

type statfsState int

const (
	statfsRunning   statfsState = iota + 1
	statfsAbandoned             // a scrape stopped waiting for it
)

type statfsResult struct {
	i   int
	buf unix.Statfs_t
	err error
}

// filesystemCollector reports statfs figures per mount. Each statfs runs in
// its own goroutine with a deadline, because statfs on a dead NFS server
// blocks in the kernel and cannot be cancelled.
type filesystemCollector struct {
	paths  []string // mount tables to try, in order
	rootFS string
	cfg    FilesystemConfig
	statfs statfsFunc
	logger *slog.Logger
	file   fileBuffer

	// The parsed, filtered mount table and the bytes it came from: a scrape
	// re-parses only when the table changed.
	raw    []byte
	mounts []mount

	size, free, avail, files, filesFree, readOnly, deviceError *Desc

	// inflight holds the statfs calls that have not returned, by statPath.
	// A mount still in flight when a scrape starts is stuck: it is reported
	// as device_error=1 without another call piling up behind the first.
	mu       sync.Mutex
	inflight map[string]statfsState
}

func newFilesystemCollector(cfg Config) (Collector, error) {
	f := cfg.Filesystem
	if f.MountTimeout <= 0 {
		f.MountTimeout = DefaultMountTimeout
	}
	st := f.statfs
	if st == nil {
		st = unix.Statfs
	}
	l := []string{"device", "fstype", "mountpoint"}
	return &filesystemCollector{
		// /proc/1/mounts is the host's table even when the exporter runs in a
		// container sharing the host's PID namespace (node_exporter reads it too).
		paths:       []string{filepath.Join(cfg.ProcFS, "1", "mounts"), filepath.Join(cfg.ProcFS, "self", "mounts")},
		rootFS:      cfg.RootFS,
		cfg:         f,
		statfs:      st,
		logger:      loggerOrDiscard(cfg.Logger).With("collector", "filesystem"),
		size:        NewDesc("node_filesystem_size_bytes", "Filesystem size in bytes.", Gauge, l...),
		free:        NewDesc("node_filesystem_free_bytes", "Filesystem free space in bytes.", Gauge, l...),
		avail:       NewDesc("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", Gauge, l...),
		files:       NewDesc("node_filesystem_files", "Filesystem total file nodes.", Gauge, l...),
		filesFree:   NewDesc("node_filesystem_files_free", "Filesystem total free file nodes.", Gauge, l...),
		readOnly:    NewDesc("node_filesystem_readonly", "Filesystem read-only status.", Gauge, l...),
		deviceError: NewDesc("node_filesystem_device_error", "Whether an error occurred while getting statistics for the given device.", Gauge, l...),
		inflight:    map[string]statfsState{},
	}, nil
}

func (c *filesystemCollector) Descs() []*Desc {
	return []*Desc{c.size, c.free, c.avail, c.files, c.filesFree, c.readOnly, c.deviceError}
}

func (c *filesystemCollector) readMounts() error {
	var data []byte
	var err error
	for _, p := range c.paths {
		if data, err = c.file.read(p); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("read mount table: %w", err)
	}
	if c.raw != nil && bytes.Equal(data, c.raw) {
		return nil
	}
	mounts, err := parseMounts(data, c.rootFS, c.cfg)
	if err != nil {
		return fmt.Errorf("parse mount table: %w", err)
	}
	c.mounts = mounts
	c.raw = append(c.raw[:0], data...)
	return nil
}

func (c *filesystemCollector) Update(ctx context.Context, b *Batch) error {
	if err := c.readMounts(); err != nil {
		return err
	}
	results := make(chan statfsResult, len(c.mounts)) // buffered: late answers never block
	pending := 0
	done := make([]bool, len(c.mounts))
	c.mu.Lock()
	for i, m := range c.mounts {
		if c.inflight[m.statPath] != 0 {
			done[i] = true
			c.emitError(b, m)
			continue
		}
		c.inflight[m.statPath] = statfsRunning
		pending++
		go c.stat(i, m.statPath, results)
	}
	c.mu.Unlock()

	timer := time.NewTimer(c.cfg.MountTimeout)
	defer timer.Stop()
	for pending > 0 {
		select {
		case r := <-results:
			pending--
			done[r.i] = true
			m := c.mounts[r.i]
			if r.err != nil {
				// Permission denied, ENOENT after an unmount, EIO: reported
				// as device_error, never as label text.
				c.logger.Debug("statfs failed", "mountpoint", m.mountPoint, "err", r.err)
				c.emitError(b, m)
				continue
			}
			c.emitStats(b, m, &r.buf)
		case <-timer.C:
			c.markStuck(b, done)
			return nil
		case <-ctx.Done():
			c.markStuck(b, done)
			return fmt.Errorf("statfs: %w", ctx.Err())
		}
	}
	return nil
}

// stat runs one statfs and, whenever it returns, clears the in-flight mark
// so that the next scrape tries the mount again.
func (c *filesystemCollector) stat(i int, path string, out chan<- statfsResult) {
	r := statfsResult{i: i}
	r.err = c.statfs(path, &r.buf)
	c.mu.Lock()
	if c.inflight[path] == statfsAbandoned {
		c.logger.Info("statfs answers again", "path", path, "err", r.err)
	}
	delete(c.inflight, path)
	c.mu.Unlock()
	out <- r
}

func (c *filesystemCollector) markStuck(b *Batch, done []bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range c.mounts {
		if done[i] {
			continue
		}
		if c.inflight[m.statPath] == statfsRunning {
			// Only a call still running is marked; one that returned a
			// moment ago has its answer in the channel and is retried next time.
			c.inflight[m.statPath] = statfsAbandoned
		}
		c.logger.Warn("statfs timed out; skipping mount until it answers", "mountpoint", m.mountPoint, "timeout", c.cfg.MountTimeout)
		c.emitError(b, m)
	}
}

func (c *filesystemCollector) emitError(b *Batch, m mount) {
	b.Add(c.deviceError, 1, m.device, m.fsType, m.mountPoint)
	b.Add(c.readOnly, boolValue(m.readOnly), m.device, m.fsType, m.mountPoint)
}

func (c *filesystemCollector) emitStats(b *Batch, m mount, s *unix.Statfs_t) {
	bs := float64(s.Bsize)
	b.Add(c.size, float64(s.Blocks)*bs, m.device, m.fsType, m.mountPoint)
	b.Add(c.free, float64(s.Bfree)*bs, m.device, m.fsType, m.mountPoint)
	b.Add(c.avail, float64(s.Bavail)*bs, m.device, m.fsType, m.mountPoint)
	b.Add(c.files, float64(s.Files), m.device, m.fsType, m.mountPoint)
	b.Add(c.filesFree, float64(s.Ffree), m.device, m.fsType, m.mountPoint)
	b.Add(c.readOnly, boolValue(m.readOnly), m.device, m.fsType, m.mountPoint)
	b.Add(c.deviceError, 0, m.device, m.fsType, m.mountPoint)
}

func boolValue(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func loggerOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
