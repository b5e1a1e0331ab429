package detector

import (
	"bytes"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

func encodingConfigs() map[string]Config {
	daily := DefaultConfig()
	daily.Season, daily.MinHistory, daily.Warmup = 24*time.Hour, 24*time.Hour, time.Hour
	mm := daily
	mm.Method = baseline.MedianMAD
	return map[string]Config{"flat": flat(), "daily ewma": daily, "daily median_mad": mm}
}

func TestEncodingRoundTrip(t *testing.T) {
	data := webMetric(3*24*60, 11)
	for name, cfg := range encodingConfigs() {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 1, 50, 2000} {
				a, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				a.Fit(data[:n])
				blob, err := a.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				var b Detector
				if err := b.UnmarshalBinary(blob); err != nil {
					t.Fatalf("n=%d: %v", n, err)
				}
				if again, _ := b.MarshalBinary(); !bytes.Equal(blob, again) {
					t.Fatalf("n=%d: re-encoding differs", n)
				}
				if a.State() != b.State() {
					t.Fatalf("n=%d: state %v vs %v", n, a.State(), b.State())
				}
				for _, s := range data[n:min(len(data), n+1500)] {
					ra, ea := a.ScoreUpdate(s.T, s.V)
					rb, eb := b.ScoreUpdate(s.T, s.V)
					if ra != rb || ea != eb {
						t.Fatalf("n=%d at %v: %+v %v vs decoded %+v %v", n, s.T, ra, ea, rb, eb)
					}
				}
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	det, _ := New(flat())
	det.Fit(webMetric(300, 1))
	good, _ := det.MarshalBinary()
	edit := func(off int, v byte) []byte {
		b := bytes.Clone(good)
		b[off] = v
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad magic", edit(1, 'X')},
		{"future version", edit(4, 2)},
		{"truncated", good[:len(good)-3]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"zero step", bytes.Join([][]byte{good[:6], make([]byte, 8), good[14:]}, nil)},
		{"bad direction", edit(87, 5)},
		{"negative threshold", edit(6+80+2+15, 0xc0)}, // sign bit of threshold
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Detector
			if err := d.UnmarshalBinary(tc.data); err == nil {
				t.Error("decoded without error")
			}
		})
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	data := webMetric(2*24*60, 2)
	for _, cfg := range encodingConfigs() {
		for _, n := range []int{0, 3, 200, len(data)} {
			d, _ := New(cfg)
			d.Fit(data[:n])
			blob, _ := d.MarshalBinary()
			f.Add(blob)
		}
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		var d Detector
		if err := d.UnmarshalBinary(blob); err != nil {
			return
		}
		// A detector that decodes must score and re-encode without trouble.
		for i := range 3 {
			res, err := d.ScoreUpdate(time.Unix(1<<33, 0).Add(time.Duration(i)*time.Minute), float64(i))
			if err == nil && (res.Score < 0 || !(res.Probability >= 0 && res.Probability <= 1)) {
				t.Fatalf("bad result %+v", res)
			}
		}
		if _, err := d.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
	})
}

// A series that sits at one value (an error ratio of 0) and then moves measures the
// move in a constant bucket's tiny unit; the state must stay finite and encodable at
// every step, as the sidecar's model store found when it could not restore such a
// detector (the e2e test's time scale: 1 s steps, a 30 s season).
func TestConstantThenDeviationEncodes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Step = time.Second
	cfg.Season, cfg.BucketWidth, cfg.MinHistory, cfg.Warmup, cfg.ExtremeBlock = 30*time.Second, 10*time.Second, 10*time.Second, 5*time.Second, 30*time.Second
	det, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		v := 0.0
		if i%50 == 49 {
			v = 0.5 // over the tiny unit (1e-309) beyond 0.18 overflows to +Inf
		}
		_, _ = det.ScoreUpdate(t0.Add(time.Duration(i)*time.Second), v)
		b, err := det.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Detector
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatalf("after sample %d, the detector's own state does not decode: %v", i, err)
		}
	}
}
