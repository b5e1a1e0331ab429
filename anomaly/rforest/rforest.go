// Package rforest implements a Random Forest regressor (Breiman, "Random
// Forests", Machine Learning 45, 2001) for predicting a route's latency from
// its load features, with out-of-bag error, feature importances and a
// compact binary encoding.
//
// # Algorithm
//
// Each tree is a CART regression tree grown on a bootstrap sample of the
// training rows (n draws with replacement). As in scikit-learn, a row drawn k
// times takes part once with weight k, so MinSamplesLeaf and MinSamplesSplit
// count distinct rows. At each node MaxFeatures features are drawn without
// replacement (more are drawn while every one drawn so far is constant in
// the node), and for each the exact best split is found over the node's
// sorted values: the one that most reduces the weighted squared error (the
// MSE criterion), leaving at least MinSamplesLeaf rows on each side, with
// the threshold at the midpoint of the two neighbouring values. Values
// closer than 1e-7 are not split apart, as in scikit-learn. A node becomes a
// leaf at MaxDepth, below MinSamplesSplit or 2·MinSamplesLeaf rows, or when
// its variance is zero; a leaf predicts the weighted mean of its rows, and
// the forest the mean of its trees. Each feature's rows are sorted once per
// fit and kept sorted through the partitions, so growing a tree costs
// O(rows·features·depth) with no sort.
//
// # Defaults
//
// The zero Options are scikit-learn 1.x's RandomForestRegressor defaults:
// 100 trees, every feature at every split (max_features=1.0), unlimited
// depth, one row per leaf. They are the most accurate but the largest:
// about 2 nodes per distinct bootstrap row at 16 bytes a node, 20.7 MB for
// a week of one-minute rows (10,080 × 6), so 1 GB for the sidecar's 50
// routes. SidecarOptions (50 trees, depth 12, 5 rows per leaf) are meant
// for the sidecar, which keeps one forest per route: 1.35 MB for the same
// week (15 times smaller) and 3 times faster to fit, for a held-out R²
// lower by 0.007 on the latency data set and 0.013 on Friedman #1, and an
// out-of-bag R² lower by 0.0006 on the week (see testdata/README.md).
// Workers defaults to GOMAXPROCS; the fit does not depend on it, since
// tree t draws from its own PCG source seeded with (Seed, t).
//
// # Non-finite values
//
// Fit and PermutationImportances reject a NaN or infinite value in X or y
// (and a target beyond ±MaxTarget, whose square could overflow) with an
// error naming the row and column, rather than skipping the row:
// a gap in a metric is the caller's to fill or drop, and silently fitting
// on fewer rows would skew the out-of-bag figures. Predict accepts any
// values: a NaN goes to the right child at every split (x <= threshold is
// false). A row of the wrong width predicts NaN.
//
// # Extrapolation
//
// Like every tree model, the forest cannot extrapolate: beyond the largest
// load seen in training, a what-if ("p95 at 2x the rate") gets the
// prediction for the edge of the training range. The caller should flag
// what-ifs outside that range.
//
// # Against scikit-learn
//
// The random draws are not scikit-learn's, so individual forests differ,
// but TestAgainstSklearn checks, on the three data sets in testdata/ and
// three configurations, that the mean over five seeds of the held-out R²
// is within 0.02 and of the out-of-bag R² within 0.03 of scikit-learn
// 1.2.1's mean over random_state 0..4, that each mean impurity importance
// and (default configuration) permutation importance is within 0.03 of
// scikit-learn's, and that every clearly relevant feature ranks above every
// irrelevant one in both. TestCARTAgainstSklearn checks a single tree
// without bootstrap against DecisionTreeRegressor: the same node count,
// and with 5 rows per leaf the same held-out predictions; with one row per
// leaf, ties between features that split a small node identically are
// broken by the random feature order, so only the held-out error must
// agree (within 10 %).
package rforest

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Defaults used for zero fields of Options (scikit-learn's).
const (
	DefaultNumTrees        = 100
	DefaultMinSamplesLeaf  = 1
	DefaultMinSamplesSplit = 2
)

// Limits on the shape of the data, so that row and node indices fit in 32
// bits and a decoded forest cannot claim absurd sizes.
const (
	MaxRows     = math.MaxInt32 / 2
	MaxFeatures = 1 << 16
	MaxTrees    = 1 << 16
	// MaxTarget bounds |y|, so that sums of squared targets over MaxRows
	// rows cannot overflow.
	MaxTarget = 1e100
)

// featureThreshold is scikit-learn's FEATURE_THRESHOLD: values closer than
// this are treated as equal when looking for split points.
const featureThreshold = 1e-7

// epsilon is scikit-learn's EPSILON (machine epsilon): a node with a
// variance at or below it is pure.
const epsilon = 2.220446049250313e-16

// Options configure Fit. The zero value gives the defaults with seed 0.
type Options struct {
	// NumTrees is the number of trees; 0 means DefaultNumTrees.
	NumTrees int
	// MaxDepth bounds the depth of each tree (the root is at depth 0); 0
	// means unlimited.
	MaxDepth int
	// MinSamplesLeaf is the fewest distinct training rows a leaf may hold;
	// 0 means DefaultMinSamplesLeaf.
	MinSamplesLeaf int
	// MinSamplesSplit is the fewest distinct rows a node needs to be split;
	// 0 means DefaultMinSamplesSplit. Values below 2 are an error.
	MinSamplesSplit int
	// MaxFeatures is how many features are tried at each split; 0 means all
	// of them (scikit-learn's max_features=1.0 for regressors).
	MaxFeatures int
	// Workers bounds how many trees are grown at once; 0 means GOMAXPROCS.
	// The result does not depend on it.
	Workers int
	// Seed makes the fit reproducible: tree t uses a PCG source seeded with
	// (Seed, t) for its bootstrap sample and its feature draws.
	Seed uint64
}

// SidecarOptions are the settings recommended for the anomaly sidecar,
// which keeps one forest per route: 50 trees of depth at most 12 with at
// least 5 rows per leaf.
func SidecarOptions() Options {
	return Options{NumTrees: 50, MaxDepth: 12, MinSamplesLeaf: 5}
}

// params are Options with the defaults filled in and checked.
type params struct {
	numTrees, maxDepth, minLeaf, minSplit, maxFeatures, workers int
	seed                                                        uint64
}

func (o Options) resolve(dim int) (params, error) {
	p := params{
		numTrees:    cmp.Or(o.NumTrees, DefaultNumTrees),
		maxDepth:    o.MaxDepth,
		minLeaf:     cmp.Or(o.MinSamplesLeaf, DefaultMinSamplesLeaf),
		minSplit:    cmp.Or(o.MinSamplesSplit, DefaultMinSamplesSplit),
		maxFeatures: cmp.Or(o.MaxFeatures, dim),
		workers:     cmp.Or(o.Workers, runtime.GOMAXPROCS(0)),
		seed:        o.Seed,
	}
	switch {
	case p.numTrees < 0 || p.numTrees > MaxTrees:
		return p, fmt.Errorf("rforest: NumTrees %d outside [0, %d]", o.NumTrees, MaxTrees)
	case p.maxDepth < 0:
		return p, fmt.Errorf("rforest: MaxDepth %d < 0", o.MaxDepth)
	case p.minLeaf < 0:
		return p, fmt.Errorf("rforest: MinSamplesLeaf %d < 0", o.MinSamplesLeaf)
	case p.minSplit < 2:
		return p, fmt.Errorf("rforest: MinSamplesSplit %d < 2", o.MinSamplesSplit)
	case p.maxFeatures < 0 || p.maxFeatures > dim:
		return p, fmt.Errorf("rforest: MaxFeatures %d outside [0, %d features]", o.MaxFeatures, dim)
	case p.workers < 0:
		return p, fmt.Errorf("rforest: Workers %d < 0", o.Workers)
	}
	p.workers = min(p.workers, p.numTrees)
	return p, nil
}

// treeRand is tree t's random source.
func treeRand(seed uint64, t int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^uint64(t)))
}

