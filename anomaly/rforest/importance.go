package rforest

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DefaultRepeats is the number of shuffles per column PermutationImportances
// uses when asked for 0 (scikit-learn's n_repeats default).
const DefaultRepeats = 5

// Score is the coefficient of determination R² of the forest's predictions
// on X against y (scikit-learn's RandomForestRegressor.score). X and y
// follow Fit's rules, and X must have Dim() columns.
func (f *Forest) Score(X [][]float64, y []float64) (float64, error) {
	if err := f.checkEval(X, y); err != nil {
		return 0, fmt.Errorf("score: %w", err)
	}
	return score(y, f.PredictBatch(X, nil)), nil
}

func (f *Forest) checkEval(X [][]float64, y []float64) error {
	dim, err := checkData(X, y)
	if err != nil {
		return err
	}
	if dim != f.dim {
		return fmt.Errorf("%w: %d columns, the forest has %d", ErrShape, dim, f.dim)
	}
	return nil
}

// score is the R² of pred against y.
func score(y, pred []float64) float64 {
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var ssRes, ssTot float64
	for i, v := range y {
		ssRes += (v - pred[i]) * (v - pred[i])
		ssTot += (v - mean) * (v - mean)
	}
	return r2(ssRes, ssTot)
}

// PermutationImportances is, for each column of X, the decrease in R² on
// (X, y) when that column's values are shuffled among the rows, averaged
// over repeats shuffles (0 means DefaultRepeats), with its standard
// deviation, as sklearn.inspection.permutation_importance's
// importances_mean and importances_std. The shuffles of column j come from
// a PCG source seeded with (seed, j). X is not modified.
func (f *Forest) PermutationImportances(X [][]float64, y []float64, repeats int, seed uint64) (mean, std []float64, err error) {
	if err := f.checkEval(X, y); err != nil {
		return nil, nil, fmt.Errorf("permutation importances: %w", err)
	}
	if repeats < 0 {
		return nil, nil, fmt.Errorf("permutation importances: repeats %d < 0", repeats)
	}
	if repeats == 0 {
		repeats = DefaultRepeats
	}
	n := len(X)
	pred := f.PredictBatch(X, nil)
	base := score(y, pred)
	// One copy of X whose column j is overwritten by a permutation of the
	// original, and restored afterwards.
	buf := make([]float64, n*f.dim)
	Xp := make([][]float64, n)
	for i, row := range X {
		Xp[i] = buf[i*f.dim : (i+1)*f.dim : (i+1)*f.dim]
		copy(Xp[i], row)
	}
	perm := make([]int, n)
	drops := make([]float64, repeats)
	mean, std = make([]float64, f.dim), make([]float64, f.dim)
	for j := range f.dim {
		rng := rand.New(rand.NewPCG(seed, uint64(j)))
		for k := range drops {
			for i := range perm {
				perm[i] = i
			}
			rng.Shuffle(n, func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
			for i, p := range perm {
				Xp[i][j] = X[p][j]
			}
			pred = f.PredictBatch(Xp, pred)
			drops[k] = base - score(y, pred)
		}
		for i, row := range X {
			Xp[i][j] = row[j]
		}
		var m float64
		for _, d := range drops {
			m += d
		}
		m /= float64(repeats)
		var v float64
		for _, d := range drops {
			v += (d - m) * (d - m)
		}
		mean[j], std[j] = m, math.Sqrt(v/float64(repeats))
	}
	return mean, std, nil
}
