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
	for _, f := range []float64{c.SeasonAlpha, c.SeasonRatio, c.Threshold, c.MinDevFromExpected, c.Clip, c.AlarmThreshold} {
		e.f64(f)
	}
	for _, w := range []*view{&det.raw, &det.seas} {
		w.encode(&e)
	}
	e.u64(det.sel.n)
	e.f64(det.sel.errSeason)
	e.f64(det.sel.errLevel)
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
	for _, p := range []*float64{&c.SeasonAlpha, &c.SeasonRatio, &c.Threshold, &c.MinDevFromExpected, &c.Clip, &c.AlarmThreshold} {
		*p = d.f64()
	}
	if d.err != nil {
		return nil, d.err
	}
	// The seasonal baseline takes at least 24 bytes a bucket: refuse
	// before allocating, so that a short crafted header cannot demand a
	// million buckets.
	if c.Season > 0 && c.BucketWidth > 0 && c.Season%c.BucketWidth == 0 &&
		int64(len(d.b)) < 24*int64(c.Season/c.BucketWidth) {
		return nil, errors.New("truncated: fewer bytes than seasonal buckets")
	}
	det, err := New(c)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	for _, w := range []*view{&det.raw, &det.seas} {
		if err := w.decode(&d, det.d.shortK); err != nil {
			return nil, err
		}
	}
	det.sel = selection{n: d.u64(), errSeason: d.f64(), errLevel: d.f64()}
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
	for _, w := range []*view{&det.raw, &det.seas} {
		if err := w.check(); err != nil {
			return err
		}
		if w.warm > 0 && !det.seen {
			return errors.New("state learnt but no sample seen")
		}
		if w.ext.inBlock && det.last.Before(w.ext.blockStart) {
			return errors.New("block starts after the last sample")
		}
	}
	sl := det.sel
	switch {
	case !finite(sl.errSeason) || !finite(sl.errLevel) || sl.errSeason < 0 || sl.errLevel < 0 ||
		(sl.n == 0 && (sl.errSeason != 0 || sl.errLevel != 0)):
		return errors.New("invalid selection statistics")
	case sl.n > uint64(det.seas.warm) || det.seas.warm > det.raw.warm:
		return errors.New("view counts out of order")
	case det.base == nil && det.seas.warm != 0:
		return errors.New("seasonal view learnt without a season")
	case !det.seen && !det.suppress.IsZero():
		return errors.New("suppression without a sample")
	}
	return nil
}

func (w *view) encode(e *encoder) {
	e.u64(w.lvl.n)
	e.f64(w.lvl.centre)
	e.f64(w.lvl.spread)
	e.u64(uint64(len(w.short.buf)))
	e.u64(uint64(w.short.next))
	e.bool(w.short.full)
	for _, x := range w.short.buf {
		e.f64(x)
	}
	e.bool(w.ext.inBlock)
	if w.ext.inBlock {
		e.i64(w.ext.blockStart.UnixNano())
		e.f64(w.ext.blockMax)
	}
	e.u64(w.ext.maxima.n)
	e.f64(w.ext.maxima.mean)
	e.f64(w.ext.maxima.variance)
	e.u64(uint64(w.warm))
}

// decode reads what encode wrote into w, whose short-term ring holds k.
func (w *view) decode(d *decoder, k int) error {
	w.lvl = level{n: d.u64(), centre: d.f64(), spread: d.f64()}
	n := d.int(k)
	next := d.int(k)
	full := d.bool()
	if d.err != nil {
		return d.err
	}
	if (full && (n != k || next >= n)) || (!full && (n == k || next != 0)) {
		return errors.New("invalid short-term ring")
	}
	w.short = newRecent(k)
	for range n {
		x := d.f64()
		if !finite(x) {
			return errors.New("short-term ring holds a NaN or infinite value")
		}
		w.short.buf = append(w.short.buf, x)
	}
	w.short.next, w.short.full = next, full
	if w.ext.inBlock = d.bool(); w.ext.inBlock {
		w.ext.blockStart = time.Unix(0, d.i64())
		w.ext.blockMax = d.f64()
	}
	w.ext.maxima = moments{n: d.u64(), mean: d.f64(), variance: d.f64()}
	w.warm = d.int(math.MaxInt64)
	return d.err
}

// check validates a decoded view.
func (w *view) check() error {
	l, x, m := w.lvl, w.ext, w.ext.maxima
	switch {
	case !finite(l.centre) || !finite(l.spread) || l.spread < 0 || (l.n == 0 && (l.centre != 0 || l.spread != 0)):
		return errors.New("invalid level")
	case l.n != uint64(w.warm) || len(w.short.buf) > w.warm:
		return errors.New("view counts differ")
	case x.inBlock && (!finite(x.blockMax) || x.blockMax < 0):
		return errors.New("invalid block maximum")
	case x.inBlock != (w.warm > levelClipAfter):
		return errors.New("block state does not match the samples learnt")
	case !finite(m.mean) || !finite(m.variance) || m.variance < 0 || (m.n == 0 && (m.mean != 0 || m.variance != 0)):
		return errors.New("invalid block maxima statistics")
	case m.n >= uint64(max(w.warm, 1)):
		return errors.New("more block maxima than samples")
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
