package rforest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The binary encoding, all integers little-endian:
//
//	magic "PWRF", version byte (1)
//	dim u32, trees u32, train rows u32, OOB rows u32
//	OOB R² f64, OOB RMSE f64, dim importances f64
//	per tree: nodes u32, then per node a feature i32: −1 for a leaf,
//	followed by its value f64; otherwise left u32 and threshold f64.
//
// The out-of-bag predictions are not encoded.
const (
	magic         = "PWRF"
	formatVersion = 1
	headerSize    = len(magic) + 1 + 4*4 + 2*8
	minLeafSize   = 4 + 8 // the smallest encoded node
	minTreeSize   = 4 + minLeafSize
)

var errTruncated = errors.New("truncated")

// MarshalBinary encodes the forest in a compact versioned format
// (encoding.BinaryMarshaler): 12 bytes per leaf and 16 per internal node.
func (f *Forest) MarshalBinary() ([]byte, error) {
	if f == nil || len(f.trees) == 0 {
		return nil, errors.New("encode forest: empty forest")
	}
	size := headerSize + 8*f.dim
	for _, t := range f.trees {
		size += 4 + 16*len(t)
	}
	b := make([]byte, 0, size)
	b = append(b, magic...)
	b = append(b, formatVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(f.dim))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.trees)))
	b = binary.LittleEndian.AppendUint32(b, uint32(f.trainRows))
	b = binary.LittleEndian.AppendUint32(b, uint32(f.oobRows))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.oobScore))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.oobRMSE))
	for _, v := range f.importances {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	for _, t := range f.trees {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(t)))
		for _, nd := range t {
			b = binary.LittleEndian.AppendUint32(b, uint32(nd.feature))
			if nd.feature >= 0 {
				b = binary.LittleEndian.AppendUint32(b, uint32(nd.left))
			}
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(nd.value))
		}
	}
	return b, nil
}

// reader consumes little-endian fields, remembering the first shortfall.
type reader struct {
	b   []byte
	err error
}

func (r *reader) u32() uint32 {
	if len(r.b) < 4 {
		r.err = errTruncated
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) f64() float64 {
	if len(r.b) < 8 {
		r.err = errTruncated
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// UnmarshalBinary decodes a forest written by MarshalBinary
// (encoding.BinaryUnmarshaler), replacing f's contents. It checks every
// count against the length of data before allocating, and every node
// index and feature, so that any input yields an error or a forest that
// predicts without fault.
func (f *Forest) UnmarshalBinary(data []byte) error {
	g, err := decode(data)
	if err != nil {
		return fmt.Errorf("decode forest: %w", err)
	}
	*f = *g
	return nil
}

func decode(data []byte) (*Forest, error) {
	if len(data) < headerSize || string(data[:len(magic)]) != magic {
		return nil, errors.New("not a forest encoding (bad magic or too short)")
	}
	if v := data[len(magic)]; v != formatVersion {
		return nil, fmt.Errorf("unsupported version %d (want %d)", v, formatVersion)
	}
	r := &reader{b: data[len(magic)+1:]}
	dim, numTrees := int(r.u32()), int(r.u32())
	trainRows, oobRows := int(r.u32()), int(r.u32())
	oobScore, oobRMSE := r.f64(), r.f64()
	switch {
	case dim < 1 || dim > MaxFeatures:
		return nil, fmt.Errorf("dim %d outside [1, %d]", dim, MaxFeatures)
	case numTrees < 1 || numTrees > MaxTrees:
		return nil, fmt.Errorf("%d trees outside [1, %d]", numTrees, MaxTrees)
	case trainRows < 1 || trainRows > MaxRows:
		return nil, fmt.Errorf("%d training rows outside [1, %d]", trainRows, MaxRows)
	case oobRows > trainRows:
		return nil, fmt.Errorf("%d out-of-bag rows > %d training rows", oobRows, trainRows)
	case len(r.b) < 8*dim+numTrees*minTreeSize:
		return nil, fmt.Errorf("%d bytes left, too few for %d importances and %d trees", len(r.b), dim, numTrees)
	case oobRows > 0 && !(finite(oobRMSE) && oobRMSE >= 0 && oobScore <= 1):
		return nil, fmt.Errorf("out-of-bag R² %v, RMSE %v", oobScore, oobRMSE)
	}
	f := &Forest{
		dim: dim, trainRows: trainRows, oobRows: oobRows,
		oobScore: oobScore, oobRMSE: oobRMSE,
		importances: make([]float64, dim),
		trees:       make([][]node, numTrees),
	}
	for j := range f.importances {
		v := r.f64()
		if !finite(v) || v < 0 || v > 1 {
			return nil, fmt.Errorf("importance %d is %v, outside [0, 1]", j, v)
		}
		f.importances[j] = v
	}
	// A tree fitted on trainRows rows has at most one leaf per row.
	maxNodes := 2*trainRows - 1
	for t := range f.trees {
		count := int(r.u32())
		if r.err != nil {
			return nil, fmt.Errorf("tree %d: %w", t, r.err)
		}
		if count < 1 || count > maxNodes {
			return nil, fmt.Errorf("tree %d: %d nodes outside [1, %d]", t, count, maxNodes)
		}
		// The trees after this one need at least minTreeSize bytes each.
		if rest := numTrees - 1 - t; count > (len(r.b)-rest*minTreeSize)/minLeafSize {
			return nil, fmt.Errorf("tree %d: %d nodes in %d bytes: %w", t, count, len(r.b), errTruncated)
		}
		nodes, err := decodeTree(r, count, dim)
		if err != nil {
			return nil, fmt.Errorf("tree %d: %w", t, err)
		}
		f.trees[t] = nodes
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return f, nil
}

// decodeTree reads count nodes and checks that they form one binary tree
// rooted at 0: every internal node's children come after it and are the
// children of no other node, so every descent ends at a leaf.
func decodeTree(r *reader, count, dim int) ([]node, error) {
	nodes := make([]node, count)
	referenced := make([]bool, count)
	for i := range nodes {
		feature := int32(r.u32())
		nd := node{feature: feature}
		switch {
		case feature == -1:
		case feature < 0 || int(feature) >= dim:
			return nil, fmt.Errorf("node %d: feature %d outside [0, %d)", i, feature, dim)
		default:
			left := r.u32()
			if r.err != nil {
				return nil, fmt.Errorf("node %d: %w", i, r.err)
			}
			if int(left) <= i || int(left) >= count-1 {
				return nil, fmt.Errorf("node %d: children %d, %d outside (%d, %d)", i, left, left+1, i, count)
			}
			nd.left = int32(left)
			if referenced[left] || referenced[left+1] {
				return nil, fmt.Errorf("node %d: children %d, %d already have a parent", i, left, left+1)
			}
			referenced[left], referenced[left+1] = true, true
		}
		nd.value = r.f64()
		if r.err != nil {
			return nil, fmt.Errorf("node %d: %w", i, r.err)
		}
		if !finite(nd.value) {
			return nil, fmt.Errorf("node %d: value %v", i, nd.value)
		}
		nodes[i] = nd
	}
	for i := 1; i < count; i++ {
		if !referenced[i] {
			return nil, fmt.Errorf("node %d has no parent", i)
		}
	}
	return nodes, nil
}
