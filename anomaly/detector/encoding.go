package detector

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// detectorMagic and detectorVersion head an encoded Detector; a decoder
// refuses any other version rather than guess at its layout.
const (
	detectorMagic   = "PWDT"
	detectorVersion = 1
)

// MarshalBinary encodes the detector (configuration and state) for the
// on-disk model store: a "PWDT" header, a version, little-endian fields and
// the seasonal baseline's own encoding. A decoded detector scores exactly as
// the original.
func (det *Detector) MarshalBinary() ([]byte, error) {
	c := det.cfg
	var e encoder
	e.b = append(e.b, detectorMagic...)
	e.u16(detectorVersion)
	for _, d := range []time.Duration{c.Step, c.Season, c.BucketWidth, c.MinHistory, c.Warmup,
		c.LevelWindow, c.ShortWindow, c.ExtremeBlock, c.ExtremeWindow, c.SuppressFor} {
		e.i64(int64(d))
	}
	e.u8(uint8(c.Method))
	e.u8(uint8(c.Direction))
	for _, f := range []float64{c.SeasonAlpha, c.Threshold, c.MinDevFromExpected, c.Clip, c.AlarmThreshold} {
		e.f64(f)
	}
	e.u64(det.lvl.n)
	e.f64(det.lvl.centre)
	e.f64(det.lvl.spread)
	e.u64(uint64(len(det.short.buf)))
	e.u64(uint64(det.short.next))
	e.bool(det.short.full)
	for _, x := range det.short.buf {
		e.f64(x)
	}
	e.bool(det.ext.inBlock)
	if det.ext.inBlock {
		e.i64(det.ext.blockStart.UnixNano())
		e.f64(det.ext.blockMax)
	}
	e.u64(det.ext.maxima.n)
	e.f64(det.ext.maxima.mean)
	e.f64(det.ext.maxima.variance)
	e.u64(uint64(det.warm))
	e.bool(det.seen)
	if det.seen {
		e.i64(det.last.UnixNano())
	}
	e.bool(!det.suppress.IsZero())
	if !det.suppress.IsZero() {
		e.i64(det.suppress.UnixNano())
	}
	e.bool(det.base != nil)
	if det.base != nil {
		blob, err := det.base.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("encode detector: %w", err)
		}
		e.u64(uint64(len(blob)))
		e.b = append(e.b, blob...)
	}
	return e.b, nil
}

// UnmarshalBinary replaces det with a detector decoded from data. It
// validates the header, the configuration and every value, and returns an
// error (never panics) on anything inconsistent; det is unchanged then.
func (det *Detector) UnmarshalBinary(data []byte) error {
	nd, err := decodeDetector(data)
	if err != nil {
		return fmt.Errorf("decode detector: %w", err)
	}
	*det = *nd
	return nil
}

