package iforest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// EncodingVersion is the version of the format MarshalBinary writes; a model
// store can use it as the model version, so that a change of format makes
// stored forests stale rather than unreadable.
const EncodingVersion = 1

// encodingMagic starts every encoding, so that some other model's bytes are
// refused at once.
const encodingMagic = "PWIF"

// ErrInvalidEncoding is wrapped by every error of UnmarshalBinary.
var ErrInvalidEncoding = errors.New("iforest: invalid encoding")

// Bounds that UnmarshalBinary enforces beyond those the input length implies.
const (
	// maxSampleSize keeps 2ψ−1 node indices within int32.
	maxSampleSize = 1 << 30
	// minNodeBytes is the smallest encoded node: a one-byte tag and a float64.
	minNodeBytes = 1 + 8
	// minTreeBytes is the smallest encoded tree: a one-byte node count and a node.
	minTreeBytes = 1 + minNodeBytes
	// leafSlack absorbs rounding in the check depth ≤ leaf ≤ depth + c(ψ).
	leafSlack = 1e-9
)

// MarshalBinary encodes the forest (encoding.BinaryMarshaler). The format,
// little-endian throughout, is:
//
//	"PWIF"  magic
//	uint16  EncodingVersion
//	uvarint dim, sample size ψ, number of trees
//	per tree: uvarint node count, then per node in index order
//	  uvarint tag: 0 for an external node, 1+feature for an internal one
//	  float64 the threshold (internal) or the path length depth + c(size) (external)
//
// Child indices are not stored: Fit lays each tree out in a fixed order (the
// children of the nodes, visited depth first, left before right, take the
// next two free indices), so they follow from the tags, and no decoded tree
// can point outside itself. Uvarints are minimal, so every forest has exactly
// one encoding.
func (f *Forest) MarshalBinary() ([]byte, error) {
	if len(f.trees) == 0 || f.dim < 1 || f.sampleSize < 1 {
		return nil, errors.New("iforest: marshal: forest is not fitted")
	}
	size := len(encodingMagic) + 2 + 3*binary.MaxVarintLen64
	for t := range f.trees {
		size += binary.MaxVarintLen64 + len(f.trees[t].nodes)*(minNodeBytes+1)
	}
	b := make([]byte, 0, size)
	b = append(b, encodingMagic...)
	b = binary.LittleEndian.AppendUint16(b, EncodingVersion)
	b = binary.AppendUvarint(b, uint64(f.dim))
	b = binary.AppendUvarint(b, uint64(f.sampleSize))
	b = binary.AppendUvarint(b, uint64(len(f.trees)))
	for t := range f.trees {
		tr := &f.trees[t]
		// Check the layout the format relies on, so that a change in Fit
		// fails here, loudly, instead of writing forests that decode wrong.
		if err := layout(tr.nodes, func(i, left int32) bool { return tr.nodes[i].left == left }); err != nil {
			return nil, fmt.Errorf("iforest: marshal: tree %d: %w", t, err)
		}
		b = binary.AppendUvarint(b, uint64(len(tr.nodes)))
		for i, nd := range tr.nodes {
			if math.IsNaN(nd.value) {
				b = binary.AppendUvarint(b, 0)
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(tr.leaf[i]))
				continue
			}
			b = binary.AppendUvarint(b, uint64(nd.feature)+1)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(nd.value))
		}
	}
	return b, nil
}

// layout walks the tree in Fit's order and calls visit for each internal node
// i with the index its left child must have; it fails when visit does, when
// the children would lie beyond the nodes, or when some nodes are never
// reached. An external node is one whose value is NaN.
func layout(nodes []node, visit func(i, left int32) bool) error {
	n := int32(len(nodes))
	if n == 0 {
		return errors.New("no nodes")
	}
	next := int32(1)
	stack := []int32{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if math.IsNaN(nodes[i].value) {
			continue
		}
		if next > n-2 {
			return fmt.Errorf("node %d: children beyond the %d nodes", i, n)
		}
		if !visit(i, next) {
			return fmt.Errorf("node %d: left child is not %d", i, next)
		}
		stack = append(stack, next+1, next)
		next += 2
	}
	if next != n {
		return fmt.Errorf("%d of %d nodes unreachable", n-next, n)
	}
	return nil
}

// decoder reads the encoding from the front, bounds-checked.
type decoder struct {
	b   []byte
	off int
}

func (d *decoder) uvarint(what string) (uint64, error) {
	v, k := binary.Uvarint(d.b[d.off:])
	if k <= 0 {
		return 0, fmt.Errorf("%w: %s at byte %d: truncated or overlong uvarint", ErrInvalidEncoding, what, d.off)
	}
	// Refuse non-minimal forms, so that the encoding stays canonical.
	if k != max(1, (bits.Len64(v)+6)/7) {
		return 0, fmt.Errorf("%w: %s at byte %d: non-minimal uvarint", ErrInvalidEncoding, what, d.off)
	}
	d.off += k
	return v, nil
}