// node is one node of a tree, kept in a flat slice with the root at 0. An
// internal node's children are at left and left+1 (always after it), and x
// goes left when x[feature] <= value; a leaf has feature −1 and value its
// prediction.
type node struct {
	value   float64
	feature int32
	left    int32
}

// walk returns the prediction of tree nodes for x, which has the forest's
// width.
func walk(nodes []node, x []float64) float64 {
	i := int32(0)
	for {
		nd := &nodes[i]
		if nd.feature < 0 {
			return nd.value
		}
		var right int32 // branch-free: compiles to SETcc
		if !(x[nd.feature] <= nd.value) {
			right = 1
		}
		i = nd.left + right
	}
}

// walk4 is walk for four rows at once: the descents are independent, so
// their loads and comparisons overlap. A lane that reaches a leaf stays
// there while the others go on.
func walk4(nodes []node, x0, x1, x2, x3 []float64) (float64, float64, float64, float64) {
	var i0, i1, i2, i3 int32
	for {
		n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
		if n0.feature < 0 && n1.feature < 0 && n2.feature < 0 && n3.feature < 0 {
			return n0.value, n1.value, n2.value, n3.value
		}
		if n0.feature >= 0 {
			i0 = step(n0, x0)
		}
		if n1.feature >= 0 {
			i1 = step(n1, x1)
		}
		if n2.feature >= 0 {
			i2 = step(n2, x2)
		}
		if n3.feature >= 0 {
			i3 = step(n3, x3)
		}
	}
}

