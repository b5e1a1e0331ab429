package rforest

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var (
	_ encoding.BinaryMarshaler   = (*Forest)(nil)
	_ encoding.BinaryUnmarshaler = (*Forest)(nil)
)

func smallForest(t testing.TB, trees int) (*Forest, [][]float64) {
	t.Helper()
	X, y := uniform(rand.New(rand.NewPCG(21, 22)), 60, 3)
	f, err := Fit(X, y, Options{NumTrees: trees, MinSamplesLeaf: 3, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	return f, X
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	X, y := uniform(rng, 500, 4)
	f, err := Fit(X, y, Options{NumTrees: 25, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// 12 bytes per leaf, 16 per internal node: a full binary tree of n
	// nodes has (n+1)/2 leaves.
	want := headerSize + 8*4
	for _, tr := range f.trees {
		want += 4 + 12*(len(tr)+1)/2 + 16*(len(tr)-1)/2
	}
	if len(data) != want {
		t.Errorf("encoding %d bytes, want %d", len(data), want)
	}
	var g Forest
	if err := g.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	Xt, _ := uniform(rng, 300, 4)
	if a, b := f.PredictBatch(Xt, nil), g.PredictBatch(Xt, nil); !slices.Equal(a, b) {
		t.Fatal("predictions differ after decoding")
	}
	if g.Dim() != 4 || g.NumTrees() != 25 || g.TrainRows() != 500 || g.OOBRows() != f.OOBRows() ||
		g.OOBScore() != f.OOBScore() || g.OOBRMSE() != f.OOBRMSE() ||
		!slices.Equal(g.ImpurityImportances(), f.ImpurityImportances()) {
		t.Errorf("decoded %+v", g)
	}
	if g.OOBPrediction() != nil {
		t.Error("decoded forest has OOB predictions")
	}
	again, err := g.MarshalBinary()
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-encoding differs (%v)", err)
	}
	if _, err := (&Forest{}).MarshalBinary(); err == nil {
		t.Error("empty forest encoded")
	}
}

// tinyEncoding is a valid encoding of one tree of three nodes on two
// features: the root splits x1 at 0.5 into leaves 1 and 2.
func tinyEncoding() []byte {
	le := binary.LittleEndian
	b := append([]byte(magic), formatVersion)
	for _, v := range []uint32{2, 1, 10, 4} { // dim, trees, train rows, OOB rows
		b = le.AppendUint32(b, v)
	}
	for _, v := range []float64{0.5, 1.5, 0.25, 0.75} { // OOB R², RMSE, importances
		b = le.AppendUint64(b, math.Float64bits(v))
	}
	b = le.AppendUint32(b, 3)
	b = le.AppendUint32(b, 1) // root: feature 1, children 1 and 2, threshold 0.5
	b = le.AppendUint32(b, 1)
	b = le.AppendUint64(b, math.Float64bits(0.5))
	for _, v := range []float64{-1, 7} {
		b = le.AppendUint32(b, math.MaxUint32) // leaf
		b = le.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestUnmarshalErrors(t *testing.T) {
	good := tinyEncoding()
	var f Forest
	if err := f.UnmarshalBinary(good); err != nil {
		t.Fatalf("tiny encoding: %v", err)
	}
	if a, b := f.Predict([]float64{9, 0.4}), f.Predict([]float64{9, 0.6}); a != -1 || b != 7 {
		t.Fatalf("tiny forest predicts %v, %v", a, b)
	}
	le := binary.LittleEndian
	// Offsets in tinyEncoding.
	const (
		dimAt   = 5
		treesAt = 9
		rowsAt  = 13
		oobAt   = 17
		impAt   = headerSize
		countAt = headerSize + 16
		featAt  = countAt + 4
		leftAt  = featAt + 4
		thrAt   = leftAt + 4
		leaf1At = thrAt + 8
	)
	patch := func(at int, v uint32) []byte {
		b := slices.Clone(good)
		le.PutUint32(b[at:], v)
		return b
	}
	patch64 := func(at int, v float64) []byte {
		b := slices.Clone(good)
		le.PutUint64(b[at:], math.Float64bits(v))
		return b
	}
	tests := []struct {
		name string
		data []byte
		text string
	}{
		{"empty", nil, "bad magic"},
		{"bad magic", append([]byte("PWRX"), good[4:]...), "bad magic"},
		{"version", append(append([]byte(magic), 2), good[5:]...), "version 2"},
		{"zero dim", patch(dimAt, 0), "dim 0"},
		{"huge dim", patch(dimAt, math.MaxUint32), "dim"},
		{"zero trees", patch(treesAt, 0), "0 trees"},
		{"huge trees", patch(treesAt, MaxTrees), "too few"},
		{"zero rows", patch(rowsAt, 0), "training rows"},
		{"oob rows", patch(oobAt, 11), "11 out-of-bag rows"},
		{"importance NaN", patch64(impAt, math.NaN()), "importance 0"},
		{"importance > 1", patch64(impAt+8, 2), "importance 1"},
		{"no nodes", patch(countAt, 0), "0 nodes"},
		{"nodes beyond rows", patch(countAt, 20), "20 nodes outside"},
		{"nodes beyond data", patch(countAt, 5), "truncated"},
		{"feature", patch(featAt, 2), "feature 2 outside"},
		{"negative feature", patch(featAt, math.MaxUint32-1), "feature -2"},
		{"self loop", patch(leftAt, 0), "children 0, 1"},
		{"children out of range", patch(leftAt, 2), "children 2, 3"},
		{"NaN threshold", patch64(thrAt, math.NaN()), "value NaN"},
		{"Inf leaf", patch64(leaf1At+4, math.Inf(1)), "value +Inf"},
		{"truncated", good[:len(good)-1], "truncated"},
		{"trailing", append(slices.Clone(good), 0), "1 trailing bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g Forest
			err := g.UnmarshalBinary(tt.data)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "decode forest: ") || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not mention %q", err, tt.text)
			}
		})
	}
	// A root that is a leaf followed by two nodes nobody points to.
	b := slices.Clone(good)
	le.PutUint32(b[featAt:], math.MaxUint32)
	b = append(b[:leftAt], b[thrAt:]...)
	if err := f.UnmarshalBinary(b); err == nil || !strings.Contains(err.Error(), "node 1 has no parent") {
		t.Errorf("orphan nodes: %v", err)
	}
	// Two parents for the same children: 0 -> (1, 2), 1 -> (3, 4), 2 -> (3, 4).
	b = slices.Clone(good[:countAt])
	b = le.AppendUint32(b, 5)
	for _, left := range []uint32{1, 3, 3} {
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, left)
		b = le.AppendUint64(b, math.Float64bits(1))
	}
	for range 2 {
		b = le.AppendUint32(b, math.MaxUint32)
		b = le.AppendUint64(b, math.Float64bits(1))
	}
	if err := f.UnmarshalBinary(b); err == nil || !strings.Contains(err.Error(), "already have a parent") {
		t.Errorf("shared children: %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	forest, X := smallForest(f, 3)
	good, err := forest.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(tinyEncoding())
	for _, n := range []int{0, 4, 5, headerSize, headerSize + 8, len(good) / 2, len(good) - 1} {
		f.Add(good[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var g Forest
		if err := g.UnmarshalBinary(data); err != nil {
			if !strings.HasPrefix(err.Error(), "decode forest: ") {
				t.Fatalf("unwrapped error %q", err)
			}
			return
		}
		// Whatever decodes predicts without fault and encodes back to the
		// same bytes.
		x := make([]float64, g.Dim())
		for i := range x {
			x[i] = X[i%len(X)][i%len(X[0])]
		}
		_ = g.Predict(x)
		_ = g.PredictBatch([][]float64{x, x, x, x, x}, nil)
		again, err := g.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
	})
}
