package licence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
)

// goCacheFormat names the layout of GoLicences' cache files and the detection behind
// them; a file of another format is ignored and rewritten, so a change to
// CoverageThreshold, isLicenceFile or the licensecheck version must change it.
const goCacheFormat = "perfwatch-depscan/go-licence/v1 licensecheck v0.3.1"

// GoLicences detects Go modules' licences with GoModule and keeps each answer on
// disk, because a module version's files in the module cache never change:
// licensecheck's matcher costs about a second to build, which a scan pays only for
// versions it has not seen before.
type GoLicences struct {
	// ModCache is the module cache (ModCache finds it).
	ModCache string
	// CacheDir holds one small JSON file per module version; empty keeps nothing.
	CacheDir string
}

// goCacheEntry is one cached answer: the expression and files, or the reason there is
// none (only the reasons the module's own files decide are kept).
type goCacheEntry struct {
	Format     string `json:"format"`
	Expression string `json:"expression,omitempty"`
	Files      string `json:"files,omitempty"`
	NoFile     bool   `json:"no_licence_file,omitempty"`
	Unread     bool   `json:"unrecognised,omitempty"`
}

// GoResult is one module version's licence as GoModule detects it, with a note
// when the answer could not be kept on disk.
type GoResult struct {
	Expression, Files string
	Err               error
	// CacheErr says the answer could not be written to the cache (detected again
	// next time); the answer itself stands.
	CacheErr error
}

// Find returns what GoModule returns for path@version, from the disk cache when an
// earlier scan detected it. Not being in the module cache is not kept: a later `go
// mod download` changes that answer. An unreadable or damaged cache file is
// detected again and rewritten.
func (g GoLicences) Find(ctx context.Context, path, version string) GoResult {
	cacheFile := g.cacheFile(path, version)
	if e, ok := readGoCache(cacheFile); ok {
		switch {
		case e.NoFile:
			return GoResult{Err: fmt.Errorf("module %s@%s: %w", path, version, ErrNoLicenceFile)}
		case e.Unread:
			return GoResult{Files: e.Files, Err: fmt.Errorf("module %s@%s: %s: %w", path, version, e.Files, ErrUnrecognised)}
		}
		return GoResult{Expression: e.Expression, Files: e.Files}
	}
	expr, file, err := GoModule(ctx, g.ModCache, path, version)
	r := GoResult{Expression: expr, Files: file, Err: err}
	entry := goCacheEntry{Format: goCacheFormat, Expression: expr, Files: file}
	switch {
	case err == nil:
	case errors.Is(err, ErrNoLicenceFile):
		entry.NoFile = true
	case errors.Is(err, ErrUnrecognised):
		entry.Unread = true
	default:
		return r
	}
	if cacheFile != "" && path != "stdlib" && path != "toolchain" {
		r.CacheErr = writeGoCache(cacheFile, entry)
	}
	return r
}

// cacheFile is path@version's file under CacheDir, named with the module cache's
// own escaping (upper case as "!x"), or "" without a cache or for a path that does
// not escape (GoModule then reports it).
func (g GoLicences) cacheFile(path, version string) string {
	if g.CacheDir == "" {
		return ""
	}
	p, err1 := module.EscapePath(path)
	v, err2 := module.EscapeVersion(version)
	if err1 != nil || err2 != nil {
		return ""
	}
	return filepath.Join(g.CacheDir, filepath.FromSlash(p)+"@"+v+".json")
}

func readGoCache(file string) (goCacheEntry, bool) {
	if file == "" {
		return goCacheEntry{}, false
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return goCacheEntry{}, false
	}
	var e goCacheEntry
	if json.Unmarshal(data, &e) != nil || e.Format != goCacheFormat || (e.Expression == "" && !e.NoFile && !e.Unread) {
		return goCacheEntry{}, false // damaged or of another format: detect again
	}
	return e, true
}

// writeGoCache writes through a temporary file and a rename, so a reader never sees
// half an entry.
func writeGoCache(file string, e goCacheEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("licence cache %s: %w", file, err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("licence cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return fmt.Errorf("licence cache: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("licence cache %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("licence cache: %w", err)
	}
	return nil
}
