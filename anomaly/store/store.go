// Package store keeps the anomaly sidecar's fitted models on disk, one file
// per key, so that a restart restores them instead of waiting for a full refit.
//
// A key is a stable string such as a query name and a series fingerprint. Its
// file is named from a readable prefix of the key and a hash of it (see
// FileName), so no key can reach outside the directory. Writes are atomic: a
// temporary file in the same directory is written, fsynced and renamed over
// the old one, and the directory is fsynced, so a crash leaves either the old
// or the new model, never a mix. A file that cannot be used (corrupt, too
// large, of another format or model version) is reported, moved aside as
// <name>.corrupt-<unix seconds> so that the next start does not trip on it
// again, and the caller refits; at most Options.MaxAside such files are kept.
//
// One process owns a directory: Open removes temporary files left by a crash,
// which would break another process's save in flight. Give each replica of a
// sharded sidecar its own directory.
//
// # File format, version 1
//
// Little-endian throughout:
//
//	offset  size  field
//	0       4     magic "PWMS"
//	4       2     format version (1)
//	6       2     kind length K, 1 ≤ K ≤ MaxKindLen
//	8       4     key length L, 1 ≤ L ≤ MaxKeyLen
//	12      4     model version
//	16      8     created at, Unix nanoseconds
//	24      8     payload length P
//	32      K     kind
//	32+K    L     key
//	32+K+L  P     payload
//	end−4   4     CRC-32C (Castagnoli) of every byte before it
//
// Every format version, present and future, starts with the magic and the
// version and ends with that checksum, so that a flipped bit in the version
// field reads as corruption and an intact file of a later version as
// ErrVersion. CRC-32C rather than SHA-256 because the threat is torn writes
// and bit rot, not an adversary (whoever can write the directory can write any
// model): it detects every burst of up to 32 bits and other damage with
// probability 1 − 2⁻³², costs a few GB/s with the CPU's instruction, and is
// what Prometheus's TSDB uses for its chunks and index.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FormatVersion is the version of the file format Save writes.
const FormatVersion = 1

// Limits of the file format and defaults of Options.
const (
	// MaxKindLen bounds a model kind, such as "iforest".
	MaxKindLen = 255
	// MaxKeyLen bounds a key; keys are names, not data.
	MaxKeyLen = 64 << 10
	// DefaultMaxFileSize is the default Options.MaxFileSize, 64 MiB.
	DefaultMaxFileSize = 64 << 20
	// DefaultMaxAside is the default Options.MaxAside.
	DefaultMaxAside = 16
)

const (
	magic      = "PWMS"
	headerLen  = 32
	crcLen     = 4
	modelExt   = ".model"
	asideMark  = modelExt + ".corrupt-"
	tempMark   = modelExt + ".tmp-"
	lockStripe = 64
)

// Errors of Load and LoadAll, to test with errors.Is.
var (
	// ErrNotFound: no file for the key.
	ErrNotFound = errors.New("model store: no model")
	// ErrCorrupt: bad magic, truncated, checksum mismatch, inconsistent
	// lengths, or a file that holds another key than its name says.
	ErrCorrupt = errors.New("model store: corrupt model file")
	// ErrVersion: an intact file of another format version, or of a model
	// kind or model version the caller does not expect.
	ErrVersion = errors.New("model store: incompatible model file")
	// ErrTooLarge: a file, or a model to save, beyond Options.MaxFileSize.
	ErrTooLarge = errors.New("model store: model file too large")
)

// Options configure Open; the zero value gives the defaults.
type Options struct {
	// MaxFileSize bounds a model file, checked before reading it and before
	// writing it; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// MaxAside is how many moved-aside files to keep; the oldest are
	// deleted beyond it. 0 means DefaultMaxAside; negative keeps none.
	MaxAside int
	// Now stamps saved models and names moved-aside files; nil means time.Now.
	Now func() time.Time
}

// Model is one stored model and its metadata.
type Model struct {
	Key          string
	Kind         string
	ModelVersion uint32
	Created      time.Time
	Payload      []byte
}

// LoadError reports a model file that could not be used and, when it was
// moved aside, where to; errors.Is on it finds ErrCorrupt, ErrVersion or
// ErrTooLarge.
type LoadError struct {
	// Path is the file that failed.
	Path string
	// Key is the key asked for by Load; "" from LoadAll when the file's key
	// could not be read.
	Key string
	// Aside is where the file now is; "" when it was not moved.
	Aside string
	// Err is the cause, joined with the error of moving it aside if any.
	Err error
}