// step is the child of internal node nd that x goes to.
func step(nd *node, x []float64) int32 {
	var right int32 // branch-free: compiles to SETcc
	if !(x[nd.feature] <= nd.value) {
		right = 1
	}
	return nd.left + right
}

// Forest is a fitted Random Forest regressor. It is safe for concurrent
// prediction.
type Forest struct {
	trees       [][]node
	dim         int
	importances []float64 // normalised mean decrease in impurity
	trainRows   int
	oobPred     []float64 // by training row, NaN when never out of bag; nil after decoding
	oobRows     int
	oobScore    float64
	oobRMSE     float64
}

// Errors returned by Fit and PermutationImportances, wrapped with detail.
var (
	ErrNoData    = errors.New("rforest: no rows")
	ErrNoColumns = errors.New("rforest: rows have no columns")
	ErrShape     = errors.New("rforest: inconsistent shape")
	ErrNonFinite = errors.New("rforest: non-finite value")
	ErrRange     = errors.New("rforest: value out of range")
)

// checkData validates X and y and returns the number of columns.
func checkData(X [][]float64, y []float64) (int, error) {
	n := len(X)
	if n == 0 {
		return 0, ErrNoData
	}
	if len(y) != n {
		return 0, fmt.Errorf("%w: %d rows but %d targets", ErrShape, n, len(y))
	}
	if n > MaxRows {
		return 0, fmt.Errorf("%w: %d rows, more than %d", ErrShape, n, MaxRows)
	}
	dim := len(X[0])
	if dim == 0 {
		return 0, ErrNoColumns
	}
	if dim > MaxFeatures {
		return 0, fmt.Errorf("%w: %d columns, more than %d", ErrShape, dim, MaxFeatures)
	}
	for i, row := range X {
		if len(row) != dim {
			return 0, fmt.Errorf("%w: row %d has %d columns, row 0 has %d", ErrShape, i, len(row), dim)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("%w: row %d column %d is %v", ErrNonFinite, i, j, v)
			}
		}
		if v := y[i]; math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%w: target of row %d is %v", ErrNonFinite, i, v)
		} else if math.Abs(v) > MaxTarget {
			return 0, fmt.Errorf("%w: target of row %d is %v, beyond ±%g", ErrRange, i, v, MaxTarget)
		}
	}
	return dim, nil
}

// Fit grows a forest predicting y from the rows of X, which must all have
// the same, non-zero number of columns and only finite values. X and y are
// not retained.
func Fit(X [][]float64, y []float64, opts Options) (*Forest, error) {
	dim, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	p, err := opts.resolve(dim)
	if err != nil {
		return nil, err
	}
	cols, order := columns(X, dim)
	trees := make([][]node, p.numTrees)
	imps := make([][]float64, p.numTrees)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range p.workers {
		wg.Go(func() {
			b := newBuilder(cols, y, order, p)
			for {
				t := int(next.Add(1) - 1)
				if t >= p.numTrees {
					return
				}
				trees[t], imps[t] = b.tree(t)
			}
		})
	}
	wg.Wait()

	f := &Forest{trees: trees, dim: dim, trainRows: len(X), importances: make([]float64, dim)}
	// Mean of the trees' normalised importances, over the trees that split
	// at all, then normalised again (scikit-learn's feature_importances_).
	grown := 0
	for t, imp := range imps {
		if len(trees[t]) > 1 {
			grown++
			for j, v := range imp {
				f.importances[j] += v
			}
		}
	}
	normalise(f.importances)
	f.computeOOB(X, y, p.seed)
	return f, nil
}

