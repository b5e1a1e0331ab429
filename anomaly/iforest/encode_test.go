package iforest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// probeRows are fixed rows to score, with the values Fit and Score treat
// specially (NaN, ±Inf, far outside the training range).
func probeRows(dim int) [][]float64 {
	specials := []float64{0, 1, -1, 0.5, 8, -8, 1e300, -1e300, math.NaN(), math.Inf(1), math.Inf(-1)}
	rng := rand.New(rand.NewPCG(3, 4))
	rows := make([][]float64, 0, 64)
	for _, v := range specials {
		row := make([]float64, dim)
		for j := range row {
			row[j] = v
		}
		rows = append(rows, row)
	}
	for range 40 {
		row := make([]float64, dim)
		for j := range row {
			row[j] = rng.NormFloat64() * 2
			if rng.IntN(10) == 0 {
				row[j] = specials[rng.IntN(len(specials))]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rows, dim   int
		trees, psi  int
		constantCol bool
		nonFinite   bool
	}{
		{name: "one row", rows: 1, dim: 1},
		{name: "two rows", rows: 2, dim: 2, trees: 5},
		{name: "univariate default", rows: 1000, dim: 1},
		{name: "multivariate", rows: 500, dim: 4, trees: 30, psi: 64},
		{name: "constant column", rows: 300, dim: 3, trees: 20, constantCol: true},
		{name: "NaN and Inf in data", rows: 300, dim: 2, trees: 20, nonFinite: true},
		{name: "wide", rows: 200, dim: 40, trees: 10, psi: 128},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.dim)))
			X := gaussian(rng, tc.rows, tc.dim)
			for i := range X {
				if tc.constantCol {
					X[i][0] = 42
				}
				if tc.nonFinite && i%17 == 0 {
					X[i][i%tc.dim] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[i%3]
				}
			}
			f, err := Fit(X, Options{NumTrees: tc.trees, SampleSize: tc.psi, Seed: 11})
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var g Forest
			if err := g.UnmarshalBinary(b); err != nil {
				t.Fatalf("decode own encoding: %v", err)
			}
			if g.Dim() != f.Dim() || g.NumTrees() != f.NumTrees() || g.SampleSize() != f.SampleSize() {
				t.Fatalf("decoded dim %d trees %d ψ %d, want %d %d %d", g.Dim(), g.NumTrees(), g.SampleSize(), f.Dim(), f.NumTrees(), f.SampleSize())
			}
			probe := append(probeRows(tc.dim), X...)
			want, got := f.ScoreBatch(probe, nil), g.ScoreBatch(probe, nil)
			for i := range probe {
				if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
					t.Fatalf("row %d: batch score %v after the round trip, %v before", i, got[i], want[i])
				}
				if s := g.Score(probe[i]); math.Float64bits(s) != math.Float64bits(want[i]) {
					t.Fatalf("row %d: score %v after the round trip, %v before", i, s, want[i])
				}
			}
			b2, err := g.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, b2) {
				t.Fatal("re-encoding the decoded forest gives other bytes")
			}
			t.Logf("%d trees, %d bytes encoded, %d bytes in memory", f.NumTrees(), len(b), f.SizeBytes())
		})
	}
}

func TestMarshalUnfitted(t *testing.T) {
	if _, err := (&Forest{}).MarshalBinary(); err == nil {
		t.Fatal("marshal of a zero Forest succeeded")
	}
}

// Hand-made encodings: hdr writes the header, nd one node.
func hdr(version uint16, dim, psi, trees uint64) []byte {
	b := []byte(encodingMagic)
	b = binary.LittleEndian.AppendUint16(b, version)
	b = binary.AppendUvarint(b, dim)
	b = binary.AppendUvarint(b, psi)
	return binary.AppendUvarint(b, trees)
}