func (e *LoadError) Error() string {
	s := "load " + e.Path
	if e.Key != "" {
		s += fmt.Sprintf(" (key %q)", e.Key)
	}
	s += ": " + e.Err.Error()
	if e.Aside != "" {
		s += "; moved to " + filepath.Base(e.Aside)
	}
	return s
}

// Unwrap returns the cause.
func (e *LoadError) Unwrap() error { return e.Err }

// Store is a directory of model files. Its methods are safe for concurrent
// use. Operations on one key are serialized: a Load sees a complete file,
// either the one before or the one after a concurrent Save, and of two
// concurrent Saves the later rename wins.
type Store struct {
	dir      string
	maxSize  int64
	maxAside int
	now      func() time.Time
	crc      *crc32.Table
	// locks serialize operations on one file name (striped by its hash),
	// so that a Load that moves a bad file aside cannot move a good one a
	// concurrent Save just renamed into place.
	locks [lockStripe]sync.Mutex
	stats counters
}

// Open creates dir if needed and removes temporary files a crash left in it.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("model store: %w", err)
	}
	s := &Store{
		dir:      dir,
		maxSize:  opts.MaxFileSize,
		maxAside: opts.MaxAside,
		now:      opts.Now,
		crc:      crc32.MakeTable(crc32.Castagnoli),
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxFileSize
	}
	if s.maxAside == 0 {
		s.maxAside = DefaultMaxAside
	}
	if s.now == nil {
		s.now = time.Now
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("model store: %w", err)
	}
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, ".") && strings.Contains(name, tempMark) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("model store: remove leftover temporary file: %w", err)
			}
			s.stats.tempRemoved.Add(1)
		}
	}
	return s, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// FileName is the name of key's file: up to 40 bytes of the key with every
// byte but ASCII letters, digits, '-' and '_' replaced by '_', a '-', the
// first 128 bits of the key's SHA-256 in hex, and ".model". It never holds a
// path separator, never starts with a dot and is at most 79 bytes long.
func FileName(key string) string {
	sum := sha256.Sum256([]byte(key))
	prefix := []byte(key[:min(len(key), 40)])
	for i, c := range prefix {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			prefix[i] = '_'
		}
	}
	return string(prefix) + "-" + hex.EncodeToString(sum[:16]) + modelExt
}

func (s *Store) lock(name string) *sync.Mutex {
	return &s.locks[crc32.Checksum([]byte(name), s.crc)%lockStripe]
}

// Save stores payload as key's model of the given kind and model version,
// atomically replacing any previous one.
func (s *Store) Save(key, kind string, modelVersion uint32, payload []byte) error {
	err := s.save(key, kind, modelVersion, payload)
	if err != nil {
		s.stats.savesFailed.Add(1)
		return fmt.Errorf("model store: save %q: %w", key, err)
	}
	s.stats.savesOK.Add(1)
	return nil
}

func (s *Store) save(key, kind string, modelVersion uint32, payload []byte) (err error) {
	if len(key) == 0 || len(key) > MaxKeyLen {
		return fmt.Errorf("key of %d bytes, want 1 to %d", len(key), MaxKeyLen)
	}
	if len(kind) == 0 || len(kind) > MaxKindLen {
		return fmt.Errorf("kind of %d bytes, want 1 to %d", len(kind), MaxKindLen)
	}
	size := int64(headerLen+len(kind)+len(key)+crcLen) + int64(len(payload))
	if size > s.maxSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, size, s.maxSize)
	}
	head := make([]byte, headerLen, headerLen+len(kind)+len(key))
	copy(head, magic)
	binary.LittleEndian.PutUint16(head[4:], FormatVersion)
	binary.LittleEndian.PutUint16(head[6:], uint16(len(kind)))
	binary.LittleEndian.PutUint32(head[8:], uint32(len(key)))
	binary.LittleEndian.PutUint32(head[12:], modelVersion)
	binary.LittleEndian.PutUint64(head[16:], uint64(s.now().UnixNano()))
	binary.LittleEndian.PutUint64(head[24:], uint64(len(payload)))
	head = append(append(head, kind...), key...)
	sum := crc32.Update(crc32.Checksum(head, s.crc), s.crc, payload)
	tail := binary.LittleEndian.AppendUint32(nil, sum)

	name := FileName(key)
	mu := s.lock(name)
	mu.Lock()
	defer mu.Unlock()
	f, err := os.CreateTemp(s.dir, "."+name+".tmp-*")
	if err != nil {
		return err
	}
	tmp, closed := f.Name(), false
	defer func() {
		if err == nil {
			return
		}
		// The temporary file is useless now (or already renamed, when only
		// the directory sync failed); Open removes it later if this cannot.
		if !closed {
			err = errors.Join(err, f.Close())
		}
		if rmErr := os.Remove(tmp); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
	}()
	for _, b := range [][]byte{head, payload, tail} {
		if _, err := f.Write(b); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		return err
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	s.stats.bytesWritten.Add(uint64(size))
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		return errors.Join(fmt.Errorf("fsync %s: %w", dir, err), d.Close())
	}
	return d.Close()
}

