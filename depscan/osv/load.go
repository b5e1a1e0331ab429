package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxEntryBytes bounds one OSV JSON document, on disk or in a zip member.
// Real entries are a few kilobytes (the largest, kernel and distribution
// entries, stay well under a megabyte), so anything larger is refused as
// malformed rather than read into memory.
const MaxEntryBytes = 8 << 20

// maxZipMembers bounds the members read from one zip; the largest ecosystem
// export (npm) holds a few hundred thousand.
const maxZipMembers = 4 << 20

// Problem is one entry that could not be used: the file, the zip member when
// the entry came from a zip, the entry's id when it got that far, and why.
type Problem struct {
	File   string
	Member string
	ID     string
	Err    error
}

// Error formats the problem as "file[:member][ (id)]: err".
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Member != "" {
		b.WriteString(":" + p.Member)
	}
	if p.ID != "" {
		b.WriteString(" (" + p.ID + ")")
	}
	b.WriteString(": ")
	if p.Err != nil {
		b.WriteString(p.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (p Problem) Unwrap() error { return p.Err }

// loader collects entries from any number of sources before the index is
// built once; a later copy of an id replaces an earlier one only when its
// modified time is not older, so a directory and a zip holding the same
// entries do not double them.
type loader struct {
	vulns    map[string]*Vulnerability
	origin   map[string]origin // where each kept entry came from, for problems found later
	problems []Problem
}

type origin struct{ file, member string }

func newLoader() *loader {
	return &loader{vulns: make(map[string]*Vulnerability), origin: make(map[string]origin)}
}

func (l *loader) problem(file, member, id string, err error) {
	l.problems = append(l.problems, Problem{File: file, Member: member, ID: id, Err: err})
}

// add decodes one entry and keeps it; a malformed one becomes a Problem, never
// an error, because one bad file in a database of hundreds of thousands must
// not stop a scan.
func (l *loader) add(data []byte, file, member string) {
	v, err := decode(data)
	if err != nil {
		l.problem(file, member, "", err)
		return
	}
	l.keep(v, file, member)
}

var errNoID = errors.New("OSV entry has no id")

func decode(data []byte) (*Vulnerability, error) {
	var v Vulnerability
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decoding OSV entry: %w", err)
	}
	if v.ID == "" {
		return nil, errNoID
	}
	return &v, nil
}

func (l *loader) keep(v *Vulnerability, file, member string) {
	if old, ok := l.vulns[v.ID]; ok && old.Modified > v.Modified {
		// RFC 3339 UTC timestamps order as strings; keep the newer copy.
		return
	}
	l.vulns[v.ID] = v
	l.origin[v.ID] = origin{file: file, member: member}
}

// LoadDir loads every OSV entry under dir: *.json files (a plain directory of
// entries, such as a checkout of golang.org/x/vulndb's data) and *.zip files
// (the per-ecosystem all.zip exports, including osv-scanner's --local-db-path
// layout <dir>/osv-scalibr/<Ecosystem>/all.zip of v2, osv-scanner/ of v1). Only an unreadable dir or a
// cancelled ctx is an error; bad entries and zips are listed by DB.Problems.
func LoadDir(ctx context.Context, dir string) (*DB, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("osv database %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("osv database %s: not a directory", dir)
	}
	l := newLoader()
	err = walkEntries(ctx, l, dir, func(path string) {
		data, rerr := readFileBounded(path)
		if rerr != nil {
			l.problem(path, "", "", rerr)
			return
		}
		l.add(data, path, "")
	}, func(path string) error {
		if zerr := l.addZip(ctx, path); zerr != nil {
			if ctx.Err() != nil {
				return zerr
			}
			l.problem(path, "", "", zerr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l.build(), nil
}

// walkEntries walks dir as the loaders read it: every regular *.json file to
// onJSON and *.zip file to onZip, in lexical order. An unreadable subdirectory
// costs its entries, not the scan: it is recorded as a Problem and skipped. Only an
// unreadable dir, a cancelled ctx or an error onZip returns stops the walk.
func walkEntries(ctx context.Context, l *loader, dir string, onJSON func(path string), onZip func(path string) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("loading osv database %s: %w", dir, cerr)
		}
		if err != nil {
			if path == dir {
				return fmt.Errorf("osv database %s: %w", dir, err)
			}
			l.problem(path, "", "", err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json":
			onJSON(path)
		case ".zip":
			return onZip(path)
		}
		return nil
	})
}

// LoadZip loads one OSV all.zip export. A zip that cannot be opened is an
// error; bad members are listed by DB.Problems.
func LoadZip(path string) (*DB, error) {
	l := newLoader()
	if err := l.addZip(context.Background(), path); err != nil {
		return nil, err
	}
	return l.build(), nil
}

func readFileBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening OSV entry: %w", err)
	}
	defer f.Close()
	data, err := readBounded(f)
	if err != nil {
		return nil, fmt.Errorf("reading OSV entry: %w", err)
	}
	return data, nil
}

// readBounded reads at most MaxEntryBytes, failing rather than truncating, and
// whatever a zip header claims, since headers can lie.
func readBounded(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxEntryBytes+1))
	if err != nil {
		return nil, err
	}
	if n > MaxEntryBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxEntryBytes)
	}
	return buf.Bytes(), nil
}

// addZip reads a zip's members on every CPU, since inflating and decoding
// dominate loading a large export, then keeps them in member order so the
// result does not depend on scheduling.
func (l *loader) addZip(ctx context.Context, path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("opening OSV zip: %w", err)
	}
	defer zr.Close()
	if len(zr.File) > maxZipMembers {
		return fmt.Errorf("OSV zip has %d members, more than %d", len(zr.File), maxZipMembers)
	}
	type result struct {
		v   *Vulnerability
		err error
	}
	results := make([]result, len(zr.File))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(zr.File) || ctx.Err() != nil {
					return
				}
				f := zr.File[i]
				// The exports hold only <id>.json members; anything else is not an entry.
				if f.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(f.Name), ".json") {
					continue
				}
				if f.UncompressedSize64 > MaxEntryBytes {
					results[i].err = fmt.Errorf("member of %d bytes, more than %d", f.UncompressedSize64, MaxEntryBytes)
					continue
				}
				data, err := readMember(f)
				if err != nil {
					results[i].err = err
					continue
				}
				results[i].v, results[i].err = decode(data)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("loading OSV zip %s: %w", path, err)
	}
	for i, r := range results {
		switch {
		case r.err != nil:
			l.problem(path, zr.File[i].Name, "", r.err)
		case r.v != nil:
			l.keep(r.v, path, zr.File[i].Name)
		}
	}
	return nil
}

func readMember(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("opening zip member: %w", err)
	}
	defer rc.Close()
	data, err := readBounded(rc)
	if err != nil {
		return nil, fmt.Errorf("reading zip member: %w", err)
	}
	return data, nil
}
