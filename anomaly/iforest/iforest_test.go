package iforest

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
)

func TestC(t *testing.T) {
	// c(n) = 2(ln(n-1) + 0.5772156649) - 2(n-1)/n, by hand:
	tests := []struct {
		n    int
		want float64
	}{
		{0, 0}, // defined as 0 for n <= 1
		{1, 0},
		{2, 1}, // exact: 2H(1) - 2·1/2 = 2 - 1 = 1
		// c(3) = 2(ln 2 + γ) - 4/3 = 2(0.6931471806 + 0.5772156649) - 1.3333333333
		//      = 2.5407256910 - 1.3333333333 = 1.2073923577
		{3, 1.2073923577},
		// c(10) = 2(ln 9 + γ) - 18/10 = 2(2.1972245773 + 0.5772156649) - 1.8
		//       = 5.5488804844 - 1.8 = 3.7488804844
		{10, 3.7488804844},
		// c(256) = 2(ln 255 + γ) - 510/256 = 2(5.5412635452 + 0.5772156649) - 1.9921875
		//        = 12.2369584202 - 1.9921875 = 10.2447709202
		{256, 10.2447709202},
	}
	for _, tt := range tests {
		if got := C(tt.n); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("C(%d) = %.10f, want %.10f", tt.n, got, tt.want)
		}
	}
}

func gaussian(rng *rand.Rand, n, dim int) [][]float64 {
	X := make([][]float64, n)
	for i := range X {
		X[i] = make([]float64, dim)
		for j := range X[i] {
			X[i][j] = rng.NormFloat64()
		}
	}
	return X
}

