package exporter

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/prometheus/procfs/sysfs"
	"golang.org/x/sys/unix"
)

// fileBuffer reads small /proc files into a buffer kept between scrapes.
// It uses raw open/read/close because os.Open allocates an *os.File and tries
// to register /proc files with the network poller, which costs more than the
// read itself for files this small.
type fileBuffer struct {
	buf []byte
}

// read returns the whole content of path. The slice is valid until the next
// call on the same fileBuffer.
func (r *fileBuffer) read(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	if cap(r.buf) == 0 {
		r.buf = make([]byte, 0, 8192)
	}
	r.buf = r.buf[:0]
	for {
		if len(r.buf) == cap(r.buf) {
			r.buf = append(r.buf, 0)[:len(r.buf)]
		}
		n, err := unix.Read(fd, r.buf[len(r.buf):cap(r.buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return r.buf, nil
		}
		r.buf = r.buf[:len(r.buf)+n]
	}
}

// readFileString is for files read rarely (pid files, process comm), where a
// reusable buffer is not worth it.
func readFileString(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return string(b), nil
}

// lazySysFS opens procfs's sysfs view on first use, so that a collector can
// be built on a host (or in a test) without sysfs and fail only when it runs.
type lazySysFS struct {
	path string
	fs   *sysfs.FS
}

func (l *lazySysFS) get() (*sysfs.FS, error) {
	if l.fs == nil {
		fs, err := sysfs.NewFS(l.path)
		if err != nil {
			return nil, fmt.Errorf("open sysfs %s: %w", l.path, err)
		}
		l.fs = &fs
	}
	return l.fs, nil
}
