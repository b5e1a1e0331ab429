package osv

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// A records list is what Load needs to know about every entry of a source before
// deciding which to decode: its id, modified time, whether it is withdrawn and the
// packages it is about. It is encoded compactly (the npm export's is a few
// megabytes for some 200,000 entries) so that it can be cached on disk by
// cache.go and walked without allocating per entry.
//
// Each record is
//
//	uvarint member    index of the zip member or loose file
//	byte    kind      recEntry or recProblem
//	recEntry:   str id, str modified, byte withdrawn, uvarint n, n × (str ecosystem, str name)
//	recProblem: str error
//
// where str is a uvarint length and that many bytes.
const (
	recEntry   = 0
	recProblem = 1
)

// sketch is the part of an OSV entry that decides whether it is needed. It is
// decoded with encoding/json, which checks the whole document's syntax first, so
// a member that fails here would fail a full decode too.
type sketch struct {
	ID        string `json:"id"`
	Modified  string `json:"modified"`
	Withdrawn string `json:"withdrawn"`
	Affected  []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

func decodeSketch(data []byte) (*sketch, error) {
	var s sketch
	if err := json.Unmarshal(data, &s); err != nil {
		// The full decode's error names the field as the schema's type does, the
		// same message LoadDir gives; failing is rare, so decoding twice is cheap.
		if _, ferr := decode(data); ferr != nil {
			return nil, ferr
		}
		return nil, fmt.Errorf("decoding OSV entry: %w", err)
	}
	if s.ID == "" {
		return nil, errNoID
	}
	return &s, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendSketch encodes one entry's record.
func appendSketch(b []byte, member int, s *sketch) []byte {
	b = binary.AppendUvarint(b, uint64(member))
	b = append(b, recEntry)
	b = appendString(b, s.ID)
	b = appendString(b, s.Modified)
	if s.Withdrawn != "" {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Affected)))
	for _, a := range s.Affected {
		b = appendString(b, a.Package.Ecosystem)
		b = appendString(b, a.Package.Name)
	}
	return b
}

// appendProblem encodes a member that could not be used, so that a cached index
// reports it again on every load rather than losing it.
func appendProblem(b []byte, member int, err error) []byte {
	b = binary.AppendUvarint(b, uint64(member))
	b = append(b, recProblem)
	return appendString(b, err.Error())
}

// record is one decoded record; its byte slices alias the encoded list and are
// valid only during the walk's callback.
type record struct {
	member    int
	problem   []byte
	id        []byte
	modified  []byte
	withdrawn bool
	pkgs      []byte // n × (str ecosystem, str name), walked by eachPackage
	npkgs     int
}

var errTruncated = errors.New("truncated record")

type reader struct {
	b   []byte
	off int
}

func (r *reader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		return 0, errTruncated
	}
	r.off += n
	return v, nil
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) str() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.off) {
		return nil, errTruncated
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

// walkRecords calls fn for each record of b, checking that member indexes are
// below members and increase, so a damaged list is an error, never a wrong
// member decoded. It stops at fn's first error.
func walkRecords(b []byte, members int, fn func(*record) error) error {
	r := reader{b: b}
	last := -1
	var rec record
	for r.off < len(b) {
		m, err := r.uvarint()
		if err != nil {
			return err
		}
		if m >= uint64(members) || int(m) <= last {
			return fmt.Errorf("record for member %d out of order", m)
		}
		last = int(m)
		rec = record{member: int(m)}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case recProblem:
			if rec.problem, err = r.str(); err != nil {
				return err
			}
		case recEntry:
			if rec.id, err = r.str(); err != nil {
				return err
			}
			if len(rec.id) == 0 {
				return errors.New("record without an id")
			}
			if rec.modified, err = r.str(); err != nil {
				return err
			}
			w, err := r.byte()
			if err != nil {
				return err
			}
			if w > 1 {
				return fmt.Errorf("withdrawn flag %d", w)
			}
			rec.withdrawn = w == 1
			n, err := r.uvarint()
			if err != nil {
				return err
			}
			start := r.off
			for range n {
				if _, err := r.str(); err != nil {
					return err
				}
				if _, err := r.str(); err != nil {
					return err
				}
			}
			rec.pkgs, rec.npkgs = b[start:r.off], int(n)
		default:
			return fmt.Errorf("record kind %d", kind)
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

// eachPackage calls fn with each (ecosystem, name) of a record walkRecords has
// already checked; it stops when fn returns true and reports whether it did.
func (rec *record) eachPackage(fn func(eco, name []byte) bool) bool {
	r := reader{b: rec.pkgs}
	for range rec.npkgs {
		eco, _ := r.str()
		name, _ := r.str()
		if fn(eco, name) {
			return true
		}
	}
	return false
}