// Load returns key's model, which must be of the given kind and model version.
// A missing file gives ErrNotFound; a file that cannot be used gives a
// *LoadError wrapping ErrCorrupt, ErrVersion (also for another kind or model
// version) or ErrTooLarge, and is moved aside; an I/O error is returned
// wrapped and leaves the file in place.
func (s *Store) Load(key, kind string, modelVersion uint32) (Model, error) {
	name := FileName(key)
	mu := s.lock(name)
	mu.Lock()
	m, err := s.load(name, key, func(m *Model) error { return expect(m, kind, modelVersion) })
	mu.Unlock()
	var le *LoadError
	if errors.As(err, &le) {
		le.Key = key
		if perr := s.pruneAside(); perr != nil {
			le.Err = errors.Join(le.Err, perr)
		}
	}
	return m, err
}

// expect checks a decoded model against the caller's kind and version.
func expect(m *Model, kind string, modelVersion uint32) error {
	if m.Kind != kind {
		return fmt.Errorf("%w: kind %q, want %q", ErrVersion, m.Kind, kind)
	}
	if m.ModelVersion != modelVersion {
		return fmt.Errorf("%w: %s model version %d, want %d", ErrVersion, kind, m.ModelVersion, modelVersion)
	}
	return nil
}

// load reads and checks one file; wantKey is "" when any key whose file name
// is name will do (LoadAll). The caller holds the name's lock.
func (s *Store) load(name, wantKey string, check func(*Model) error) (Model, error) {
	path := filepath.Join(s.dir, name)
	data, err := s.read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.stats.loads[resultNotFound].Add(1)
		return Model{}, fmt.Errorf("model store: load %s: %w", path, ErrNotFound)
	case errors.Is(err, ErrTooLarge):
		return Model{}, s.moveAside(path, err)
	case err != nil:
		s.stats.loads[resultIOError].Add(1)
		return Model{}, fmt.Errorf("model store: load %s: %w", path, err)
	}
	m, err := s.decode(data)
	if err == nil && (wantKey != "" && m.Key != wantKey || FileName(m.Key) != name) {
		err = fmt.Errorf("%w: holds key %q, which is not this file's", ErrCorrupt, m.Key)
	}
	if err == nil && check != nil {
		err = check(&m)
	}
	if err != nil {
		return Model{}, s.moveAside(path, err)
	}
	s.stats.loads[resultSuccess].Add(1)
	s.stats.bytesRead.Add(uint64(len(data)))
	return m, nil
}

// read reads a whole file after checking its size against the limit.
func (s *Store) read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only: a close error loses nothing
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file (%v)", ErrCorrupt, st.Mode().Type())
	}
	if st.Size() > s.maxSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, st.Size(), s.maxSize)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: shrank while read", ErrCorrupt)
		}
		return nil, err
	}
	return data, nil
}

