package rforest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// uniform returns n rows of dim U(0,1) features and y = 10·x0 + 5·x1² +
// noise (σ = 0.1), the other features irrelevant.
func uniform(rng *rand.Rand, n, dim int) ([][]float64, []float64) {
	X := make([][]float64, n)
	y := make([]float64, n)
	for i := range X {
		X[i] = make([]float64, dim)
		for j := range X[i] {
			X[i][j] = rng.Float64()
		}
		y[i] = 10 * X[i][0]
		if dim > 1 {
			y[i] += 5 * X[i][1] * X[i][1]
		}
		y[i] += 0.1 * rng.NormFloat64()
	}
	return X, y
}

func TestFitErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		X    [][]float64
		y    []float64
		opts Options
		want error  // errors.Is target, when not nil
		text string // substring of the message
	}{
		{"no rows", nil, nil, Options{}, ErrNoData, ""},
		{"no columns", [][]float64{{}, {}}, []float64{1, 2}, Options{}, ErrNoColumns, ""},
		{"fewer targets", [][]float64{{1}, {2}}, []float64{1}, Options{}, ErrShape, "2 rows but 1 targets"},
		{"ragged", [][]float64{{1, 2}, {3}}, []float64{1, 2}, Options{}, ErrShape, "row 1 has 1 columns"},
		{"NaN feature", [][]float64{{1, 2}, {3, 4}, {5, nan}}, []float64{1, 2, 3}, Options{}, ErrNonFinite, "row 2 column 1 is NaN"},
		{"Inf feature", [][]float64{{inf, 2}}, []float64{1}, Options{}, ErrNonFinite, "row 0 column 0 is +Inf"},
		{"NaN target", [][]float64{{1}, {2}}, []float64{1, nan}, Options{}, ErrNonFinite, "target of row 1 is NaN"},
		{"huge target", [][]float64{{1}, {2}}, []float64{-1e101, 1}, Options{}, ErrRange, "target of row 0 is -1e+101"},
		{"negative trees", [][]float64{{1}}, []float64{1}, Options{NumTrees: -1}, nil, "NumTrees -1"},
		{"too many trees", [][]float64{{1}}, []float64{1}, Options{NumTrees: MaxTrees + 1}, nil, "NumTrees"},
		{"negative depth", [][]float64{{1}}, []float64{1}, Options{MaxDepth: -1}, nil, "MaxDepth -1"},
		{"negative leaf", [][]float64{{1}}, []float64{1}, Options{MinSamplesLeaf: -2}, nil, "MinSamplesLeaf -2"},
		{"split of 1", [][]float64{{1}}, []float64{1}, Options{MinSamplesSplit: 1}, nil, "MinSamplesSplit 1"},
		{"too many features", [][]float64{{1, 2}}, []float64{1}, Options{MaxFeatures: 3}, nil, "MaxFeatures 3"},
		{"negative workers", [][]float64{{1}}, []float64{1}, Options{Workers: -1}, nil, "Workers -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Fit(tt.X, tt.y, tt.opts)
			if err == nil {
				t.Fatalf("no error, forest of %d trees", f.NumTrees())
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %q is not %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not mention %q", err, tt.text)
			}
		})
	}
}

// fullTree grows one tree on every row with weight 1 (no bootstrap), as
// scikit-learn's DecisionTreeRegressor does.
func fullTree(X [][]float64, y []float64, opts Options) []node {
	dim := len(X[0])
	p, err := opts.resolve(dim)
	if err != nil {
		panic(err)
	}
	cols, order := columns(X, dim)
	b := newBuilder(cols, y, order, p)
	b.rng = treeRand(p.seed, 0)
	for i := range b.w {
		b.w[i] = 1
	}
	nodes, _ := b.build()
	return nodes
}

