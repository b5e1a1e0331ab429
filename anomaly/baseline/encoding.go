package baseline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// modelMagic and modelVersion head an encoded Model; a decoder refuses any
// other version rather than guess at its layout.
const (
	modelMagic   = "PWBL"
	modelVersion = 1
)

// MarshalBinary encodes the model (configuration and everything learnt) for
// the on-disk model store: a "PWBL" header, a version, then little-endian
// fields. A decoded model scores exactly as the original.
func (m *Model) MarshalBinary() ([]byte, error) {
	c := m.cfg
	var e encoder
	e.b = append(e.b, modelMagic...)
	e.u16(modelVersion)
	for _, d := range []time.Duration{c.Step, c.Season, c.BucketWidth, c.Offset, c.MinHistory} {
		e.i64(int64(d))
	}
	e.u8(uint8(c.Method))
	e.u8(uint8(c.Direction))
	e.f64(c.Threshold)
	e.f64(c.MinDevFromExpected)
	e.u64(uint64(c.MinBucketSamples))
	e.u64(uint64(c.MaxSeasons))
	e.f64(c.Alpha)
	e.f64(c.ClipSpreads)
	e.bool(m.seen)
	if m.seen {
		e.i64(m.first.UnixNano())
		e.i64(m.last.UnixNano())
	}
	e.u64(uint64(m.learnt))
	for i := range m.buckets {
		m.encodeStats(&e, &m.buckets[i])
	}
	m.encodeStats(&e, &m.overall)
	return e.b, nil
}

func (m *Model) encodeStats(e *encoder, s *stats) {
	if m.cfg.Method == EWMA {
		e.u64(uint64(s.n))
		e.f64(s.centre)
		e.f64(s.spread)
		return
	}
	n := s.count()
	e.u64(uint64(n))
	e.u64(uint64(s.next))
	e.bool(s.full)
	for _, v := range s.ring[:n] {
		e.f64(v)
	}
	// The cached median and MAD, and how stale they are: the overall
	// statistics are recomputed lazily, so the cache is part of the state.
	e.bool(s.computed)
	e.u64(uint64(s.dirty))
	e.f64(s.centre)
	e.f64(s.spread)
}

// UnmarshalBinary replaces m with a model decoded from data. It validates
// the header, the configuration and every learnt value, and returns an
// error (never panics) on anything inconsistent; m is unchanged then.
func (m *Model) UnmarshalBinary(data []byte) error {
	nm, err := decodeModel(data)
	if err != nil {
		return fmt.Errorf("decode baseline model: %w", err)
	}
	*m = *nm
	return nil
}

func decodeModel(data []byte) (*Model, error) {
	d := decoder{b: data}
	if string(d.take(len(modelMagic))) != modelMagic {
		return nil, errors.New("not a baseline model (bad magic)")
	}
	if v := d.u16(); d.err == nil && v != modelVersion {
		return nil, fmt.Errorf("version %d, want %d", v, modelVersion)
	}
	var c Config
	for _, p := range []*time.Duration{&c.Step, &c.Season, &c.BucketWidth, &c.Offset, &c.MinHistory} {
		*p = time.Duration(d.i64())
	}
	c.Method = Method(d.u8())
	c.Direction = Direction(d.u8())
	c.Threshold = d.f64()
	c.MinDevFromExpected = d.f64()
	c.MinBucketSamples = d.int(1 << 30)
	c.MaxSeasons = d.int(1 << 16)
	c.Alpha = d.f64()
	c.ClipSpreads = d.f64()
	if d.err != nil {
		return nil, d.err
	}
	if c.Step <= 0 || c.Season <= 0 || c.BucketWidth <= 0 || c.MinHistory <= 0 || c.MinBucketSamples <= 0 ||
		c.MaxSeasons <= 0 || c.Threshold == 0 || c.Alpha == 0 || c.ClipSpreads == 0 {
		return nil, errors.New("configuration has unset fields")
	}
	// Every bucket takes at least 24 bytes: refuse before allocating, so
	// that a short crafted header cannot demand a million buckets.
	if c.Season%c.BucketWidth == 0 && int64(len(d.b)) < 24*int64(c.Season/c.BucketWidth) {
		return nil, errors.New("truncated: fewer bytes than buckets")
	}
	m, err := New(c)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	if m.cfg != c {
		return nil, errors.New("configuration is not in canonical form")
	}
	if m.seen = d.bool(); m.seen {
		m.first = time.Unix(0, d.i64())
		m.last = time.Unix(0, d.i64())
		if m.last.Before(m.first) {
			return nil, errors.New("last sample before first")
		}
	}
	m.learnt = d.int(math.MaxInt64)
	if d.err != nil {
		return nil, d.err
	}
	if !m.seen && m.learnt != 0 {
		return nil, errors.New("samples learnt but none seen")
	}
	for i := range m.buckets {
		if err := m.decodeStats(&d, &m.buckets[i], m.bcap); err != nil {
			return nil, fmt.Errorf("bucket %d: %w", i, err)
		}
	}
	if err := m.decodeStats(&d, &m.overall, m.ocap); err != nil {
		return nil, fmt.Errorf("overall: %w", err)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return m, nil
}

func (m *Model) decodeStats(d *decoder, s *stats, capacity int) error {
	if m.cfg.Method == EWMA {
		s.n = d.int(math.MaxInt64)
		s.centre, s.spread = d.f64(), d.f64()
		if d.err != nil {
			return d.err
		}
		if s.n > m.learnt || !valid(s.centre) || !valid(s.spread) || s.spread < 0 || (s.n == 0 && (s.centre != 0 || s.spread != 0)) {
			return errors.New("invalid ewma statistics")
		}
		return nil
	}
	n := d.int(capacity)
	next := d.int(capacity)
	full := d.bool()
	if d.err != nil {
		return d.err
	}
	if n > m.learnt || (full && n != capacity) || (!full && (n == capacity || next != n)) || (full && next >= capacity) {
		return errors.New("invalid ring")
	}
	if len(d.b) < 8*n {
		return errors.New("truncated ring")
	}
	if n > 0 {
		s.ring = make([]float64, n, max(n, min(capacity, 64)))
		for i := range s.ring {
			if s.ring[i] = d.f64(); !valid(s.ring[i]) {
				return errors.New("ring holds a NaN or infinite value")
			}
		}
	}
	s.next, s.full = next, full
	s.computed = d.bool()
	s.dirty = d.int(m.learnt)
	s.centre, s.spread = d.f64(), d.f64()
	if d.err != nil {
		return d.err
	}
	if !s.computed {
		if s.dirty < n || s.centre != 0 || s.spread != 0 {
			return errors.New("invalid statistics cache")
		}
		return nil
	}
	if n == 0 || !valid(s.centre) || !valid(s.spread) || s.spread < 0 {
		return errors.New("invalid statistics cache")
	}
	if s.dirty == 0 {
		// An up-to-date cache must be the ring's median and MAD.
		c, sp := medianMAD(append([]float64(nil), s.ring...))
		if c != s.centre || sp != s.spread {
			return errors.New("statistics cache does not match the ring")
		}
	}
	return nil
}

// encoder appends little-endian fields.
type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u16(v uint16) { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) i64(v int64)  { e.u64(uint64(v)) }
func (e *encoder) f64(v float64) {
	e.u64(math.Float64bits(v))
}
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
