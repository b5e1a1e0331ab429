package sidecar

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// encoder appends little-endian fields.
type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)    { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32)  { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64)  { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) i64(v int64)   { e.u64(uint64(v)) }
func (e *encoder) f64(v float64) { e.u64(math.Float64bits(v)) }
func (e *encoder) bytes(v []byte) {
	e.u32(uint32(len(v)))
	e.b = append(e.b, v...)
}
func (e *encoder) str(s string) { e.bytes([]byte(s)) }

// errShort is the decoding error of a payload that ends too early.
var errShort = errors.New("truncated")

// decoder reads what encoder wrote; the first error sticks, and every read after it
// returns zero, so a decode checks err once at the end of each step.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = errShort
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if v := d.take(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if v := d.take(8); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) i64() int64   { return int64(d.u64()) }
func (d *decoder) f64() float64 { return math.Float64frombits(d.u64()) }

// bytes reads a length-prefixed field; the length is checked against what is left, so
// a hostile length cannot make it allocate.
func (d *decoder) bytes() []byte {
	n := d.u32()
	return d.take(int(n))
}

func (d *decoder) str() string { return string(d.bytes()) }

// count reads an element count and checks that the elements, each at least min
// bytes, fit in what is left.
func (d *decoder) count(min int) int {
	n := int(d.u32())
	if d.err == nil && n > len(d.b)/max(min, 1) {
		d.err = fmt.Errorf("count %d does not fit in %d bytes", n, len(d.b))
		return 0
	}
	return n
}

func (d *decoder) magic(m string) {
	if got := d.take(len(m)); d.err == nil && string(got) != m {
		d.err = fmt.Errorf("magic %q, want %q", got, m)
	}
}

func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return d.err
}
