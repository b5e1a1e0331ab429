package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/module"

	"github.com/perfwatch/perfwatch/depscan"
)

// cacheSchema changes when a cached entry's meaning changes; older entries are
// then refetched rather than misread.
const cacheSchema = 1

// cache is the disk cache: one JSON file per (ecosystem, package) under dir.
type cache struct{ dir string }

type cacheEntry struct {
	Schema  int       `json:"schema"`
	Fetched time.Time `json:"fetched"`
	Facts   *facts    `json:"facts"`
}

// path names the package's file. Go paths are case-encoded first, as the module
// cache does, so that two modules differing in case stay apart on a
// case-insensitive file system; the name is then escaped whole so that a scope's
// or module path's slashes make no directories.
func (c cache) path(eco depscan.Ecosystem, name string) string {
	if eco == depscan.Go {
		if esc, err := module.EscapePath(name); err == nil {
			name = esc
		}
	}
	return filepath.Join(c.dir, url.PathEscape(string(eco)), url.QueryEscape(name)+".json")
}

// load returns the cached facts and when they were fetched; nil facts when there
// are none. A file that cannot be decoded is reported and otherwise ignored: the
// next save replaces it.
func (c cache) load(eco depscan.Ecosystem, name string) (*facts, time.Time, error) {
	if c.dir == "" {
		return nil, time.Time{}, nil
	}
	p := c.path(eco, name)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("cache: %w", err)
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Facts == nil || e.Fetched.IsZero() {
		if err == nil {
			err = errors.New("no facts or fetch time")
		}
		return nil, time.Time{}, fmt.Errorf("cache: %s is corrupt, ignored: %w", p, err)
	}
	if e.Schema != cacheSchema {
		return nil, time.Time{}, nil
	}
	return e.Facts, e.Fetched, nil
}

// save writes the facts atomically: to a temporary file in the same directory,
// then renamed over the old one, so a reader never sees half an entry.
func (c cache) save(eco depscan.Ecosystem, name string, f *facts, fetched time.Time) error {
	if c.dir == "" {
		return nil
	}
	p := c.path(eco, name)
	data, err := json.Marshal(cacheEntry{Schema: cacheSchema, Fetched: fetched.UTC(), Facts: f})
	if err != nil {
		return fmt.Errorf("cache: encode %s: %w", p, err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("cache: write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