// decode parses and verifies a whole file.
func (s *Store) decode(data []byte) (Model, error) {
	n := len(data)
	if n < len(magic)+2+crcLen {
		return Model{}, fmt.Errorf("%w: %d bytes, too short", ErrCorrupt, n)
	}
	if string(data[:len(magic)]) != magic {
		return Model{}, fmt.Errorf("%w: bad magic %q", ErrCorrupt, data[:len(magic)])
	}
	if got, want := binary.LittleEndian.Uint32(data[n-crcLen:]), crc32.Checksum(data[:n-crcLen], s.crc); got != want {
		return Model{}, fmt.Errorf("%w: checksum %08x, computed %08x", ErrCorrupt, got, want)
	}
	if v := binary.LittleEndian.Uint16(data[4:]); v != FormatVersion {
		return Model{}, fmt.Errorf("%w: format version %d, this build reads %d", ErrVersion, v, FormatVersion)
	}
	h, err := parseHeader(data)
	if err != nil {
		return Model{}, err
	}
	if want := uint64(headerLen+h.kindLen+h.keyLen+crcLen) + h.payloadLen; h.payloadLen > uint64(n) || want != uint64(n) {
		return Model{}, fmt.Errorf("%w: %d bytes, header says %d", ErrCorrupt, n, want)
	}
	off := headerLen + h.kindLen + h.keyLen
	return Model{
		Key:          string(data[headerLen+h.kindLen : off]),
		Kind:         string(data[headerLen : headerLen+h.kindLen]),
		ModelVersion: h.modelVersion,
		Created:      time.Unix(0, h.created).UTC(),
		Payload:      data[off : n-crcLen : n-crcLen],
	}, nil
}

type header struct {
	kindLen, keyLen int
	modelVersion    uint32
	created         int64
	payloadLen      uint64
}

// parseHeader reads the fixed header of a version 1 file and checks that the
// kind and key it announces lie within data.
func parseHeader(data []byte) (header, error) {
	if len(data) < headerLen {
		return header{}, fmt.Errorf("%w: %d bytes, shorter than the header", ErrCorrupt, len(data))
	}
	h := header{
		kindLen:      int(binary.LittleEndian.Uint16(data[6:])),
		keyLen:       int(binary.LittleEndian.Uint32(data[8:])),
		modelVersion: binary.LittleEndian.Uint32(data[12:]),
		created:      int64(binary.LittleEndian.Uint64(data[16:])),
		payloadLen:   binary.LittleEndian.Uint64(data[24:]),
	}
	if h.kindLen < 1 || h.kindLen > MaxKindLen || h.keyLen < 1 || h.keyLen > MaxKeyLen {
		return header{}, fmt.Errorf("%w: kind of %d bytes, key of %d", ErrCorrupt, h.kindLen, h.keyLen)
	}
	return h, nil
}

// moveAside renames a bad file to <name>.corrupt-<unix>, counts the failure
// under cause's reason and returns the *LoadError.
func (s *Store) moveAside(path string, cause error) error {
	switch {
	case errors.Is(cause, ErrTooLarge):
		s.stats.loads[resultTooLarge].Add(1)
	case errors.Is(cause, ErrVersion):
		s.stats.loads[resultVersion].Add(1)
	default:
		s.stats.loads[resultCorrupt].Add(1)
	}
	le := &LoadError{Path: path, Err: cause}
	if s.maxAside < 0 {
		if err := os.Remove(path); err != nil {
			le.Err = errors.Join(cause, fmt.Errorf("remove: %w", err))
		}
		return le
	}
	aside := path + ".corrupt-" + strconv.FormatInt(s.now().Unix(), 10)
	if err := os.Rename(path, aside); err != nil {
		le.Err = errors.Join(cause, fmt.Errorf("move aside: %w", err))
		return le
	}
	le.Aside = aside
	s.stats.movedAside.Add(1)
	return le
}

// pruneAside deletes the oldest moved-aside files beyond MaxAside.
func (s *Store) pruneAside() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("prune moved-aside files: %w", err)
	}
	type aside struct {
		name string
		at   int64
	}
	var asides []aside
	for _, e := range entries {
		name := e.Name()
		i := strings.LastIndex(name, asideMark)
		if i < 0 {
			continue
		}
		at, err := strconv.ParseInt(name[i+len(asideMark):], 10, 64)
		if err != nil {
			at = 0 // not ours to date: oldest first
		}
		asides = append(asides, aside{name, at})
	}
	keep := max(s.maxAside, 0)
	if len(asides) <= keep {
		return nil
	}
	slices.SortFunc(asides, func(a, b aside) int {
		if a.at != b.at {
			return int(min(max(a.at-b.at, -1), 1))
		}
		return strings.Compare(a.name, b.name)
	})
	var errs []error
	for _, a := range asides[:len(asides)-keep] {
		if err := os.Remove(filepath.Join(s.dir, a.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("prune moved-aside files: %w", err))
			continue
		}
		s.stats.asideDeleted.Add(1)
	}
	return errors.Join(errs...)
}

