package osv

import (
	"archive/zip"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// An export's index (cache.go) also keeps where each member's data lies, so that a
// warm load reads the few members it needs straight from the file instead of
// parsing the whole central directory with archive/zip: for the npm export's
// 200,000 members that parse is the largest single cost of scanning a small
// project. The index is trusted for an export only when the export's central
// directory, read raw, hashes to the key the index was written for, and every
// member read is checked against its CRC-32 and size, as archive/zip checks it.

// member is what a direct read needs of one zip member.
type member struct {
	name   string
	offset int64  // of the member's data, past its local header
	comp   uint64 // compressed size
	size   uint64 // uncompressed size
	method uint16
	crc    uint32
}

// membersOf describes zr's members for the index. Each member's data offset is
// where archive/zip's own reader finds it (its local header read).
func membersOf(zr *zip.Reader) ([]member, error) {
	out := make([]member, len(zr.File))
	for i, f := range zr.File {
		off, err := f.DataOffset()
		if err != nil {
			return nil, fmt.Errorf("zip member %s: %w", f.Name, err)
		}
		out[i] = member{name: f.Name, offset: off, comp: f.CompressedSize64, size: f.UncompressedSize64, method: f.Method, crc: f.CRC32}
	}
	return out, nil
}

func appendMembers(b []byte, ms []member) []byte {
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for _, m := range ms {
		b = appendString(b, m.name)
		b = binary.AppendUvarint(b, uint64(m.offset))
		b = binary.AppendUvarint(b, m.comp)
		b = binary.AppendUvarint(b, m.size)
		b = binary.AppendUvarint(b, uint64(m.method))
		b = binary.LittleEndian.AppendUint32(b, m.crc)
	}
	return b
}

// parseMembers reads appendMembers' encoding at the start of b and returns the
// members and what follows them.
func parseMembers(b []byte) ([]member, []byte, error) {
	r := reader{b: b}
	n, err := r.uvarint()
	if err != nil {
		return nil, nil, err
	}
	if n > maxZipMembers {
		return nil, nil, fmt.Errorf("index of %d members, more than %d", n, maxZipMembers)
	}
	ms := make([]member, n)
	for i := range ms {
		name, err := r.str()
		if err != nil {
			return nil, nil, err
		}
		var v [4]uint64
		for j := range v {
			if v[j], err = r.uvarint(); err != nil {
				return nil, nil, err
			}
		}
		if r.off+4 > len(b) {
			return nil, nil, errors.New("index members truncated")
		}
		if v[0] > 1<<62 || v[3] > 0xffff {
			return nil, nil, fmt.Errorf("index member %d out of range", i)
		}
		crc := binary.LittleEndian.Uint32(b[r.off:])
		r.off += 4
		ms[i] = member{name: string(name), offset: int64(v[0]), comp: v[1], size: v[2], method: uint16(v[3]), crc: crc}
	}
	return ms, b[r.off:], nil
}

// readDirect reads member m of the export f, inflating it and checking its size
// and CRC-32: a member that does not check out (the export changed under its
// index) is an error, never wrong data.
func readDirect(f *os.File, m member) ([]byte, error) {
	if m.size > MaxEntryBytes {
		return nil, fmt.Errorf("member of %d bytes, more than %d", m.size, MaxEntryBytes)
	}
	var r io.Reader = io.NewSectionReader(f, m.offset, int64(min(m.comp, 1<<62)))
	switch m.method {
	case zip.Store:
	case zip.Deflate:
		fr := flate.NewReader(r)
		defer fr.Close()
		r = fr
	default:
		return nil, fmt.Errorf("reading zip member: unsupported compression method %d", m.method)
	}
	data, err := readBounded(r)
	if err != nil {
		return nil, fmt.Errorf("reading zip member: %w", err)
	}
	if uint64(len(data)) != m.size || crc32.ChecksumIEEE(data) != m.crc {
		return nil, errors.New("reading zip member: size or checksum differs from the index (the export changed while it was read?)")
	}
	return data, nil
}

// Signatures and sizes of the records that end a zip file (APPNOTE.TXT 4.3.14-16).
const (
	eocdSig       = "PK\x05\x06"
	eocdLen       = 22
	eocd64LocSig  = "PK\x06\x07"
	eocd64LocLen  = 20
	eocd64Sig     = "PK\x06\x06"
	eocd64Len     = 56
	maxZipComment = 0xffff
	maxCentralDir = 1 << 30
)

// centralDirectoryKey identifies the zip f of size bytes by a SHA-256 of its raw
// central directory (every member's name, sizes, CRC-32 and offset, so any changed,
// added or removed member gives another key), found through the end of central
// directory record and, for an export of more than 65,535 members, its zip64 form.
// Reading the directory raw costs a few milliseconds where parsing it costs tens.
func centralDirectoryKey(f *os.File, size int64) ([sha256.Size]byte, error) {
	var k [sha256.Size]byte
	tailLen := min(size, eocdLen+maxZipComment+eocd64LocLen)
	tail := make([]byte, tailLen)
	if _, err := f.ReadAt(tail, size-tailLen); err != nil {
		return k, fmt.Errorf("zip end: %w", err)
	}
	// The last signature whose comment length reaches exactly to the end.
	at := -1
	for i := len(tail) - eocdLen; i >= 0; i-- {
		if string(tail[i:i+4]) == eocdSig && i+eocdLen+int(binary.LittleEndian.Uint16(tail[i+20:])) == len(tail) {
			at = i
			break
		}
	}
	if at < 0 {
		return k, errors.New("zip end: no end of central directory record")
	}
	e := tail[at:]
	entries := uint64(binary.LittleEndian.Uint16(e[10:]))
	cdSize := uint64(binary.LittleEndian.Uint32(e[12:]))
	cdOff := uint64(binary.LittleEndian.Uint32(e[16:]))
	if entries == 0xffff || cdSize == 0xffffffff || cdOff == 0xffffffff {
		if at < eocd64LocLen || string(tail[at-eocd64LocLen:at-eocd64LocLen+4]) != eocd64LocSig {
			return k, errors.New("zip end: zip64 locator missing")
		}
		loc := tail[at-eocd64LocLen:]
		recOff := binary.LittleEndian.Uint64(loc[8:])
		if recOff > uint64(size)-eocd64Len {
			return k, errors.New("zip end: zip64 record out of range")
		}
		rec := make([]byte, eocd64Len)
		if _, err := f.ReadAt(rec, int64(recOff)); err != nil {
			return k, fmt.Errorf("zip end: %w", err)
		}
		if string(rec[:4]) != eocd64Sig {
			return k, errors.New("zip end: bad zip64 record")
		}
		entries = binary.LittleEndian.Uint64(rec[32:])
		cdSize = binary.LittleEndian.Uint64(rec[40:])
		cdOff = binary.LittleEndian.Uint64(rec[48:])
	}
	if cdSize > maxCentralDir || cdOff > uint64(size) || cdSize > uint64(size)-cdOff {
		return k, fmt.Errorf("zip end: central directory of %d bytes at %d out of range", cdSize, cdOff)
	}
	h := sha256.New()
	var head []byte
	head = binary.AppendUvarint(head, uint64(size))
	head = binary.AppendUvarint(head, entries)
	h.Write(head)
	if _, err := io.Copy(h, io.NewSectionReader(f, int64(cdOff), int64(cdSize))); err != nil {
		return k, fmt.Errorf("zip central directory: %w", err)
	}
	h.Sum(k[:0])
	return k, nil
}