func TestTreeByHand(t *testing.T) {
	// x = 1, 2, 3, 10 with y = 1, 1, 1, 5: the best split is between 3
	// and 10 (squared error 0 on both sides), at the midpoint 6.5.
	X := [][]float64{{1}, {2}, {3}, {10}}
	y := []float64{1, 1, 1, 5}
	nodes := fullTree(X, y, Options{})
	want := []node{{6.5, 0, 1}, {1, -1, 0}, {5, -1, 0}}
	if !slices.Equal(nodes, want) {
		t.Fatalf("nodes %v, want %v", nodes, want)
	}
	// With MinSamplesLeaf 2 the split must leave two rows on each side:
	// between 2 and 3 at 2.5, left mean 1, right mean 3; the right node
	// of two rows cannot split again into leaves of two.
	nodes = fullTree(X, y, Options{MinSamplesLeaf: 2})
	want = []node{{2.5, 0, 1}, {1, -1, 0}, {3, -1, 0}}
	if !slices.Equal(nodes, want) {
		t.Fatalf("MinSamplesLeaf 2: nodes %v, want %v", nodes, want)
	}
	// Equal x values cannot be split apart, whatever y is: a single leaf
	// with the mean.
	nodes = fullTree([][]float64{{2}, {2}, {2}}, []float64{0, 3, 6}, Options{})
	if want := []node{{3, -1, 0}}; !slices.Equal(nodes, want) {
		t.Fatalf("constant x: nodes %v, want %v", nodes, want)
	}
	// MaxDepth 1: the root splits once. x0 is constant, x1 separates
	// y = 0, 0 from y = 4, 4 at (1+3)/2 = 2.
	nodes = fullTree([][]float64{{7, 0}, {7, 1}, {7, 3}, {7, 5}}, []float64{0, 0, 4, 4}, Options{MaxDepth: 1})
	if want := []node{{2, 1, 1}, {0, -1, 0}, {4, -1, 0}}; !slices.Equal(nodes, want) {
		t.Fatalf("two features: nodes %v, want %v", nodes, want)
	}
}

func TestPredictAndBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	X, y := uniform(rng, 400, 3)
	f, err := Fit(X, y, Options{NumTrees: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if f.NumTrees() != 20 || f.Dim() != 3 || f.TrainRows() != 400 {
		t.Fatalf("trees %d, dim %d, rows %d", f.NumTrees(), f.Dim(), f.TrainRows())
	}
	Xt, yt := uniform(rng, 200, 3)
	Xt = append(Xt, []float64{1, 2}, nil, []float64{math.NaN(), 0.5, 0.5})
	yt = append(yt, 0, 0, 0)
	got := f.PredictBatch(Xt, make([]float64, 1))
	for i, x := range Xt {
		if p := f.Predict(x); !(p == got[i] || math.IsNaN(p) && math.IsNaN(got[i])) {
			t.Fatalf("row %d: Predict %v, PredictBatch %v", i, p, got[i])
		}
	}
	// Rows of the wrong width predict NaN; a NaN feature goes right.
	if !math.IsNaN(got[200]) || !math.IsNaN(got[201]) || math.IsNaN(got[202]) {
		t.Fatalf("wrong widths %v %v, NaN feature %v", got[200], got[201], got[202])
	}
	if r2, err := f.Score(Xt[:200], yt[:200]); err != nil || r2 < 0.95 {
		t.Fatalf("held-out R² %v, %v", r2, err)
	}
	if _, err := f.Score(Xt, yt); err == nil {
		t.Fatal("Score accepted ragged rows")
	}
}

func TestDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	X, y := uniform(rng, 300, 4)
	enc := func(o Options) []byte {
		f, err := Fit(X, y, o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := Options{NumTrees: 16, MaxFeatures: 2, Seed: 9}
	want := enc(base)
	for _, w := range []int{1, 2, 3, 16} {
		o := base
		o.Workers = w
		if !bytes.Equal(enc(o), want) {
			t.Errorf("Workers %d: different forest", w)
		}
	}
	o := base
	o.Seed = 10
	if bytes.Equal(enc(o), want) {
		t.Error("different seeds, identical forests")
	}
}

func TestOOB(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	X, y := uniform(rng, 500, 2)
	f, err := Fit(X, y, Options{NumTrees: 30, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	oob := f.OOBPrediction()
	if len(oob) != len(X) {
		t.Fatalf("%d OOB predictions for %d rows", len(oob), len(X))
	}
	// Recompute R² and RMSE from the predictions, over the rows that have
	// one (with 30 trees, a row is in every bootstrap with probability
	// 0.632^30 ≈ 1e-6, so all should).
	var mean float64
	var rows int
	for i, p := range oob {
		if !math.IsNaN(p) {
			rows++
			mean += y[i]
		}
	}
	mean /= float64(rows)
	var ssRes, ssTot float64
	for i, p := range oob {
		if !math.IsNaN(p) {
			ssRes += (y[i] - p) * (y[i] - p)
			ssTot += (y[i] - mean) * (y[i] - mean)
		}
	}
	if rows != f.OOBRows() || rows != len(X) {
		t.Fatalf("OOBRows %d, counted %d of %d", f.OOBRows(), rows, len(X))
	}
	if r2 := 1 - ssRes/ssTot; math.Abs(r2-f.OOBScore()) > 1e-12 || r2 < 0.9 {
		t.Errorf("OOBScore %v, recomputed %v", f.OOBScore(), r2)
	}
	if rmse := math.Sqrt(ssRes / float64(rows)); math.Abs(rmse-f.OOBRMSE()) > 1e-12 {
		t.Errorf("OOBRMSE %v, recomputed %v", f.OOBRMSE(), rmse)
	}
	// With one tree about 1/e of the rows are out of bag, the others NaN.
	f1, err := Fit(X, y, Options{NumTrees: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	nan := 0
	for _, p := range f1.OOBPrediction() {
		if math.IsNaN(p) {
			nan++
		}
	}
	if nan+f1.OOBRows() != len(X) || f1.OOBRows() < 150 || f1.OOBRows() > 220 {
		t.Errorf("one tree: %d OOB rows, %d NaN of %d", f1.OOBRows(), nan, len(X))
	}
}

func TestDegenerate(t *testing.T) {
	// One row: one leaf per tree, predicting y; it is in every bootstrap.
	f, err := Fit([][]float64{{1, 2}}, []float64{42}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.Predict([]float64{0, 0}); p != 42 || f.NumNodes() != DefaultNumTrees {
		t.Errorf("one row: predicts %v with %d nodes", p, f.NumNodes())
	}
	if f.OOBRows() != 0 || !math.IsNaN(f.OOBScore()) {
		t.Errorf("one row: %d OOB rows, score %v", f.OOBRows(), f.OOBScore())
	}
	if imp := f.ImpurityImportances(); !slices.Equal(imp, []float64{0, 0}) {
		t.Errorf("one row: importances %v", imp)
	}
	// A constant target: leaves only.
	X, _ := uniform(rand.New(rand.NewPCG(1, 1)), 50, 2)
	y := make([]float64, 50)
	for i := range y {
		y[i] = 3
	}
	f, err = Fit(X, y, Options{NumTrees: 5})
	if err != nil {
		t.Fatal(err)
	}
	if f.NumNodes() != 5 || f.Predict(X[0]) != 3 || f.OOBScore() != 1 {
		t.Errorf("constant y: %d nodes, predicts %v, OOB R² %v", f.NumNodes(), f.Predict(X[0]), f.OOBScore())
	}
}

func TestImportances(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	X, y := uniform(rng, 600, 4)
	f, err := Fit(X, y, Options{NumTrees: 30, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	imp := f.ImpurityImportances()
	var sum float64
	for _, v := range imp {
		sum += v
	}
	// y = 10·x0 + 5·x1² + noise: x0 carries most of the variance, x1 some,
	// x2 and x3 none.
	if math.Abs(sum-1) > 1e-12 || !(imp[0] > imp[1] && imp[1] > 5*imp[2] && imp[1] > 5*imp[3]) {
		t.Errorf("impurity importances %v (sum %v)", imp, sum)
	}
	Xt, yt := uniform(rng, 300, 4)
	Xcopy := make([][]float64, len(Xt))
	for i := range Xt {
		Xcopy[i] = slices.Clone(Xt[i])
	}
	mean, std, err := f.PermutationImportances(Xt, yt, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range Xt {
		if !slices.Equal(Xt[i], Xcopy[i]) {
			t.Fatalf("row %d modified", i)
		}
	}
	// Shuffling x0 destroys most of the fit (R² drops by about twice its
	// share of the variance); shuffling x2 or x3 changes almost nothing.
	if !(mean[0] > 1 && mean[1] > 0.1 && math.Abs(mean[2]) < 0.01 && math.Abs(mean[3]) < 0.01) {
		t.Errorf("permutation importances %v ± %v", mean, std)
	}
	for j, s := range std {
		if !(s >= 0 && s < 0.1) {
			t.Errorf("std[%d] = %v", j, s)
		}
	}
	again, _, _ := f.PermutationImportances(Xt, yt, 5, 1)
	if !slices.Equal(mean, again) {
		t.Error("same seed, different permutation importances")
	}
	if _, _, err := f.PermutationImportances(Xt, yt, -1, 1); err == nil {
		t.Error("negative repeats: no error")
	}
	if _, _, err := f.PermutationImportances([][]float64{{1, 2}}, []float64{1}, 1, 1); err == nil {
		t.Error("wrong width: no error")
	}
}

func TestSidecarOptions(t *testing.T) {
	o := SidecarOptions()
	if o.NumTrees != 50 || o.MaxDepth != 12 || o.MinSamplesLeaf != 5 {
		t.Fatalf("SidecarOptions %+v", o)
	}
	X, y := uniform(rand.New(rand.NewPCG(3, 3)), 2000, 3)
	f, err := Fit(X, y, o)
	if err != nil {
		t.Fatal(err)
	}
	// At most ⌊distinct rows / 5⌋ leaves (about 1264 distinct rows of 2000
	// in a bootstrap) and 2^12 by depth, so at most 2·252−1 nodes a tree.
	for i, tr := range f.trees {
		if len(tr) > 2*(2000/5)-1 {
			t.Errorf("tree %d: %d nodes", i, len(tr))
		}
	}
}

// FuzzFit fits small forests on arbitrary data: Fit either rejects it with
// an error or returns a forest whose predictions of its rows lie within
// the range of y (a mean of leaf means).
func FuzzFit(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, uint8(2), uint8(1), uint64(1))
	f.Add(make([]byte, 64), uint8(3), uint8(2), uint64(7))
	nan := make([]byte, 16)
	for i := range nan {
		nan[i] = 0xff // NaN bit patterns
	}
	f.Add(nan, uint8(1), uint8(1), uint64(0))
	f.Fuzz(func(t *testing.T, raw []byte, dim8, leaf8 uint8, seed uint64) {
		dim := int(dim8%4) + 1
		rowLen := 8 * (dim + 1)
		n := min(len(raw)/rowLen, 64)
		X := make([][]float64, n)
		y := make([]float64, n)
		valid := true
		for i := range X {
			X[i] = make([]float64, dim)
			for j := range dim + 1 {
				v := math.Float64frombits(binary.LittleEndian.Uint64(raw[i*rowLen+8*j:]))
				if math.IsNaN(v) || math.IsInf(v, 0) || j == dim && math.Abs(v) > MaxTarget {
					valid = false
				}
				if j < dim {
					X[i][j] = v
				} else {
					y[i] = v
				}
			}
		}
		forest, err := Fit(X, y, Options{NumTrees: 3, MinSamplesLeaf: int(leaf8 % 4), Seed: seed})
		if err != nil {
			if n > 0 && valid {
				t.Fatalf("valid data rejected: %v", err)
			}
			return
		}
		if !valid {
			t.Fatal("invalid data accepted")
		}
		lo, hi := slices.Min(y), slices.Max(y)
		for _, x := range X {
			p := forest.Predict(x)
			if !(p >= lo-1e-9*math.Abs(lo) && p <= hi+1e-9*math.Abs(hi)) {
				t.Fatalf("prediction %v outside [%v, %v]", p, lo, hi)
			}
		}
	})
}