// LoadAll restores every model file in the directory: fn is called for each
// good one, in file name order, and each bad one is moved aside and reported
// in the returned slice without stopping the walk. want maps each kind the
// caller reads to its model version; a file of another kind or version is
// bad (ErrVersion). A nil want accepts every kind and version. The error is
// non-nil only when the directory cannot be read, ctx is done, or fn fails.
func (s *Store) LoadAll(ctx context.Context, want map[string]uint32, fn func(Model) error) (bad []*LoadError, err error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("model store: %w", err)
	}
	defer func() {
		if len(bad) > 0 {
			if perr := s.pruneAside(); perr != nil {
				err = errors.Join(err, fmt.Errorf("model store: %w", perr))
			}
		}
	}()
	check := func(m *Model) error {
		if want == nil {
			return nil
		}
		v, ok := want[m.Kind]
		if !ok {
			return fmt.Errorf("%w: kind %q is not read by this build", ErrVersion, m.Kind)
		}
		return expect(m, m.Kind, v)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, modelExt) || strings.HasPrefix(name, ".") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return bad, fmt.Errorf("model store: load all: %w", err)
		}
		mu := s.lock(name)
		mu.Lock()
		m, err := s.load(name, "", check)
		mu.Unlock()
		var le *LoadError
		switch {
		case errors.As(err, &le):
			bad = append(bad, le)
			continue
		case errors.Is(err, ErrNotFound):
			continue // deleted since ReadDir
		case err != nil:
			// An I/O error on one file (permissions, say) is reported
			// like a bad file but leaves it in place.
			bad = append(bad, &LoadError{Path: filepath.Join(s.dir, name), Err: err})
			continue
		}
		if err := fn(m); err != nil {
			return bad, fmt.Errorf("model store: load all: %s: %w", name, err)
		}
	}
	return bad, nil
}

// Delete removes key's model; deleting a missing model is not an error. The
// directory is not fsynced: a crash may bring the file back, for the next
// Prune to delete again.
func (s *Store) Delete(key string) error {
	name := FileName(key)
	mu := s.lock(name)
	mu.Lock()
	defer mu.Unlock()
	if err := os.Remove(filepath.Join(s.dir, name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("model store: delete %q: %w", key, err)
	}
	s.stats.deleted.Add(1)
	return nil
}

// Prune deletes the model of every key for which keep returns false, such as
// series that vanished, and returns how many it deleted. It reads only the
// files' headers; files whose header is unreadable are left for Load or
// LoadAll to report and move aside.
func (s *Store) Prune(ctx context.Context, keep func(key string) bool) (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("model store: prune: %w", err)
	}
	deleted := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, modelExt) || strings.HasPrefix(name, ".") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return deleted, fmt.Errorf("model store: prune: %w", err)
		}
		key, ok, err := s.readKey(filepath.Join(s.dir, name))
		if err != nil {
			return deleted, fmt.Errorf("model store: prune: %w", err)
		}
		if !ok || FileName(key) != name || keep(key) {
			continue
		}
		if err := s.Delete(key); err != nil {
			return deleted, fmt.Errorf("model store: prune: %w", err)
		}
		deleted++
	}
	return deleted, nil
}

// readKey reads the key from a file's header; ok is false when the header is
// not that of a readable version 1 file (or the file vanished).
func (s *Store) readKey(path string) (key string, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer f.Close() // read-only: a close error loses nothing
	buf := make([]byte, headerLen)
	if _, err := io.ReadFull(f, buf); err != nil {
		return "", false, shortOK(err)
	}
	if string(buf[:len(magic)]) != magic || binary.LittleEndian.Uint16(buf[4:]) != FormatVersion {
		return "", false, nil
	}
	h, err := parseHeader(buf)
	if err != nil {
		return "", false, nil
	}
	rest := make([]byte, h.kindLen+h.keyLen)
	if _, err := io.ReadFull(f, rest); err != nil {
		return "", false, shortOK(err)
	}
	return string(rest[h.kindLen:]), true, nil
}

// shortOK maps the end of a too-short file to no error (it is corrupt, for
// Load to report) and keeps real read errors.
func shortOK(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}
