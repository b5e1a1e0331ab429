package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
)

// LoadOptions say what a Load needs from the database.
type LoadOptions struct {
	// Packages, when not nil, limits the load to the entries whose affected[]
	// names one of them (by ecosystem without a release suffix and NormalizeName),
	// which is all Match can ever return for them: a project of 20,000 npm
	// packages needs a few thousand of the export's 200,000 entries. Other
	// entries are read only as far as their id, modified time and package names,
	// so DB.Len and DB.Withdrawn count the loaded entries only, and an entry
	// malformed beyond what that reading checks is reported only when loaded.
	Packages []depscan.Package
	// IndexDir, when not empty, is a directory where each all.zip's index (every
	// member's id, modified time and package names) is kept between loads, keyed
	// by the zip's central directory, so a changed export is indexed afresh and a
	// damaged index is rebuilt. It is used only with Packages. Failing to write
	// an index is a Problem, not an error: the load does not need it.
	IndexDir string
}

// Load loads the OSV entries at path: a directory as LoadDir reads it, or one
// all.zip as LoadZip does, narrowed and cached as o says. Of two copies of an id
// the later modified one is kept, as by LoadDir, even when only the other is
// about o.Packages (the newer copy is then not loaded at all). Only an
// unreadable path or a cancelled ctx is an error; bad entries are DB.Problems.
func Load(ctx context.Context, path string, o LoadOptions) (*DB, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("osv database %s: %w", path, err)
	}
	if o.Packages == nil {
		if info.IsDir() {
			return LoadDir(ctx, path)
		}
		l := newLoader()
		if err := l.addZip(ctx, path); err != nil {
			return nil, err
		}
		return l.build(), nil
	}
	l := newLoader()
	var srcs []*source
	defer func() {
		for _, s := range srcs {
			s.close()
		}
	}()
	if !info.IsDir() {
		s, err := openZipSource(ctx, l, path, o.IndexDir)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, s)
	} else if srcs, err = dirSources(ctx, l, path, o.IndexDir); err != nil {
		return nil, err
	}
	if err := l.addSelected(ctx, srcs, newWanted(o.Packages)); err != nil {
		return nil, err
	}
	return l.build(), nil
}

// source is one zip, or the loose JSON files of a directory, with its records. A
// zip is read through archive/zip when it was indexed in this load (zr), or
// straight from the file with the members its index recorded (file, table).
type source struct {
	path  string // the zip; empty for loose files
	zr    *zip.ReadCloser
	file  *os.File
	table []member
	files []string // loose files, by member index
	recs  []byte
	// seq is the zip's place in the directory walk, or each loose file's, so that
	// of two copies with equal modified times the one LoadDir meets last wins.
	seq      int
	fileSeqs []int
}

func (s *source) close() {
	if s.zr != nil {
		s.zr.Close()
	}
	if s.file != nil {
		s.file.Close()
	}
}

// order is a member's place in the walk.
func (s *source) order(member int) (int, int) {
	if s.path != "" {
		return s.seq, member
	}
	return s.fileSeqs[member], 0
}

func (s *source) members() int {
	switch {
	case s.zr != nil:
		return len(s.zr.File)
	case s.file != nil:
		return len(s.table)
	}
	return len(s.files)
}

// where names a member for a Problem.
func (s *source) where(member int) (file, name string) {
	switch {
	case s.zr != nil:
		return s.path, s.zr.File[member].Name
	case s.file != nil:
		return s.path, s.table[member].name
	}
	return s.files[member], ""
}

func (s *source) read(member int) ([]byte, error) {
	switch {
	case s.zr != nil:
		return readMember(s.zr.File[member])
	case s.file != nil:
		return readDirect(s.file, s.table[member])
	}
	return readFileBounded(s.files[member])
}

// openZipSource takes a zip's records and members from its index in indexDir
// when one checks out for it, reading nothing else of the zip; else it reads
// them with archive/zip and stores them there.
func openZipSource(ctx context.Context, l *loader, path, indexDir string) (*source, error) {
	var cache string
	if indexDir != "" {
		var err error
		if cache, err = cachePath(indexDir, path); err != nil {
			l.problem(path, "", "", err)
		}
	}
	var key [32]byte
	keyed := false
	if cache != "" {
		if s, k, err := openIndexed(path, cache); err == nil {
			return s, nil
		} else if k != nil {
			key, keyed = *k, true
		}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("opening OSV zip %s: %w", path, err)
	}
	if len(zr.File) > maxZipMembers {
		zr.Close()
		return nil, fmt.Errorf("OSV zip %s has %d members, more than %d", path, len(zr.File), maxZipMembers)
	}
	s := &source{path: path, zr: zr}
	if s.recs, err = zipRecords(ctx, &zr.Reader); err != nil {
		zr.Close()
		return nil, fmt.Errorf("loading OSV zip %s: %w", path, err)
	}
	if keyed {
		ms, err := membersOf(&zr.Reader)
		if err == nil {
			err = writeCache(cache, key, ms, s.recs)
		}
		if err != nil {
			l.problem(path, "", "", err)
		}
	}
	return s, nil
}

