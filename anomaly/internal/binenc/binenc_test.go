package binenc

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var e Encoder
	e.B = append(e.B, "MAGC"...)
	e.U8(7)
	e.U16(0xbeef)
	e.U32(1 << 31)
	e.U64(math.MaxUint64)
	e.I64(-5)
	e.F64(math.Inf(-1))
	e.Bool(true)
	e.Bytes([]byte{1, 2, 3})
	e.String("héllo")
	e.U64(12)
	e.U32(2)
	e.B = append(e.B, 9, 9)

	d := Decoder{B: e.B}
	d.Magic("MAGC")
	if d.U8() != 7 || d.U16() != 0xbeef || d.U32() != 1<<31 || d.U64() != math.MaxUint64 || d.I64() != -5 ||
		!math.IsInf(d.F64(), -1) || !d.Bool() || string(d.Bytes()) != "\x01\x02\x03" || d.String() != "héllo" ||
		d.Int(12) != 12 || d.Count(1) != 2 || len(d.Take(2)) != 2 {
		t.Fatalf("round trip differs (err %v)", d.Err)
	}
	if err := d.End(); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		read func(d *Decoder)
		want string
	}{
		{"truncated", []byte{1, 2}, func(d *Decoder) { d.U32() }, "truncated"},
		{"bad magic", []byte("XXXX"), func(d *Decoder) { d.Magic("MAGC") }, "magic"},
		{"bool", []byte{2}, func(d *Decoder) { d.Bool() }, "boolean byte 2"},
		{"int limit", []byte{9, 0, 0, 0, 0, 0, 0, 0}, func(d *Decoder) { d.Int(8) }, "exceeds"},
		{"hostile count", []byte{0xff, 0xff, 0xff, 0x7f, 1, 2}, func(d *Decoder) { d.Count(1) }, "does not fit"},
		{"hostile length", []byte{0xff, 0xff, 0xff, 0xff}, func(d *Decoder) { d.Bytes() }, "truncated"},
		{"trailing", []byte{1, 2}, func(d *Decoder) { d.U8() }, "1 trailing bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := Decoder{B: tt.in}
			tt.read(&d)
			err := d.End()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			// The first error sticks: later reads return zero and keep it.
			if d.U64() != 0 || !errors.Is(d.End(), err) {
				t.Error("the first error did not stick")
			}
		})
	}
}