func decodeDetector(data []byte) (*Detector, error) {
	d := decoder{b: data}
	if string(d.take(len(detectorMagic))) != detectorMagic {
		return nil, errors.New("not a detector (bad magic)")
	}
	if v := d.u16(); d.err == nil && v != detectorVersion {
		return nil, fmt.Errorf("version %d, want %d", v, detectorVersion)
	}
	var c Config
	for _, p := range []*time.Duration{&c.Step, &c.Season, &c.BucketWidth, &c.MinHistory, &c.Warmup,
		&c.LevelWindow, &c.ShortWindow, &c.ExtremeBlock, &c.ExtremeWindow, &c.SuppressFor} {
		*p = time.Duration(d.i64())
	}
	c.Method = baseline.Method(d.u8())
	c.Direction = baseline.Direction(d.u8())
	for _, p := range []*float64{&c.SeasonAlpha, &c.Threshold, &c.MinDevFromExpected, &c.Clip, &c.AlarmThreshold} {
		*p = d.f64()
	}
	if d.err != nil {
		return nil, d.err
	}
	det, err := New(c)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	det.lvl = level{n: d.u64(), centre: d.f64(), spread: d.f64()}
	n := d.int(det.d.shortK)
	next := d.int(det.d.shortK)
	full := d.bool()
	if d.err != nil {
		return nil, d.err
	}
	if (full && (n != det.d.shortK || next >= n)) || (!full && (n == det.d.shortK || next != 0)) {
		return nil, errors.New("invalid short-term ring")
	}
	for range n {
		x := d.f64()
		if !finite(x) {
			return nil, errors.New("short-term ring holds a NaN or infinite value")
		}
		det.short.buf = append(det.short.buf, x)
	}
	det.short.next, det.short.full = next, full
	if det.ext.inBlock = d.bool(); det.ext.inBlock {
		det.ext.blockStart = time.Unix(0, d.i64())
		det.ext.blockMax = d.f64()
	}
	det.ext.maxima = moments{n: d.u64(), mean: d.f64(), variance: d.f64()}
	det.warm = d.int(math.MaxInt64)
	if det.seen = d.bool(); det.seen {
		det.last = time.Unix(0, d.i64())
	}
	if d.bool() {
		det.suppress = time.Unix(0, d.i64())
	}
	hasBase := d.bool()
	if d.err != nil {
		return nil, d.err
	}
	if hasBase != (c.Season > 0) {
		return nil, errors.New("seasonal baseline present without a season, or missing")
	}
	if hasBase {
		blob := d.take(d.int(len(d.b)))
		if d.err != nil {
			return nil, d.err
		}
		var m baseline.Model
		if err := m.UnmarshalBinary(blob); err != nil {
			return nil, err
		}
		want, _ := c.baseline()
		if got := m.Config(); got.Step != want.Step || got.Season != want.Season || got.BucketWidth != want.BucketWidth ||
			got.Method != want.Method || got.Threshold != want.Threshold || got.MinHistory != want.MinHistory ||
			got.Alpha != want.Alpha || got.ClipSpreads != want.ClipSpreads || got.Direction != want.Direction ||
			got.MinDevFromExpected != want.MinDevFromExpected || got.Offset != want.Offset {
			return nil, errors.New("seasonal baseline's configuration does not match the detector's")
		}
		det.base = &m
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if err := det.check(); err != nil {
		return nil, err
	}
	return det, nil
}

// check validates a decoded state against the invariants the update rules
// keep.
func (det *Detector) check() error {
	l, x, m := det.lvl, det.ext, det.ext.maxima
	switch {
	case !finite(l.centre) || !finite(l.spread) || l.spread < 0 || (l.n == 0 && (l.centre != 0 || l.spread != 0)):
		return errors.New("invalid level")
	case l.n != uint64(det.warm):
		return errors.New("level and detector counts differ")
	case x.inBlock && !finite(x.blockMax):
		return errors.New("invalid block maximum")
	case !finite(m.mean) || !finite(m.variance) || m.variance < 0 || (m.n == 0 && (m.mean != 0 || m.variance != 0)):
		return errors.New("invalid block maxima statistics")
	case !det.seen && (det.warm != 0 || l.n != 0 || x.inBlock || m.n != 0 || len(det.short.buf) != 0 || !det.suppress.IsZero()):
		return errors.New("state learnt but no sample seen")
	case x.inBlock && det.last.Before(x.blockStart):
		return errors.New("block starts after the last sample")
	case len(det.short.buf) > det.warm:
		return errors.New("short-term ring longer than the samples learnt")
	}
	return nil
}

// encoder appends little-endian fields.
type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)    { e.b = append(e.b, v) }
func (e *encoder) u16(v uint16)  { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *encoder) u64(v uint64)  { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) i64(v int64)   { e.u64(uint64(v)) }
func (e *encoder) f64(v float64) { e.u64(math.Float64bits(v)) }
func (e *encoder) bool(v bool) {
	if v {
		e.u8(1)
	} else {
		e.u8(0)
	}
}

// decoder reads what encoder wrote; the first error sticks and later reads
// return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errors.New("truncated")
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u8() uint8 {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) i64() int64   { return int64(d.u64()) }
func (d *decoder) f64() float64 { return math.Float64frombits(d.u64()) }

// int reads a count, which must not exceed limit.
func (d *decoder) int(limit int) int {
	v := d.u64()
	if d.err == nil && v > uint64(limit) {
		d.err = fmt.Errorf("count %d exceeds %d", v, limit)
		return 0
	}
	return int(v)
}

func (d *decoder) bool() bool {
	v := d.u8()
	if d.err == nil && v > 1 {
		d.err = fmt.Errorf("boolean byte %d", v)
	}
	return v == 1
}
