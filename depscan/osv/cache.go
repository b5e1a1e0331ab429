package osv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// An index file caches one all.zip's records (index.go) between runs, so a scan
// reads a few megabytes instead of inflating and parsing the whole export. It is
//
//	cacheMagic | key | members | records | SHA-256 of everything before it
//
// where key is centralDirectoryKey of the export it describes and members says
// where each member's data lies (zipdirect.go). It lives in the caller's index
// directory under a name derived from the export's absolute path, so a changed
// export overwrites its own index; a file whose magic, key, checksum, members or
// records do not check out is ignored and rebuilt, never trusted.
const cacheMagic = "PWOSVIX2" // the last byte is the format's version

// cacheFileSuffix names index files, so they are recognisable in a shared cache.
const cacheFileSuffix = ".osvindex"

// maxCacheBytes bounds an index file read back; the npm export's is a few MB.
const maxCacheBytes = 1 << 30

// cachePath is where the index of the export at zipPath is kept under dir.
func cachePath(dir, zipPath string) (string, error) {
	abs, err := filepath.Abs(zipPath)
	if err != nil {
		return "", fmt.Errorf("index path for %s: %w", zipPath, err)
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+cacheFileSuffix), nil
}

var errStaleIndex = errors.New("index is for another export")

// readCacheFile reads an index file and checks its framing (magic and checksum),
// returning what the checksum covers. It needs nothing of the export, so it can
// run while the export's central directory is read.
func readCacheFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxCacheBytes {
		return nil, fmt.Errorf("index of %d bytes, more than %d", st.Size(), maxCacheBytes)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return checkCacheFile(data)
}

// parseCache checks an index file's framing, members and records, and that it
// is for the export with key k.
func parseCache(data []byte, k [sha256.Size]byte) ([]member, []byte, error) {
	body, err := checkCacheFile(data)
	if err != nil {
		return nil, nil, err
	}
	ms, recs, err := checkRecords(body)
	if err != nil {
		return nil, nil, err
	}
	if err := matchIndex(body, k); err != nil {
		return nil, nil, err
	}
	return ms, recs, nil
}

// checkCacheFile checks the magic and the checksum and returns the body.
func checkCacheFile(data []byte) ([]byte, error) {
	head := len(cacheMagic) + sha256.Size
	if len(data) < head+sha256.Size {
		return nil, errors.New("index too short")
	}
	if string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not an index of this version")
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("index checksum mismatch")
	}
	return body, nil
}

// checkRecords checks the members and every record of a checked body, whatever
// export it is for, and returns them; matchIndex then says whether they are the
// export's.
func checkRecords(body []byte) ([]member, []byte, error) {
	ms, recs, err := parseMembers(body[len(cacheMagic)+sha256.Size:])
	if err != nil {
		return nil, nil, fmt.Errorf("index members: %w", err)
	}
	if err := walkRecords(recs, len(ms), func(*record) error { return nil }); err != nil {
		return nil, nil, fmt.Errorf("index records: %w", err)
	}
	return ms, recs, nil
}

// matchIndex reports whether a checked body is the index of the export with key k.
func matchIndex(body []byte, k [sha256.Size]byte) error {
	if !bytes.Equal(body[len(cacheMagic):len(cacheMagic)+sha256.Size], k[:]) {
		return errStaleIndex
	}
	return nil
}

// writeCache stores the members and records of the export with key k at path,
// through a temporary file and a rename so a concurrent scan never reads half an
// index.
func writeCache(path string, k [sha256.Size]byte, ms []member, recs []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("index directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*"+cacheFileSuffix)
	if err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	data := make([]byte, 0, len(cacheMagic)+2*sha256.Size+len(recs))
	data = append(data, cacheMagic...)
	data = append(data, k[:]...)
	data = appendMembers(data, ms)
	data = append(data, recs...)
	sum := sha256.Sum256(data)
	data = append(data, sum[:]...)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing index %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing index %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	return nil
}