// columns returns a column-major copy of X and, per feature, the rows
// sorted by that feature (ties by row, so the order is fully determined).
func columns(X [][]float64, dim int) ([][]float64, [][]int32) {
	n := len(X)
	cols := make([][]float64, dim)
	order := make([][]int32, dim)
	for f := range dim {
		col := make([]float64, n)
		ord := make([]int32, n)
		for i, row := range X {
			col[i] = row[f]
			ord[i] = int32(i)
		}
		slices.SortFunc(ord, func(a, b int32) int {
			return cmp.Or(cmp.Compare(col[a], col[b]), cmp.Compare(a, b))
		})
		cols[f], order[f] = col, ord
	}
	return cols, order
}

// normalise scales v to sum 1, unless it sums to zero.
func normalise(v []float64) {
	var sum float64
	for _, x := range v {
		sum += x
	}
	if sum > 0 {
		for i := range v {
			v[i] /= sum
		}
	}
}

// bootstrap fills counts with how many times each row is drawn in tree t's
// bootstrap sample, from the first len(counts) draws of rng.
func bootstrap(rng *rand.Rand, counts []float64) {
	clear(counts)
	n := len(counts)
	for range n {
		counts[rng.IntN(n)]++
	}
}

// computeOOB predicts each training row with the trees whose bootstrap
// sample left it out (regenerated from the trees' seeds, in tree order so
// the sums do not depend on the workers), and scores those predictions.
func (f *Forest) computeOOB(X [][]float64, y []float64, seed uint64) {
	n := len(X)
	sum := make([]float64, n)
	cnt := make([]int32, n)
	counts := make([]float64, n)
	for t, nodes := range f.trees {
		bootstrap(treeRand(seed, t), counts)
		for r, c := range counts {
			if c == 0 {
				sum[r] += walk(nodes, X[r])
				cnt[r]++
			}
		}
	}
	f.oobPred = sum
	var mean float64
	for r := range n {
		if cnt[r] > 0 {
			f.oobRows++
			mean += y[r]
		}
	}
	if f.oobRows == 0 {
		for r := range sum {
			sum[r] = math.NaN()
		}
		f.oobScore, f.oobRMSE = math.NaN(), math.NaN()
		return
	}
	mean /= float64(f.oobRows)
	var ssRes, ssTot float64
	for r := range n {
		if cnt[r] == 0 {
			sum[r] = math.NaN()
			continue
		}
		sum[r] /= float64(cnt[r])
		d := y[r] - sum[r]
		ssRes += d * d
		ssTot += (y[r] - mean) * (y[r] - mean)
	}
	f.oobScore = r2(ssRes, ssTot)
	f.oobRMSE = math.Sqrt(ssRes / float64(f.oobRows))
}

// r2 is 1 − ssRes/ssTot, with scikit-learn's conventions for a constant
// target: 1 for a perfect fit, 0 otherwise.
func r2(ssRes, ssTot float64) float64 {
	if ssTot == 0 {
		if ssRes == 0 {
			return 1
		}
		return 0
	}
	return 1 - ssRes/ssTot
}

// builder grows trees; each worker has its own, reused from tree to tree.
type builder struct {
	cols  [][]float64
	y     []float64
	order [][]int32
	p     params
	dim   int

	rng    *rand.Rand
	w      []float64 // bootstrap count by row
	wy     []wy      // by row, for the split scan's one random access per row
	idx    [][]int32 // per feature, the in-bag rows sorted by it; a node is a range
	tmp    []int32
	goLeft []bool
	feats  []int
	nodes  []node
	imp    []float64
}

// wy is a row's weight and weighted target.
type wy struct{ w, wy float64 }

func newBuilder(cols [][]float64, y []float64, order [][]int32, p params) *builder {
	n, dim := len(y), len(cols)
	b := &builder{
		cols: cols, y: y, order: order, p: p, dim: dim,
		w:      make([]float64, n),
		wy:     make([]wy, n),
		idx:    make([][]int32, dim),
		tmp:    make([]int32, 0, n),
		goLeft: make([]bool, n),
		feats:  make([]int, dim),
		imp:    make([]float64, dim),
	}
	for f := range b.idx {
		b.idx[f] = make([]int32, 0, n)
	}
	return b
}

// tree grows tree t and returns its nodes and its normalised impurity
// importances.
func (b *builder) tree(t int) ([]node, []float64) {
	b.rng = treeRand(b.p.seed, t)
	bootstrap(b.rng, b.w)
	return b.build()
}

