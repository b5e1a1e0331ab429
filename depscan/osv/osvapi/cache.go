package osvapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/perfwatch/perfwatch/depscan/osv"
)

// Cache keeps fetched entries so that a later query fetches only those that
// changed: the API's batch answer gives each id's modified time, and an entry
// cached under the same time is still current.
type Cache interface {
	// Get returns the entry for id if one modified at exactly modified is held.
	Get(id, modified string) (*osv.Vulnerability, bool)
	// Put stores an entry under its ID and Modified.
	Put(v *osv.Vulnerability) error
}

// MemoryCache is a Cache for the life of a process (a service scanning on a
// schedule). Its zero value is empty and ready.
type MemoryCache struct {
	mu sync.Mutex
	m  map[string]*osv.Vulnerability
}

// Get implements Cache.
func (c *MemoryCache) Get(id, modified string) (*osv.Vulnerability, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	return v, ok && v.Modified == modified
}

// Put implements Cache.
func (c *MemoryCache) Put(v *osv.Vulnerability) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*osv.Vulnerability)
	}
	c.m[v.ID] = v
	return nil
}

// DirCache is a Cache in a directory, one <id>.json per entry, shared by runs of
// the command line. An unreadable or stale file is a miss, never an error: the
// entry is fetched again and the file replaced.
type DirCache struct {
	Dir string
}

// cacheableID matches the ids DirCache stores: OSV ids are letters, digits and
// dashes ("GHSA-69cg-p879-7622", "PYSEC-2022-213"); anything else, which could
// name a path outside Dir, is not cached.
var cacheableID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Get implements Cache.
func (c DirCache) Get(id, modified string) (*osv.Vulnerability, bool) {
	if !cacheableID.MatchString(id) {
		return nil, false
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, id+".json"))
	if err != nil {
		return nil, false
	}
	v := new(osv.Vulnerability)
	if json.Unmarshal(data, v) != nil || v.ID != id || v.Modified != modified {
		return nil, false
	}
	return v, true
}

// Put implements Cache, writing through a temporary file so that a reader never
// sees half an entry.
func (c DirCache) Put(v *osv.Vulnerability) error {
	if !cacheableID.MatchString(v.ID) {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("osvapi: cache %s: %w", v.ID, err)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("osvapi: cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.Dir, "."+v.ID+".*")
	if err != nil {
		return fmt.Errorf("osvapi: cache %s: %w", v.ID, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("osvapi: cache %s: %w", v.ID, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(c.Dir, v.ID+".json")); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("osvapi: cache %s: %w", v.ID, err)
	}
	return nil
}