func TestScoreBoundsAndOutlier(t *testing.T) {
	for _, dim := range []int{1, 4} {
		rng := rand.New(rand.NewPCG(1, 2))
		X := gaussian(rng, 1000, dim)
		f, err := Fit(X, Options{Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if f.NumTrees() != DefaultNumTrees || f.SampleSize() != DefaultSampleSize || f.Dim() != dim {
			t.Fatalf("dim %d: trees %d, ψ %d, dim %d", dim, f.NumTrees(), f.SampleSize(), f.Dim())
		}
		scores := f.ScoreBatch(X, nil)
		for i, s := range scores {
			if !(s > 0 && s <= 1) {
				t.Fatalf("dim %d: score[%d] = %v outside (0, 1]", dim, i, s)
			}
		}
		out := make([]float64, dim)
		for j := range out {
			out[j] = 8
		}
		so := f.Score(out)
		sorted := slices.Clone(scores)
		sort.Float64s(sorted)
		median, p99 := sorted[len(sorted)/2], sorted[len(sorted)*99/100]
		// Beyond the training range a point shares the external node of the
		// most extreme training point on every split, so in one dimension it
		// can tie with the sample's extremes; it must still beat 99 % of them.
		if so <= p99 || so < 0.6 || median > 0.5 {
			t.Errorf("dim %d: outlier %.3f, inlier p99 %.3f, median %.3f", dim, so, p99, median)
		}
		// The inliers' mean score is below the outlier's by a wide margin.
		var mean float64
		for _, s := range scores {
			mean += s / float64(len(scores))
		}
		if so-mean < 0.2 {
			t.Errorf("dim %d: outlier %.3f, inlier mean %.3f", dim, so, mean)
		}
	}
}

func TestDeterminism(t *testing.T) {
	X := gaussian(rand.New(rand.NewPCG(3, 4)), 600, 3)
	a, _ := Fit(X, Options{Seed: 42})
	b, _ := Fit(X, Options{Seed: 42})
	c, _ := Fit(X, Options{Rand: rand.New(rand.NewPCG(42, 42^0x9e3779b97f4a7c15))})
	d, _ := Fit(X, Options{Seed: 43})
	sa, sb, sc, sd := a.ScoreBatch(X, nil), b.ScoreBatch(X, nil), c.ScoreBatch(X, nil), d.ScoreBatch(X, nil)
	if !slices.Equal(sa, sb) || !slices.Equal(sa, sc) {
		t.Fatal("same seed, different scores")
	}
	if slices.Equal(sa, sd) {
		t.Fatal("different seeds, identical scores")
	}
}

func TestSmallAndDegenerate(t *testing.T) {
	if _, err := Fit(nil, Options{}); err == nil {
		t.Error("no rows: no error")
	}
	if _, err := Fit([][]float64{{}}, Options{}); err == nil {
		t.Error("no columns: no error")
	}
	if _, err := Fit([][]float64{{1, 2}, {3}}, Options{}); err == nil {
		t.Error("ragged: no error")
	}
	if _, err := Fit([][]float64{{1}}, Options{NumTrees: -1}); err == nil {
		t.Error("negative trees: no error")
	}
	// One row: ψ = 1, c(ψ) = 0, every score 1.
	f, err := Fit([][]float64{{1, 2}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Score([]float64{5, 5}); s != 1 {
		t.Errorf("single row score %v", s)
	}
	if s := f.Score([]float64{5}); !math.IsNaN(s) {
		t.Errorf("wrong dimension score %v, want NaN", s)
	}
	// Constant data: no splits, every point at the root with c(ψ) adjustment:
	// E[h] = c(ψ), so s = 2^-1 = 0.5 for every point.
	X := make([][]float64, 300)
	for i := range X {
		X[i] = []float64{3, 3}
	}
	f, err = Fit(X, Options{NumTrees: 10})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Score([]float64{3, 3}); math.Abs(s-0.5) > 1e-12 {
		t.Errorf("constant data score %v, want 0.5", s)
	}
	// A ψ larger than the rows is capped, as in scikit-learn.
	f, _ = Fit(X[:50], Options{SampleSize: 1000})
	if f.SampleSize() != 50 {
		t.Errorf("ψ = %d, want 50", f.SampleSize())
	}
}

func checkScores(t *testing.T, f *Forest, X [][]float64) {
	t.Helper()
	for _, x := range X {
		s := f.Score(x)
		if !(s > 0 && s <= 1) {
			t.Fatalf("score(%v) = %v outside (0, 1]", x, s)
		}
	}
}

func TestNonFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	X := gaussian(rng, 400, 3)
	for i := range X {
		X[i][1] = 2 // constant feature
		if i%7 == 0 {
			X[i][0] = math.NaN()
		}
		if i%11 == 0 {
			X[i][2] = math.Inf(1 - 2*(i%2))
		}
	}
	f, err := Fit(X, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkScores(t, f, X)
	checkScores(t, f, [][]float64{{math.NaN(), math.NaN(), math.NaN()}, {math.Inf(1), 0, math.Inf(-1)}})
	// An all-NaN feature is never split on.
	for i := range X {
		X[i][0] = math.NaN()
	}
	f, err = Fit(X, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkScores(t, f, X)
}

func FuzzFitScore(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, uint8(2), uint64(1))
	f.Add([]byte{0xff, 0xf8, 0, 0, 0, 0, 0, 1, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}, uint8(1), uint64(2))
	f.Fuzz(func(t *testing.T, raw []byte, dim8 uint8, seed uint64) {
		dim := int(dim8%5) + 1
		vals := make([]float64, 0, len(raw)/8)
		for i := 0; i+8 <= len(raw); i += 8 {
			var u uint64
			for k := 0; k < 8; k++ {
				u = u<<8 | uint64(raw[i+k])
			}
			vals = append(vals, math.Float64frombits(u))
		}
		// Mix in small integers so constant and tied columns are common.
		for _, b := range raw {
			vals = append(vals, float64(b%4))
		}
		n := len(vals) / dim
		if n == 0 {
			return
		}
		X := make([][]float64, n)
		for i := range X {
			X[i] = vals[i*dim : (i+1)*dim]
		}
		fo, err := Fit(X, Options{NumTrees: 5, SampleSize: 32, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		batch := fo.ScoreBatch(X, nil)
		for i, x := range X {
			s := fo.Score(x)
			if !(s > 0 && s <= 1) {
				t.Fatalf("score(%v) = %v outside (0, 1]", x, s)
			}
			if batch[i] != s {
				t.Fatalf("row %d: ScoreBatch %v, Score %v", i, batch[i], s)
			}
		}
	})
}

// auc is the ROC AUC of scores against labels (1 = positive) in the
// Mann–Whitney form, with ties given their average rank.
func auc(scores []float64, labels []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var rankSum float64
	var pos int
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				rankSum += avg
				pos++
			}
		}
		i = j
	}
	neg := len(scores) - pos
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

func TestAUC(t *testing.T) {
	s := []float64{0.1, 0.4, 0.35, 0.8}
	l := []bool{false, false, true, true}
	if got := auc(s, l); got != 0.75 { // sklearn's roc_auc_score example
		t.Errorf("auc = %v, want 0.75", got)
	}
	if got := auc([]float64{1, 1, 1, 1}, l); got != 0.5 {
		t.Errorf("all ties: auc = %v, want 0.5", got)
	}
}

func readCSV(t testing.TB, name string) ([][]float64, []bool) {
	fh, err := os.Open(filepath.Join("testdata", name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var X [][]float64
	var y []bool
	for _, r := range recs[1:] {
		row := make([]float64, len(r)-1)
		for j := range row {
			if row[j], err = strconv.ParseFloat(r[j], 64); err != nil {
				t.Fatal(err)
			}
		}
		X = append(X, row)
		y = append(y, r[len(r)-1] == "1")
	}
	return X, y
}

// aucMargin is how far the Go forest's mean ROC AUC over goSeeds seeds may
// be from scikit-learn's mean over its random states.
const (
	aucMargin = 0.02
	goSeeds   = 10
)

func TestAgainstSklearn(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "sklearn_auc.json"))
	if err != nil {
		t.Fatal(err)
	}
	var oracle struct {
		Version  string `json:"sklearn_version"`
		Datasets map[string]struct {
			AUCMean float64 `json:"auc_mean"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal(raw, &oracle); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"univariate", "blobs4", "seasonal"} {
		want, ok := oracle.Datasets[name]
		if !ok {
			t.Fatalf("%s: not in sklearn_auc.json", name)
		}
		X, y := readCSV(t, name)
		var sum float64
		for seed := range uint64(goSeeds) {
			f, err := Fit(X, Options{NumTrees: 100, SampleSize: 256, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			sum += auc(f.ScoreBatch(X, nil), y)
		}
		got := sum / goSeeds
		t.Logf("%s: Go AUC %.4f (mean of %d seeds), scikit-learn %s %.4f", name, got, goSeeds, oracle.Version, want.AUCMean)
		if math.Abs(got-want.AUCMean) > aucMargin {
			t.Errorf("%s: Go AUC %.4f, scikit-learn %.4f, margin %.2f", name, got, want.AUCMean, aucMargin)
		}
	}
}

func TestScoreBatchMatchesScore(t *testing.T) {
	X := gaussian(rand.New(rand.NewPCG(8, 9)), 500, 4)
	f, err := Fit(X, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	Y := append(slices.Clone(X), []float64{1, 2}, []float64{math.NaN(), 0, 0, math.Inf(1)})
	got := f.ScoreBatch(Y, make([]float64, 3))
	for i, x := range Y {
		want := f.Score(x)
		if got[i] != want && !(math.IsNaN(got[i]) && math.IsNaN(want)) {
			t.Fatalf("row %d: ScoreBatch %v, Score %v", i, got[i], want)
		}
	}
}