func nd(tag uint64, v float64) []byte {
	return binary.LittleEndian.AppendUint64(binary.AppendUvarint(nil, tag), math.Float64bits(v))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func uv(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func TestUnmarshalErrors(t *testing.T) {
	// A valid forest: dim 1, ψ = 2 (height ≤ 1, c(ψ) = 1), one tree with a
	// root split at 0.5 and two external nodes at depth 1 of size 1.
	tree3 := cat(uv(3), nd(1, 0.5), nd(0, 1), nd(0, 1))
	valid := cat(hdr(1, 1, 2, 1), tree3)
	var ok Forest
	if err := ok.UnmarshalBinary(valid); err != nil {
		t.Fatalf("hand-made valid encoding: %v", err)
	}
	if s := ok.Score([]float64{0}); s != 0.5 {
		t.Fatalf("hand-made forest scores %v, want 2^(−1/1) = 0.5", s)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short", []byte("PW")},
		{"magic only", []byte(encodingMagic)},
		{"bad magic", append([]byte("PWRF"), valid[4:]...)},
		{"future version", cat(hdr(2, 1, 2, 1), tree3)},
		{"version 0", cat(hdr(0, 1, 2, 1), tree3)},
		{"dim 0", cat(hdr(1, 0, 2, 1), tree3)},
		{"dim beyond int32", cat(hdr(1, 1<<31, 2, 1), tree3)},
		{"sample size 0", cat(hdr(1, 1, 0, 1), tree3)},
		{"sample size huge", cat(hdr(1, 1, 1<<40, 1), tree3)},
		{"no trees", hdr(1, 1, 2, 0)},
		{"tree count beyond input", cat(hdr(1, 1, 2, 1<<40), tree3)},
		{"tree count one too many", cat(hdr(1, 1, 2, 2), tree3)},
		{"truncated header uvarint", append([]byte(encodingMagic), 1, 0, 0x80)},
		{"overlong uvarint", cat([]byte(encodingMagic), []byte{1, 0}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
		{"non-minimal uvarint", cat([]byte(encodingMagic), []byte{1, 0, 0x81, 0x00}, uv(2), uv(1), tree3)},
		{"node count 0", cat(hdr(1, 1, 2, 1), uv(0))},
		{"node count even", cat(hdr(1, 1, 2, 1), uv(2), nd(1, 0.5), nd(0, 1))},
		{"node count beyond 2ψ−1", cat(hdr(1, 1, 2, 1), uv(5), nd(1, 0.5), nd(1, 0.2), nd(0, 2), nd(0, 2), nd(0, 1))},
		{"node count beyond input", cat(hdr(1, 1, 1<<20, 1), uv(1<<20+1), nd(0, 0))},
		{"truncated node", valid[:len(valid)-3]},
		{"feature ≥ dim", cat(hdr(1, 1, 2, 1), uv(3), nd(2, 0.5), nd(0, 1), nd(0, 1))},
		{"NaN threshold", cat(hdr(1, 1, 2, 1), uv(3), nd(1, math.NaN()), nd(0, 1), nd(0, 1))},
		{"Inf threshold", cat(hdr(1, 1, 2, 1), uv(3), nd(1, math.Inf(1)), nd(0, 1), nd(0, 1))},
		{"NaN path length", cat(hdr(1, 1, 2, 1), uv(3), nd(1, 0.5), nd(0, math.NaN()), nd(0, 1))},
		{"path length below depth", cat(hdr(1, 1, 2, 1), uv(3), nd(1, 0.5), nd(0, 0.5), nd(0, 1))},
		{"path length beyond depth + c(ψ)", cat(hdr(1, 1, 2, 1), uv(3), nd(1, 0.5), nd(0, 2.5), nd(0, 1))},
		{"negative path length", cat(hdr(1, 1, 1, 1), uv(1), nd(0, -1))},
		{"unreachable nodes", cat(hdr(1, 1, 2, 1), uv(3), nd(0, 1), nd(0, 1), nd(0, 1))},
		{"children beyond the nodes", cat(hdr(1, 1, 4, 1), uv(3), nd(1, 0.5), nd(1, 0.2), nd(0, 1))},
		// ψ = 5 allows 9 nodes but depth 3; this comb reaches depth 4.
		{"deeper than ceil(log2 ψ)", cat(hdr(1, 1, 5, 1), uv(9), nd(1, 0.5), nd(1, 0.2), nd(0, 1), nd(1, 0.1), nd(0, 2), nd(1, 0.05), nd(0, 3), nd(0, 4), nd(0, 4))},
		{"trailing byte", append(bytes.Clone(valid), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := ok
			err := g.UnmarshalBinary(tc.in)
			if !errors.Is(err, ErrInvalidEncoding) {
				t.Fatalf("err = %v, want ErrInvalidEncoding", err)
			}
			t.Log(err)
			if g.Dim() != 1 || g.NumTrees() != 1 || g.Score([]float64{0}) != 0.5 {
				t.Fatal("a failed decode changed the forest")
			}
		})
	}
}

// fuzzForests are the real encodings that seed FuzzUnmarshal.
func fuzzForests(tb testing.TB) [][]byte {
	var out [][]byte
	for _, c := range []struct{ rows, dim, trees, psi int }{
		{1, 1, 1, 0}, {2, 1, 2, 0}, {20, 1, 3, 8}, {50, 2, 2, 16}, {30, 3, 1, 0},
	} {
		X := gaussian(rand.New(rand.NewPCG(uint64(c.rows), 9)), c.rows, c.dim)
		f, err := Fit(X, Options{NumTrees: c.trees, SampleSize: c.psi, Seed: 5})
		if err != nil {
			tb.Fatal(err)
		}
		b, err := f.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzUnmarshal checks that no input panics, that an error always wraps
// ErrInvalidEncoding, and that whatever decodes re-encodes to the same bytes
// and scores within (0, 1] without looping or indexing out of range. Run by
// hand: go test -run '^$' -fuzz FuzzUnmarshal -fuzztime 30s ./anomaly/iforest
func FuzzUnmarshal(f *testing.F) {
	for _, b := range fuzzForests(f) {
		f.Add(b)
		for _, n := range []int{0, 4, 6, 7, 9, len(b) / 2, len(b) - 9, len(b) - 1} {
			if n >= 0 && n < len(b) {
				f.Add(b[:n])
			}
		}
		for _, pos := range []int{4, 6, 7, 8, 9, 10, len(b) / 3, len(b) / 2, len(b) - 1} {
			if pos < len(b) {
				for _, bit := range []byte{0x01, 0x40, 0x80} {
					c := bytes.Clone(b)
					c[pos] ^= bit
					f.Add(c)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var g Forest
		if err := g.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrInvalidEncoding) {
				t.Fatalf("error %v does not wrap ErrInvalidEncoding", err)
			}
			return
		}
		b, err := g.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded forest does not encode: %v", err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("decoded forest re-encodes to other bytes:\n in %x\nout %x", data, b)
		}
		if g.Dim() > 64 {
			return // scoring would need rows of that width; the checks above hold
		}
		rows := probeRows(g.Dim())
		batch := g.ScoreBatch(rows, nil)
		for i, x := range rows {
			s := g.Score(x)
			if !(s > 0 && s <= 1) {
				t.Fatalf("row %d scores %v", i, s)
			}
			if math.Float64bits(s) != math.Float64bits(batch[i]) {
				t.Fatalf("row %d: Score %v, ScoreBatch %v", i, s, batch[i])
			}
		}
	})
}

// benchForest is a default forest (100 trees, ψ = 256) on a week of 5-minute
// points with 4 features.
func benchForest(b *testing.B) (*Forest, []byte) {
	X := gaussian(rand.New(rand.NewPCG(1, 1)), 2016, 4)
	f, err := Fit(X, Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	enc, err := f.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	return f, enc
}

func BenchmarkMarshal(b *testing.B) {
	f, enc := benchForest(b)
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := f.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "encoded-bytes")
	b.ReportMetric(float64(f.SizeBytes()), "heap-bytes")
}

func BenchmarkUnmarshal(b *testing.B) {
	_, enc := benchForest(b)
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		var g Forest
		if err := g.UnmarshalBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
}