// openIndexed opens the zip at path through its index file cache. The index is
// read, checksummed and checked while the zip's central directory is hashed for
// its key, the two being independent until compared. It returns the key when it
// could be computed, for writing a new index, whatever else failed.
func openIndexed(path, cache string) (*source, *[32]byte, error) {
	type indexed struct {
		body, recs []byte
		table      []member
		err        error
	}
	index := make(chan indexed, 1)
	go func() {
		var c indexed
		if c.body, c.err = readCacheFile(cache); c.err == nil {
			c.table, c.recs, c.err = checkRecords(c.body)
		}
		index <- c
	}()
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	key, err := centralDirectoryKey(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, err // not a zip this reads: archive/zip says why
	}
	c := <-index
	if c.err == nil {
		c.err = matchIndex(c.body, key)
	}
	if c.err != nil {
		f.Close()
		return nil, &key, c.err
	}
	return &source{path: path, file: f, table: c.table, recs: c.recs}, &key, nil
}

// dirSources finds the zips and loose entries under dir as LoadDir does.
func dirSources(ctx context.Context, l *loader, dir, indexDir string) ([]*source, error) {
	var srcs []*source
	loose := &source{}
	seq := 0
	err := walkEntries(ctx, l, dir, func(path string) {
		loose.files = append(loose.files, path)
		loose.fileSeqs = append(loose.fileSeqs, seq)
		seq++
	}, func(path string) error {
		s, zerr := openZipSource(ctx, l, path, indexDir)
		if zerr != nil {
			if ctx.Err() != nil {
				return zerr
			}
			l.problem(path, "", "", zerr)
			return nil
		}
		s.seq = seq
		seq++
		srcs = append(srcs, s)
		return nil
	})
	if err == nil && len(loose.files) > 0 {
		if loose.recs, err = fileRecords(ctx, loose.files); err != nil {
			err = fmt.Errorf("loading osv database %s: %w", dir, err)
		}
		srcs = append(srcs, loose)
	}
	if err != nil {
		for _, s := range srcs {
			s.close()
		}
		return nil, err
	}
	return srcs, nil
}

// wanted is the set of (ecosystem, normalised name) a load is for, by
// ecosystem first so that lookups with byte slices do not allocate.
type wanted map[string]map[string]bool

func newWanted(pkgs []depscan.Package) wanted {
	w := make(wanted)
	for _, p := range pkgs {
		eco := string(p.Ecosystem)
		if w[eco] == nil {
			w[eco] = make(map[string]bool)
		}
		w[eco][NormalizeName(p.Ecosystem, p.Name)] = true
	}
	return w
}

// has reports whether any of rec's packages is wanted.
func (w wanted) has(rec *record) bool {
	return rec.eachPackage(func(eco, name []byte) bool {
		if i := bytes.IndexByte(eco, ':'); i >= 0 {
			eco = eco[:i]
		}
		names := w[string(eco)]
		if names == nil {
			return false
		}
		if depscan.Ecosystem(eco) == depscan.PyPI {
			return names[NormalizeName(depscan.PyPI, string(name))]
		}
		return names[string(name)]
	})
}

type winner struct {
	src, member int
	seq, sub    int // the walk order, from source.order
	modified    string
	selected    bool
}

// beats reports whether a copy modified at modified, met at (seq, sub), replaces
// w: RFC 3339 UTC timestamps order as strings, and LoadDir keeps the last of
// equal ones.
func (w *winner) beats(modified []byte, seq, sub int) bool {
	if w == nil {
		return true
	}
	if c := strings.Compare(string(modified), w.modified); c != 0 {
		return c > 0
	}
	return seq > w.seq || (seq == w.seq && sub > w.sub)
}

// addSelected keeps, for every id some wanted record has, the copy LoadDir
// would keep (the latest modified; of equal ones the last met), if that copy is
// wanted, and reports every problem record.
func (l *loader) addSelected(ctx context.Context, srcs []*source, w wanted) error {
	ids := make(map[string]*winner)
	for _, s := range srcs {
		err := walkRecords(s.recs, s.members(), func(rec *record) error {
			if rec.problem == nil && w.has(rec) {
				ids[string(rec.id)] = nil
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("osv records of %s: %w", s.path, err) // records built in this process
		}
	}
	for si, s := range srcs {
		err := walkRecords(s.recs, s.members(), func(rec *record) error {
			if rec.problem != nil {
				file, member := s.where(rec.member)
				l.problem(file, member, "", errors.New(string(rec.problem)))
				return nil
			}
			old, ok := ids[string(rec.id)]
			seq, sub := s.order(rec.member)
			if !ok || !old.beats(rec.modified, seq, sub) {
				return nil
			}
			ids[string(rec.id)] = &winner{src: si, member: rec.member, seq: seq, sub: sub, modified: string(rec.modified), selected: w.has(rec)}
			return nil
		})
		if err != nil {
			return fmt.Errorf("osv records of %s: %w", s.path, err)
		}
	}
	var todo []*winner
	for _, wn := range ids {
		if wn.selected {
			todo = append(todo, wn)
		}
	}
	slices.SortFunc(todo, func(a, b *winner) int {
		if a.seq != b.seq {
			return a.seq - b.seq
		}
		return a.sub - b.sub
	})
	type result struct {
		v   *Vulnerability
		err error
	}
	results := make([]result, len(todo))
	err := parallel(ctx, len(todo), func(i int) {
		data, err := srcs[todo[i].src].read(todo[i].member)
		if err != nil {
			results[i].err = err
			return
		}
		results[i].v, results[i].err = decode(data)
	})
	if err != nil {
		return fmt.Errorf("loading osv entries: %w", err)
	}
	for i, r := range results {
		file, member := srcs[todo[i].src].where(todo[i].member)
		if r.err != nil {
			l.problem(file, member, "", r.err)
			continue
		}
		l.keep(r.v, file, member)
	}
	return nil
}
