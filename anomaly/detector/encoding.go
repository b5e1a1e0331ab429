package detector

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/internal/binenc"
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
	var e binenc.Encoder
	e.B = append(e.B, detectorMagic...)
	e.U16(detectorVersion)
	for _, d := range []time.Duration{c.Step, c.Season, c.BucketWidth, c.MinHistory, c.Warmup,
		c.LevelWindow, c.ShortWindow, c.ExtremeBlock, c.ExtremeWindow, c.SuppressFor} {
		e.I64(int64(d))
	}
	e.U8(uint8(c.Method))
	e.U8(uint8(c.Direction))
	for _, f := range []float64{c.SeasonAlpha, c.SeasonRatio, c.Threshold, c.MinDevFromExpected, c.Clip, c.AlarmThreshold} {
		e.F64(f)
	}
	for _, w := range []*view{&det.raw, &det.seas} {
		w.encode(&e)
	}
	e.U64(det.sel.n)
	e.F64(det.sel.errSeason)
	e.F64(det.sel.errLevel)
	e.Bool(det.seen)
	if det.seen {
		e.I64(det.last.UnixNano())
	}
	e.Bool(!det.suppress.IsZero())
	if !det.suppress.IsZero() {
		e.I64(det.suppress.UnixNano())
	}
	e.Bool(det.base != nil)
	if det.base != nil {
		blob, err := det.base.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("encode detector: %w", err)
		}
		e.U64(uint64(len(blob)))
		e.B = append(e.B, blob...)
	}
	return e.B, nil
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
	d := binenc.Decoder{B: data}
	if string(d.Take(len(detectorMagic))) != detectorMagic {
		return nil, errors.New("not a detector (bad magic)")
	}
	if v := d.U16(); d.Err == nil && v != detectorVersion {
		return nil, fmt.Errorf("version %d, want %d", v, detectorVersion)
	}
	var c Config
	for _, p := range []*time.Duration{&c.Step, &c.Season, &c.BucketWidth, &c.MinHistory, &c.Warmup,
		&c.LevelWindow, &c.ShortWindow, &c.ExtremeBlock, &c.ExtremeWindow, &c.SuppressFor} {
		*p = time.Duration(d.I64())
	}
	c.Method = baseline.Method(d.U8())
	c.Direction = baseline.Direction(d.U8())
	for _, p := range []*float64{&c.SeasonAlpha, &c.SeasonRatio, &c.Threshold, &c.MinDevFromExpected, &c.Clip, &c.AlarmThreshold} {
		*p = d.F64()
	}
	if d.Err != nil {
		return nil, d.Err
	}
	// The seasonal baseline takes at least 24 bytes a bucket: refuse
	// before allocating, so that a short crafted header cannot demand a
	// million buckets.
	if c.Season > 0 && c.BucketWidth > 0 && c.Season%c.BucketWidth == 0 &&
		int64(len(d.B)) < 24*int64(c.Season/c.BucketWidth) {
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
	det.sel = selection{n: d.U64(), errSeason: d.F64(), errLevel: d.F64()}
	if det.seen = d.Bool(); det.seen {
		det.last = time.Unix(0, d.I64())
	}
	if d.Bool() {
		det.suppress = time.Unix(0, d.I64())
	}
	hasBase := d.Bool()
	if d.Err != nil {
		return nil, d.Err
	}
	if hasBase != (c.Season > 0) {
		return nil, errors.New("seasonal baseline present without a season, or missing")
	}
	if hasBase {
		blob := d.Take(d.Int(len(d.B)))
		if d.Err != nil {
			return nil, d.Err
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
	if len(d.B) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(d.B))
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

func (w *view) encode(e *binenc.Encoder) {
	e.U64(w.lvl.n)
	e.F64(w.lvl.centre)
	e.F64(w.lvl.spread)
	e.U64(uint64(len(w.short.buf)))
	e.U64(uint64(w.short.next))
	e.Bool(w.short.full)
	for _, x := range w.short.buf {
		e.F64(x)
	}
	e.Bool(w.ext.inBlock)
	if w.ext.inBlock {
		e.I64(w.ext.blockStart.UnixNano())
		e.F64(w.ext.blockMax)
	}
	e.U64(w.ext.maxima.n)
	e.F64(w.ext.maxima.mean)
	e.F64(w.ext.maxima.variance)
	e.U64(uint64(w.warm))
}

// decode reads what encode wrote into w, whose short-term ring holds k.
func (w *view) decode(d *binenc.Decoder, k int) error {
	w.lvl = level{n: d.U64(), centre: d.F64(), spread: d.F64()}
	n := d.Int(k)
	next := d.Int(k)
	full := d.Bool()
	if d.Err != nil {
		return d.Err
	}
	if (full && (n != k || next >= n)) || (!full && (n == k || next != 0)) {
		return errors.New("invalid short-term ring")
	}
	w.short = newRecent(k)
	for range n {
		x := d.F64()
		if !finite(x) {
			return errors.New("short-term ring holds a NaN or infinite value")
		}
		w.short.buf = append(w.short.buf, x)
	}
	w.short.next, w.short.full = next, full
	if w.ext.inBlock = d.Bool(); w.ext.inBlock {
		w.ext.blockStart = time.Unix(0, d.I64())
		w.ext.blockMax = d.F64()
	}
	w.ext.maxima = moments{n: d.U64(), mean: d.F64(), variance: d.F64()}
	w.warm = d.Int(math.MaxInt64)
	return d.Err
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
