package metrics

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// WriteTextfile writes what g gathers to path in the text exposition format for
// node_exporter's textfile collector. It writes a temporary file in the same directory
// and renames it over path, as the collector's documentation asks, so that a scrape
// never reads half a file; path must end in .prom, the only files the collector reads.
func WriteTextfile(path string, g prometheus.Gatherer) (err error) {
	if !strings.HasSuffix(path, ".prom") {
		return fmt.Errorf("textfile %s: the name must end in .prom for node_exporter's textfile collector", path)
	}
	mfs, err := g.Gather()
	if err != nil {
		return fmt.Errorf("textfile %s: gather: %w", path, err)
	}
	// The temporary name does not end in .prom, so the collector skips it meanwhile.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("textfile %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, removeIfExists(f.Name()))
		}
	}()
	enc := expfmt.NewEncoder(f, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			_ = f.Close() // the encoding error is the one to report
			return fmt.Errorf("textfile %s: encode %s: %w", path, mf.GetName(), err)
		}
	}
	// 0644 as node_exporter's own example scripts leave the files: the collector may
	// run as another user.
	if err := f.Chmod(0o644); err != nil {
		_ = f.Close()
		return fmt.Errorf("textfile %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("textfile %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("textfile %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("textfile %s: %w", path, err)
	}
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}
