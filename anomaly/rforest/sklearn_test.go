package rforest

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// Margins against scikit-learn's means over five random states (see the
// package doc and testdata/README.md).
const (
	marginTestR2     = 0.02
	marginOOBR2      = 0.03
	marginImportance = 0.03
	marginPermR2     = 0.03
	runs             = 5
)

type sklearnConfig struct {
	NEstimators     int       `json:"n_estimators"`
	MinSamplesLeaf  int       `json:"min_samples_leaf"`
	MaxDepth        int       `json:"max_depth"`
	MaxFeatures     int       `json:"max_features"`
	TestR2Mean      float64   `json:"test_r2_mean"`
	OOBR2Mean       float64   `json:"oob_r2_mean"`
	Importances     []float64 `json:"importances_mean"`
	PermutationMean []float64 `json:"permutation_mean"`
}

type sklearnDataset struct {
	Rows       int                      `json:"rows"`
	Features   int                      `json:"features"`
	TrainRows  int                      `json:"train_rows"`
	TestRows   int                      `json:"test_rows"`
	Relevant   []int                    `json:"relevant"`
	Irrelevant []int                    `json:"irrelevant"`
	Configs    map[string]sklearnConfig `json:"configs"`
	Cart       map[string]struct {
		Nodes    int       `json:"nodes"`
		TestPred []float64 `json:"test_pred"`
	} `json:"cart"`
}

type split struct {
	Xtr, Xte [][]float64
	ytr, yte []float64
}

