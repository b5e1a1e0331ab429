// Package binenc is the little-endian field codec of the anomaly sidecar's model
// encodings (the baseline, the detector, the engine's model-store payloads): an
// Encoder that appends fields, and a Decoder whose first error sticks, so that a
// decode reads a run of fields and checks Err once, and whose lengths and counts are
// checked against the bytes left before anything is allocated for them.
package binenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrTruncated is the Decoder's error for input that ends inside a field.
var ErrTruncated = errors.New("truncated")

// Encoder appends little-endian fields to B.
type Encoder struct{ B []byte }

// U8 appends v.
func (e *Encoder) U8(v uint8) { e.B = append(e.B, v) }

// U16 appends v.
func (e *Encoder) U16(v uint16) { e.B = binary.LittleEndian.AppendUint16(e.B, v) }

// U32 appends v.
func (e *Encoder) U32(v uint32) { e.B = binary.LittleEndian.AppendUint32(e.B, v) }

// U64 appends v.
func (e *Encoder) U64(v uint64) { e.B = binary.LittleEndian.AppendUint64(e.B, v) }

// I64 appends v as its two's complement.
func (e *Encoder) I64(v int64) { e.U64(uint64(v)) }

// F64 appends v's IEEE 754 bits.
func (e *Encoder) F64(v float64) { e.U64(math.Float64bits(v)) }

// Bool appends 1 or 0.
func (e *Encoder) Bool(v bool) {
	if v {
		e.U8(1)
	} else {
		e.U8(0)
	}
}

// Bytes appends v with a uint32 length in front.
func (e *Encoder) Bytes(v []byte) {
	e.U32(uint32(len(v)))
	e.B = append(e.B, v...)
}

// String appends s as Bytes does.
func (e *Encoder) String(s string) {
	e.U32(uint32(len(s)))
	e.B = append(e.B, s...)
}

// Decoder reads what Encoder wrote from B. After the first error (Err) every read
// returns a zero value.
type Decoder struct {
	B   []byte
	Err error
}

// Take returns the next n bytes, or nil when fewer are left.
func (d *Decoder) Take(n int) []byte {
	if d.Err != nil {
		return nil
	}
	if n < 0 || n > len(d.B) {
		d.Err = ErrTruncated
		return nil
	}
	p := d.B[:n]
	d.B = d.B[n:]
	return p
}

// U8 reads a byte.
func (d *Decoder) U8() uint8 {
	if p := d.Take(1); p != nil {
		return p[0]
	}
	return 0
}

// U16 reads a uint16.
func (d *Decoder) U16() uint16 {
	if p := d.Take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

// U32 reads a uint32.
func (d *Decoder) U32() uint32 {
	if p := d.Take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// U64 reads a uint64.
func (d *Decoder) U64() uint64 {
	if p := d.Take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// I64 reads an int64.
func (d *Decoder) I64() int64 { return int64(d.U64()) }

// F64 reads a float64.
func (d *Decoder) F64() float64 { return math.Float64frombits(d.U64()) }

// Int reads a uint64 count, which must not exceed limit.
func (d *Decoder) Int(limit int) int {
	v := d.U64()
	if d.Err == nil && v > uint64(limit) {
		d.Err = fmt.Errorf("count %d exceeds %d", v, limit)
		return 0
	}
	return int(v)
}

// Count reads a uint32 count of elements of at least minSize bytes each, which must
// fit in the bytes left: a hostile count cannot make the caller allocate.
func (d *Decoder) Count(minSize int) int {
	n := int(d.U32())
	if d.Err == nil && n > len(d.B)/max(minSize, 1) {
		d.Err = fmt.Errorf("count %d does not fit in %d bytes", n, len(d.B))
		return 0
	}
	return n
}

// Bool reads a byte that must be 0 or 1.
func (d *Decoder) Bool() bool {
	v := d.U8()
	if d.Err == nil && v > 1 {
		d.Err = fmt.Errorf("boolean byte %d", v)
	}
	return v == 1
}

// Bytes reads a length-prefixed field; the length is checked against what is left.
func (d *Decoder) Bytes() []byte { return d.Take(int(d.U32())) }

// String reads a length-prefixed string.
func (d *Decoder) String() string { return string(d.Bytes()) }

// Magic reads len(m) bytes that must be m.
func (d *Decoder) Magic(m string) {
	if got := d.Take(len(m)); d.Err == nil && string(got) != m {
		d.Err = fmt.Errorf("magic %q, want %q", got, m)
	}
}

// End reports the first error, or an error when bytes are left over.
func (d *Decoder) End() error {
	if d.Err == nil && len(d.B) != 0 {
		d.Err = fmt.Errorf("%d trailing bytes", len(d.B))
	}
	return d.Err
}