// build grows a tree on the rows weighted by b.w, drawing features from
// b.rng.
func (b *builder) build() ([]node, []float64) {
	for r, w := range b.w {
		b.wy[r] = wy{w, w * b.y[r]}
	}
	for f := range b.idx {
		idx := b.idx[f][:0]
		for _, r := range b.order[f] {
			if b.w[r] > 0 {
				idx = append(idx, r)
			}
		}
		b.idx[f] = idx
	}
	clear(b.imp)
	b.nodes = append(b.nodes[:0], node{})
	b.grow(0, len(b.idx[0]), 0, 0, -1)
	imp := slices.Clone(b.imp)
	var rootW float64
	for _, w := range b.w {
		rootW += w
	}
	for j := range imp {
		imp[j] /= rootW
	}
	normalise(imp)
	return slices.Clone(b.nodes), imp
}

// grow fills in node at, already allocated, with the subtree for the rows
// in the range [s, e) of every b.idx[f]. parent is the feature its parent
// split on, or −1 at the root.
func (b *builder) grow(s, e, depth, at, parent int) {
	var W, S, SS float64
	for _, r := range b.idx[0][s:e] {
		w, v := b.w[r], b.y[r]
		W += w
		S += w * v
		SS += w * v * v
	}
	mean := S / W
	impurity := SS/W - mean*mean
	// Mean decrease in impurity: the parent's split is credited with its
	// own W·impurity and debited with each child's.
	if parent >= 0 {
		b.imp[parent] -= W * impurity
	}
	b.nodes[at] = node{value: mean, feature: -1}
	rows := e - s
	if (b.p.maxDepth > 0 && depth >= b.p.maxDepth) || rows < b.p.minSplit ||
		rows < 2*b.p.minLeaf || impurity <= epsilon {
		return
	}

	bestFeat, bestPos := -1, 0
	bestProxy := math.Inf(-1)
	var bestThr float64
	for i := range b.feats {
		b.feats[i] = i
	}
	// Draw features without replacement: MaxFeatures of them, and more
	// while all those drawn are constant here (scikit-learn's rule).
	visited, nonConstant := 0, 0
	minLeaf := b.p.minLeaf
	for k := b.dim; k > 0 && (visited < b.p.maxFeatures || nonConstant == 0); k-- {
		j := b.rng.IntN(k)
		f := b.feats[j]
		b.feats[j], b.feats[k-1] = b.feats[k-1], b.feats[j]
		visited++
		arr, col := b.idx[f][s:e], b.cols[f]
		if col[arr[len(arr)-1]] <= col[arr[0]]+featureThreshold {
			continue
		}
		nonConstant++
		// Scan the split positions in sorted order. The proxy
		// S_L²/W_L + S_R²/W_R differs from the weighted squared error by a
		// constant of the node, so its maximum is the best split.
		var WL, SL float64
		hi := col[arr[0]]
		for p := 1; p < len(arr); p++ {
			rw := b.wy[arr[p-1]]
			WL += rw.w
			SL += rw.wy
			lo := hi
			hi = col[arr[p]]
			if hi <= lo+featureThreshold || p < minLeaf {
				continue
			}
			if len(arr)-p < minLeaf {
				break
			}
			SR := S - SL
			proxy := SL*SL/WL + SR*SR/(W-WL)
			if proxy > bestProxy {
				bestProxy, bestFeat, bestPos = proxy, f, p
				bestThr = lo/2 + hi/2
				if bestThr == hi || math.IsInf(bestThr, 0) {
					bestThr = lo
				}
			}
		}
	}
	if bestFeat < 0 {
		return
	}

	// Partition every feature's range stably into the rows going left and
	// those going right, so each stays sorted.
	sorted := b.idx[bestFeat][s:e]
	for _, r := range sorted[:bestPos] {
		b.goLeft[r] = true
	}
	for _, r := range sorted[bestPos:] {
		b.goLeft[r] = false
	}
	for g := range b.dim {
		if g == bestFeat {
			continue
		}
		arr := b.idx[g][s:e]
		tmp := b.tmp[:0]
		l := 0
		for _, r := range arr {
			if b.goLeft[r] {
				arr[l] = r
				l++
			} else {
				tmp = append(tmp, r)
			}
		}
		copy(arr[l:], tmp)
		b.tmp = tmp
	}
	b.imp[bestFeat] += W * impurity
	left := len(b.nodes)
	b.nodes = append(b.nodes, node{}, node{})
	b.nodes[at] = node{value: bestThr, feature: int32(bestFeat), left: int32(left)}
	b.grow(s, s+bestPos, depth+1, left, bestFeat)
	b.grow(s+bestPos, e, depth+1, left+1, bestFeat)
}