func readSklearn(t testing.TB) map[string]sklearnDataset {
	raw, err := os.ReadFile(filepath.Join("testdata", "sklearn.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Datasets map[string]sklearnDataset `json:"datasets"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out.Datasets
}

// readSplit reads testdata/<name>.csv: features, then y, then test (0/1).
func readSplit(t testing.TB, name string) split {
	fh, err := os.Open(filepath.Join("testdata", name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var s split
	for i, rec := range recs[1:] {
		vals := make([]float64, len(rec))
		for j, f := range rec {
			if vals[j], err = strconv.ParseFloat(f, 64); err != nil {
				t.Fatalf("%s row %d: %v", name, i, err)
			}
		}
		k := len(vals) - 2
		if vals[k+1] == 1 {
			s.Xte, s.yte = append(s.Xte, vals[:k]), append(s.yte, vals[k])
		} else {
			s.Xtr, s.ytr = append(s.Xtr, vals[:k]), append(s.ytr, vals[k])
		}
	}
	return s
}

// TestCARTAgainstSklearn grows one tree on all the training rows, as
// DecisionTreeRegressor does, and requires the same number of nodes. With
// at least 5 rows per leaf it also requires the same held-out predictions,
// split for split. With one row per leaf, small nodes often have several
// features giving the same partition with exactly the same criterion, and
// which one is taken depends on the random feature order, so there only
// the held-out mean squared error must agree within 10 %.
func TestCARTAgainstSklearn(t *testing.T) {
	for name, ds := range readSklearn(t) {
		s := readSplit(t, name)
		for cname, want := range ds.Cart {
			cfg := ds.Configs[cname]
			nodes := fullTree(s.Xtr, s.ytr, Options{MinSamplesLeaf: cfg.MinSamplesLeaf, MaxDepth: cfg.MaxDepth})
			if len(nodes) != want.Nodes {
				t.Errorf("%s/%s: %d nodes, scikit-learn %d", name, cname, len(nodes), want.Nodes)
			}
			diff := 0
			var mse, mseSk float64
			for i, x := range s.Xte {
				p := walk(nodes, x)
				if math.Abs(p-want.TestPred[i]) > 1e-9*math.Max(1, math.Abs(p)) {
					diff++
				}
				mse += (p - s.yte[i]) * (p - s.yte[i])
				mseSk += (want.TestPred[i] - s.yte[i]) * (want.TestPred[i] - s.yte[i])
			}
			t.Logf("%s/%s: %d nodes, %d of %d held-out predictions differ, MSE %.4f (scikit-learn %.4f)",
				name, cname, len(nodes), diff, len(s.Xte), mse/float64(len(s.Xte)), mseSk/float64(len(s.Xte)))
			if cfg.MinSamplesLeaf >= 5 && diff > 0 {
				t.Errorf("%s/%s: %d of %d held-out predictions differ", name, cname, diff, len(s.Xte))
			}
			if math.Abs(mse/mseSk-1) > 0.10 {
				t.Errorf("%s/%s: held-out MSE %.4f, scikit-learn %.4f", name, cname, mse/float64(len(s.Xte)), mseSk/float64(len(s.Xte)))
			}
		}
	}
}

func TestAgainstSklearn(t *testing.T) {
	for name, ds := range readSklearn(t) {
		s := readSplit(t, name)
		if len(s.Xtr) != ds.TrainRows || len(s.Xte) != ds.TestRows {
			t.Fatalf("%s: %d/%d rows, JSON says %d/%d", name, len(s.Xtr), len(s.Xte), ds.TrainRows, ds.TestRows)
		}
		for _, cname := range []string{"default", "sidecar", "half"} {
			cfg, ok := ds.Configs[cname]
			if !ok {
				t.Fatalf("%s: no config %s", name, cname)
			}
			var testR2, oobR2 float64
			imp := make([]float64, ds.Features)
			perm := make([]float64, ds.Features)
			for seed := range runs {
				f, err := Fit(s.Xtr, s.ytr, Options{
					NumTrees: cfg.NEstimators, MinSamplesLeaf: cfg.MinSamplesLeaf,
					MaxDepth: cfg.MaxDepth, MaxFeatures: cfg.MaxFeatures, Seed: uint64(seed),
				})
				if err != nil {
					t.Fatal(err)
				}
				r2, err := f.Score(s.Xte, s.yte)
				if err != nil {
					t.Fatal(err)
				}
				testR2 += r2 / runs
				oobR2 += f.OOBScore() / runs
				for j, v := range f.ImpurityImportances() {
					imp[j] += v / runs
				}
				if cfg.PermutationMean != nil {
					m, _, err := f.PermutationImportances(s.Xte, s.yte, 5, uint64(seed))
					if err != nil {
						t.Fatal(err)
					}
					for j, v := range m {
						perm[j] += v / runs
					}
				}
			}
			t.Logf("%s/%s: test R² %.4f (sklearn %.4f), OOB R² %.4f (sklearn %.4f)",
				name, cname, testR2, cfg.TestR2Mean, oobR2, cfg.OOBR2Mean)
			t.Logf("%s/%s: importances %.3f, sklearn %.3f", name, cname, imp, cfg.Importances)
			if d := testR2 - cfg.TestR2Mean; math.Abs(d) > marginTestR2 {
				t.Errorf("%s/%s: test R² %.4f, scikit-learn %.4f (difference %.4f > %.2f)", name, cname, testR2, cfg.TestR2Mean, d, marginTestR2)
			}
			if d := oobR2 - cfg.OOBR2Mean; math.Abs(d) > marginOOBR2 {
				t.Errorf("%s/%s: OOB R² %.4f, scikit-learn %.4f (difference %.4f > %.2f)", name, cname, oobR2, cfg.OOBR2Mean, d, marginOOBR2)
			}
			for j := range imp {
				if d := imp[j] - cfg.Importances[j]; math.Abs(d) > marginImportance {
					t.Errorf("%s/%s: importance of x%d %.4f, scikit-learn %.4f", name, cname, j, imp[j], cfg.Importances[j])
				}
			}
			checkRanking(t, name+"/"+cname+" impurity", imp, ds.Relevant, ds.Irrelevant)
			checkRanking(t, name+"/"+cname+" scikit-learn impurity", cfg.Importances, ds.Relevant, ds.Irrelevant)
			if cfg.PermutationMean != nil {
				t.Logf("%s/%s: permutation %.3f, sklearn %.3f", name, cname, perm, cfg.PermutationMean)
				for j := range perm {
					if d := perm[j] - cfg.PermutationMean[j]; math.Abs(d) > marginPermR2 {
						t.Errorf("%s/%s: permutation importance of x%d %.4f, scikit-learn %.4f", name, cname, j, perm[j], cfg.PermutationMean[j])
					}
				}
				checkRanking(t, name+"/"+cname+" permutation", perm, ds.Relevant, ds.Irrelevant)
			}
		}
	}
}

// checkRanking requires every relevant feature to rank above every
// irrelevant one.
func checkRanking(t *testing.T, what string, imp []float64, relevant, irrelevant []int) {
	t.Helper()
	if len(irrelevant) == 0 {
		return
	}
	minRel := math.Inf(1)
	for _, j := range relevant {
		minRel = math.Min(minRel, imp[j])
	}
	for _, j := range irrelevant {
		if imp[j] >= minRel {
			t.Errorf("%s: irrelevant x%d (%.4f) ranks with the relevant ones %v (%.4f)", what, j, imp[j], relevant, slices.Min(pick(imp, relevant)))
		}
	}
}

func pick(v []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = v[j]
	}
	return out
}