func (d *decoder) float(what string) (float64, error) {
	if len(d.b)-d.off < 8 {
		return 0, fmt.Errorf("%w: %s at byte %d: truncated", ErrInvalidEncoding, what, d.off)
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
	d.off += 8
	return v, nil
}

func (d *decoder) left() int { return len(d.b) - d.off }

// UnmarshalBinary decodes what MarshalBinary wrote (encoding.BinaryUnmarshaler)
// into f, replacing it only on success. It checks everything a hostile input
// could get wrong: sizes against the bytes left (so a length field cannot
// allocate more than a few times the input), feature indices against the
// dimension, thresholds and path lengths for being finite and in range, the
// tree layout and the height limit, so that scoring a decoded forest always
// ends within ceil(log2 ψ) steps per tree and stays within its slices. Errors wrap
// ErrInvalidEncoding.
func (f *Forest) UnmarshalBinary(data []byte) error {
	if len(data) < len(encodingMagic)+2 || string(data[:len(encodingMagic)]) != encodingMagic {
		return fmt.Errorf("%w: no %q magic", ErrInvalidEncoding, encodingMagic)
	}
	if v := binary.LittleEndian.Uint16(data[len(encodingMagic):]); v != EncodingVersion {
		return fmt.Errorf("%w: version %d, this build reads %d", ErrInvalidEncoding, v, EncodingVersion)
	}
	d := &decoder{b: data, off: len(encodingMagic) + 2}
	dim, err := d.uvarint("dim")
	if err != nil {
		return err
	}
	if dim < 1 || dim > math.MaxInt32 {
		return fmt.Errorf("%w: dim %d out of [1, %d]", ErrInvalidEncoding, dim, math.MaxInt32)
	}
	psi, err := d.uvarint("sample size")
	if err != nil {
		return err
	}
	if psi < 1 || psi > maxSampleSize {
		return fmt.Errorf("%w: sample size %d out of [1, %d]", ErrInvalidEncoding, psi, maxSampleSize)
	}
	numTrees, err := d.uvarint("tree count")
	if err != nil {
		return err
	}
	if numTrees < 1 || numTrees > uint64(d.left()/minTreeBytes) {
		return fmt.Errorf("%w: %d trees in %d bytes", ErrInvalidEncoding, numTrees, d.left())
	}
	// The same limits as Fit: at most 2ψ−1 nodes and depth ceil(log2 ψ).
	maxNodes := 2*psi - 1
	maxDepth := int(math.Ceil(math.Log2(float64(psi))))
	cPsi := C(int(psi))
	g := &Forest{trees: make([]tree, numTrees), dim: int(dim), sampleSize: int(psi), cPsi: cPsi}
	var depthBuf []int32 // node depths of the tree at hand, reused
	for t := range g.trees {
		count, err := d.uvarint("node count")
		if err != nil {
			return fmt.Errorf("tree %d: %w", t, err)
		}
		if count < 1 || count > maxNodes || count%2 == 0 || count > uint64(d.left()/minNodeBytes) {
			return fmt.Errorf("%w: tree %d: %d nodes (ψ = %d) in %d bytes", ErrInvalidEncoding, t, count, psi, d.left())
		}
		nodes := make([]node, count)
		leaf := make([]float64, count)
		for i := range nodes {
			tag, err := d.uvarint("node tag")
			if err != nil {
				return fmt.Errorf("tree %d node %d: %w", t, i, err)
			}
			v, err := d.float("node value")
			if err != nil {
				return fmt.Errorf("tree %d node %d: %w", t, i, err)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: tree %d node %d: value %v", ErrInvalidEncoding, t, i, v)
			}
			if tag == 0 {
				// As Fit leaves it: NaN sends every x to left+1 = i, itself.
				nodes[i] = node{value: math.NaN(), left: int32(i) - 1}
				leaf[i] = v
				continue
			}
			if tag-1 >= dim {
				return fmt.Errorf("%w: tree %d node %d: feature %d, dim %d", ErrInvalidEncoding, t, i, tag-1, dim)
			}
			nodes[i] = node{value: v, feature: int32(tag - 1)}
		}
		// Lay the tree out as Fit does, recording depths for the height
		// limit and the path-length check.
		if uint64(cap(depthBuf)) < count {
			depthBuf = make([]int32, count)
		}
		depth := depthBuf[:count]
		clear(depth)
		err = layout(nodes, func(i, left int32) bool {
			nodes[i].left = left
			depth[left] = depth[i] + 1
			depth[left+1] = depth[i] + 1
			return true
		})
		if err != nil {
			return fmt.Errorf("%w: tree %d: %v", ErrInvalidEncoding, t, err)
		}
		height := 0
		for i := range nodes {
			dp := int(depth[i])
			if dp > maxDepth {
				return fmt.Errorf("%w: tree %d node %d: depth %d beyond ceil(log2 ψ) = %d", ErrInvalidEncoding, t, i, dp, maxDepth)
			}
			height = max(height, dp)
			if math.IsNaN(nodes[i].value) {
				if l := leaf[i]; l < float64(dp) || l > float64(dp)+cPsi+leafSlack {
					return fmt.Errorf("%w: tree %d node %d: path length %v out of [%d, %d + c(ψ)]", ErrInvalidEncoding, t, i, l, dp, dp)
				}
			}
		}
		g.trees[t] = tree{nodes: nodes, leaf: leaf, height: height}
	}
	if d.left() != 0 {
		return fmt.Errorf("%w: %d bytes after the last tree", ErrInvalidEncoding, d.left())
	}
	*f = *g
	return nil
}
