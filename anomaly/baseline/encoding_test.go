package baseline

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// encodingSeries is two days of 10-minute samples with a daily rhythm.
func encodingSeries(n int) []Sample {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]Sample, n)
	for i := range out {
		t := t0.Add(time.Duration(i) * 10 * time.Minute)
		out[i] = Sample{t, 100 + 20*math.Sin(2*math.Pi*float64(i)/144) + r.NormFloat64()}
	}
	return out
}

func encodingConfigs() map[string]Config {
	base := Config{Step: 10 * time.Minute, Season: 24 * time.Hour, BucketWidth: time.Hour, MinHistory: 12 * time.Hour}
	ew := base
	ew.Method = EWMA
	return map[string]Config{"median_mad": base, "ewma": ew}
}

func TestEncodingRoundTrip(t *testing.T) {
	data := encodingSeries(400)
	for name, cfg := range encodingConfigs() {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 3, 100, 300} {
				a := mustFit(t, cfg, data[:n])
				blob, err := a.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				var b Model
				if err := b.UnmarshalBinary(blob); err != nil {
					t.Fatalf("n=%d: %v", n, err)
				}
				again, _ := b.MarshalBinary()
				if !bytes.Equal(blob, again) {
					t.Fatalf("n=%d: re-encoding differs", n)
				}
				for _, s := range data[n:] {
					pa, ea := a.ScoreUpdate(s.T, s.V)
					pb, eb := b.ScoreUpdate(s.T, s.V)
					if pa != pb || ea != eb {
						t.Fatalf("n=%d at %v: %+v %v vs decoded %+v %v", n, s.T, pa, ea, pb, eb)
					}
				}
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	m := mustFit(t, encodingConfigs()["ewma"], encodingSeries(200))
	good, _ := m.MarshalBinary()
	flip := func(off int, v byte) []byte {
		b := bytes.Clone(good)
		b[off] = v
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad magic", flip(0, 'X')},
		{"future version", flip(4, 9)},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"bad method", flip(46, 9)},
		{"zero step", bytes.Join([][]byte{good[:6], make([]byte, 8), good[14:]}, nil)},
		{"NaN centre", append(bytes.Clone(good[:len(good)-8]), 0, 0, 0, 0, 0, 0, 0xf8, 0x7f)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m2 Model
			if err := m2.UnmarshalBinary(tc.data); err == nil {
				t.Error("decoded without error")
			}
		})
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	data := encodingSeries(200)
	for _, cfg := range encodingConfigs() {
		for _, n := range []int{0, 5, 200} {
			m, _ := Fit(cfg, data[:n])
			blob, _ := m.MarshalBinary()
			f.Add(blob)
		}
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		var m Model
		if err := m.UnmarshalBinary(blob); err != nil {
			return
		}
		// A model that decodes must score and re-encode without trouble.
		m.ScoreUpdate(t0.Add(1000*time.Hour), 1)
		if _, err := m.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDecodeRefusesHugeSeasonCheaply(t *testing.T) {
	// A header asking for 2^16 one-second buckets and no data behind it.
	cfg := Config{Step: time.Second, Season: 1 << 16 * time.Second, BucketWidth: time.Second, MinHistory: time.Second, Method: EWMA}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := m.MarshalBinary()
	var m2 Model
	allocs := testing.AllocsPerRun(1, func() {
		if err := m2.UnmarshalBinary(blob[:100]); err == nil {
			t.Error("truncated model decoded")
		}
	})
	if allocs > 10 {
		t.Errorf("%v allocations refusing a truncated header", allocs)
	}
}
