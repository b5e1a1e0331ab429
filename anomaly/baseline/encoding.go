package baseline

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/internal/binenc"
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
	var e binenc.Encoder
	e.B = append(e.B, modelMagic...)
	e.U16(modelVersion)
	for _, d := range []time.Duration{c.Step, c.Season, c.BucketWidth, c.Offset, c.MinHistory} {
		e.I64(int64(d))
	}
	e.U8(uint8(c.Method))
	e.U8(uint8(c.Direction))
	e.F64(c.Threshold)
	e.F64(c.MinDevFromExpected)
	e.U64(uint64(c.MinBucketSamples))
	e.U64(uint64(c.MaxSeasons))
	e.F64(c.Alpha)
	e.F64(c.ClipSpreads)
	e.Bool(m.seen)
	if m.seen {
		e.I64(m.first.UnixNano())
		e.I64(m.last.UnixNano())
	}
	e.U64(uint64(m.learnt))
	for i := range m.buckets {
		m.encodeStats(&e, &m.buckets[i])
	}
	m.encodeStats(&e, &m.overall)
	return e.B, nil
}

func (m *Model) encodeStats(e *binenc.Encoder, s *stats) {
	if m.cfg.Method == EWMA {
		e.U64(uint64(s.n))
		e.F64(s.centre)
		e.F64(s.spread)
		return
	}
	n := s.count()
	e.U64(uint64(n))
	e.U64(uint64(s.next))
	e.Bool(s.full)
	for _, v := range s.ring[:n] {
		e.F64(v)
	}
	// The cached median and MAD, and how stale they are: the overall
	// statistics are recomputed lazily, so the cache is part of the state.
	e.Bool(s.computed)
	e.U64(uint64(s.dirty))
	e.F64(s.centre)
	e.F64(s.spread)
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
	d := binenc.Decoder{B: data}
	if string(d.Take(len(modelMagic))) != modelMagic {
		return nil, errors.New("not a baseline model (bad magic)")
	}
	if v := d.U16(); d.Err == nil && v != modelVersion {
		return nil, fmt.Errorf("version %d, want %d", v, modelVersion)
	}
	var c Config
	for _, p := range []*time.Duration{&c.Step, &c.Season, &c.BucketWidth, &c.Offset, &c.MinHistory} {
		*p = time.Duration(d.I64())
	}
	c.Method = Method(d.U8())
	c.Direction = Direction(d.U8())
	c.Threshold = d.F64()
	c.MinDevFromExpected = d.F64()
	c.MinBucketSamples = d.Int(1 << 30)
	c.MaxSeasons = d.Int(1 << 16)
	c.Alpha = d.F64()
	c.ClipSpreads = d.F64()
	if d.Err != nil {
		return nil, d.Err
	}
	if c.Step <= 0 || c.Season <= 0 || c.BucketWidth <= 0 || c.MinHistory <= 0 || c.MinBucketSamples <= 0 ||
		c.MaxSeasons <= 0 || c.Threshold == 0 || c.Alpha == 0 || c.ClipSpreads == 0 {
		return nil, errors.New("configuration has unset fields")
	}
	// Every bucket takes at least 24 bytes: refuse before allocating, so
	// that a short crafted header cannot demand a million buckets.
	if c.Season%c.BucketWidth == 0 && int64(len(d.B)) < 24*int64(c.Season/c.BucketWidth) {
		return nil, errors.New("truncated: fewer bytes than buckets")
	}
	m, err := New(c)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	if m.cfg != c {
		return nil, errors.New("configuration is not in canonical form")
	}
	if m.seen = d.Bool(); m.seen {
		m.first = time.Unix(0, d.I64())
		m.last = time.Unix(0, d.I64())
		if m.last.Before(m.first) {
			return nil, errors.New("last sample before first")
		}
	}
	m.learnt = d.Int(math.MaxInt64)
	if d.Err != nil {
		return nil, d.Err
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
	if d.Err != nil {
		return nil, d.Err
	}
	if len(d.B) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(d.B))
	}
	return m, nil
}

func (m *Model) decodeStats(d *binenc.Decoder, s *stats, capacity int) error {
	if m.cfg.Method == EWMA {
		s.n = d.Int(math.MaxInt64)
		s.centre, s.spread = d.F64(), d.F64()
		if d.Err != nil {
			return d.Err
		}
		if s.n > m.learnt || !valid(s.centre) || !valid(s.spread) || s.spread < 0 || (s.n == 0 && (s.centre != 0 || s.spread != 0)) {
			return errors.New("invalid ewma statistics")
		}
		return nil
	}
	n := d.Int(capacity)
	next := d.Int(capacity)
	full := d.Bool()
	if d.Err != nil {
		return d.Err
	}
	if n > m.learnt || (full && n != capacity) || (!full && (n == capacity || next != n)) || (full && next >= capacity) {
		return errors.New("invalid ring")
	}
	if len(d.B) < 8*n {
		return errors.New("truncated ring")
	}
	if n > 0 {
		s.ring = make([]float64, n, max(n, min(capacity, 64)))
		for i := range s.ring {
			if s.ring[i] = d.F64(); !valid(s.ring[i]) {
				return errors.New("ring holds a NaN or infinite value")
			}
		}
	}
	s.next, s.full = next, full
	s.computed = d.Bool()
	s.dirty = d.Int(m.learnt)
	s.centre, s.spread = d.F64(), d.F64()
	if d.Err != nil {
		return d.Err
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