// Dim is the number of features the forest was fitted on.
func (f *Forest) Dim() int { return f.dim }

// NumTrees is the number of trees.
func (f *Forest) NumTrees() int { return len(f.trees) }

// NumNodes is the total number of nodes over all trees.
func (f *Forest) NumNodes() int {
	n := 0
	for _, t := range f.trees {
		n += len(t)
	}
	return n
}

// TrainRows is the number of rows the forest was fitted on.
func (f *Forest) TrainRows() int { return f.trainRows }

// Predict is the mean of the trees' predictions for x. It is NaN when
// len(x) != Dim().
func (f *Forest) Predict(x []float64) float64 {
	if len(x) != f.dim {
		return math.NaN()
	}
	var sum float64
	for _, t := range f.trees {
		sum += walk(t, x)
	}
	return sum / float64(len(f.trees))
}

// PredictBatch predicts every row of X into dst (grown or allocated as
// needed) and returns it; dst[i] equals Predict(X[i]). It walks the forest
// tree by tree, so each tree stays in cache while all the rows pass
// through it.
func (f *Forest) PredictBatch(X [][]float64, dst []float64) []float64 {
	if cap(dst) < len(X) {
		dst = make([]float64, len(X))
	}
	dst = dst[:len(X)]
	clear(dst)
	for _, t := range f.trees {
		r := 0
		for ; r+4 <= len(X); r += 4 {
			x0, x1, x2, x3 := X[r], X[r+1], X[r+2], X[r+3]
			if len(x0) != f.dim || len(x1) != f.dim || len(x2) != f.dim || len(x3) != f.dim {
				for k := r; k < r+4; k++ {
					if len(X[k]) == f.dim {
						dst[k] += walk(t, X[k])
					}
				}
				continue
			}
			p0, p1, p2, p3 := walk4(t, x0, x1, x2, x3)
			dst[r] += p0
			dst[r+1] += p1
			dst[r+2] += p2
			dst[r+3] += p3
		}
		for ; r < len(X); r++ {
			if len(X[r]) == f.dim {
				dst[r] += walk(t, X[r])
			}
		}
	}
	nt := float64(len(f.trees))
	for r, x := range X {
		if len(x) != f.dim {
			dst[r] = math.NaN()
		} else {
			dst[r] /= nt
		}
	}
	return dst
}

// OOBPrediction is, for each training row, the mean prediction of the trees
// whose bootstrap sample left it out, or NaN if every tree drew it. It is
// nil for a decoded forest, since the encoding keeps only the scores. The
// slice is the forest's own: do not modify it.
func (f *Forest) OOBPrediction() []float64 { return f.oobPred }

// OOBScore is the R² of the out-of-bag predictions over the training rows
// that were out of bag for at least one tree (scikit-learn's oob_score_),
// or NaN when there is none.
func (f *Forest) OOBScore() float64 { return f.oobScore }

// OOBRMSE is the root mean squared error of the out-of-bag predictions over
// the same rows as OOBScore.
func (f *Forest) OOBRMSE() float64 { return f.oobRMSE }

// OOBRows is the number of training rows that were out of bag for at least
// one tree.
func (f *Forest) OOBRows() int { return f.oobRows }

// ImpurityImportances are the mean decrease in impurity of each feature,
// normalised to sum 1 (scikit-learn's feature_importances_), or all zero
// when no tree split at all.
func (f *Forest) ImpurityImportances() []float64 { return slices.Clone(f.importances) }

// SizeBytes is the approximate heap memory the fitted forest retains: 16
// bytes per node plus the slice headers, the importances and the
// out-of-bag predictions (8 bytes per training row).
func (f *Forest) SizeBytes() int {
	n := int(reflect.TypeFor[Forest]().Size()) + cap(f.trees)*int(reflect.TypeFor[[]node]().Size())
	for _, t := range f.trees {
		n += cap(t) * int(reflect.TypeFor[node]().Size())
	}
	return n + 8*(cap(f.importances)+cap(f.oobPred))
}
