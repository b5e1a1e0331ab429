package osv

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func keyOf(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	k, err := centralDirectoryKey(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeZipMembers writes members in order, stored or deflated, with a comment, as the
// exports and other zip writers may.
func writeZipMembers(t *testing.T, path string, n int, method uint16, comment string, body func(i int) string) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for i := range n {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("E-%d.json", i), Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.SetComment(comment); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// Every member read directly equals what archive/zip reads, for stored and
// deflated members, with and without a comment, and past 65,535 members (zip64's
// end records).
func TestReadDirectAgreesWithArchiveZip(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name    string
		n       int
		method  uint16
		comment string
	}{
		{"deflate", 50, zip.Deflate, ""},
		{"store", 50, zip.Store, ""},
		{"comment", 20, zip.Deflate, "an export comment " + strings.Repeat("é", 100)},
		{"zip64", 70000, zip.Store, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".zip")
			writeZipMembers(t, path, tt.n, tt.method, tt.comment, func(i int) string {
				return fmt.Sprintf(`{"id":"E-%d","details":%q}`, i, strings.Repeat("x\\\"'", i%40))
			})
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			ms, err := membersOf(&zr.Reader)
			if err != nil {
				t.Fatal(err)
			}
			back, rest, err := parseMembers(appendMembers(nil, ms))
			if err != nil || len(rest) != 0 || len(back) != len(ms) {
				t.Fatalf("members round trip: %v, %d left", err, len(rest))
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for i, zf := range zr.File {
				if tt.n > 100 && i%997 != 0 && i != len(zr.File)-1 {
					continue
				}
				want, err := readMember(zf)
				if err != nil {
					t.Fatal(err)
				}
				got, err := readDirect(f, back[i])
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("member %d: %v\n%q\n%q", i, err, got, want)
				}
			}
			keyOf(t, path)
		})
	}
}

// The key changes with any member's content, name or count, and not otherwise; a
// member whose bytes changed under an index is an error, not other data.
func TestCentralDirectoryKey(t *testing.T) {
	dir := t.TempDir()
	body := func(i int) string { return fmt.Sprintf(`{"id":"E-%d"}`, i) }
	a := filepath.Join(dir, "a.zip")
	writeZipMembers(t, a, 3, zip.Deflate, "", body)
	k := keyOf(t, a)
	if keyOf(t, a) != k {
		t.Error("key not stable")
	}
	for name, write := range map[string]func(string){
		"content": func(p string) {
			writeZipMembers(t, p, 3, zip.Deflate, "", func(i int) string { return body(i) + strings.Repeat(" ", i) })
		},
		"count":  func(p string) { writeZipMembers(t, p, 4, zip.Deflate, "", body) },
		"method": func(p string) { writeZipMembers(t, p, 3, zip.Store, "", body) },
	} {
		p := filepath.Join(dir, name+".zip")
		write(p)
		if keyOf(t, p) == k {
			t.Errorf("%s changed, key did not", name)
		}
	}

	zr, err := zip.OpenReader(a)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := membersOf(&zr.Reader)
	zr.Close()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	data[ms[1].offset] ^= 0xff // a byte of member 1's compressed data
	if err := os.WriteFile(a, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, err := readDirect(f, ms[1]); err == nil {
		t.Errorf("a damaged member read as %q", got)
	}

	for name, data := range map[string][]byte{
		"empty":   {},
		"no end":  []byte(strings.Repeat("not a zip ", 100)),
		"bad dir": append([]byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\xff\xff\x00\x00\x00\x10\x00\x00"), 0, 0),
	} {
		p := filepath.Join(dir, "bad.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := centralDirectoryKey(f, int64(len(data))); err == nil {
			t.Errorf("%s: no error", name)
		}
		f.Close()
	}
}
