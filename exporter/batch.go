package exporter

import (
	"fmt"
	"slices"
	"strings"
)

type sample struct {
	desc   *Desc
	value  float64
	lo, hi int32 // label values are Batch.labels[lo:hi]
}

// Batch accumulates the samples of one scrape. It is reused across scrapes so
// that a steady-state scrape allocates almost nothing: label values live in
// one flat slice instead of a slice per sample.
type Batch struct {
	samples []sample
	labels  []string

	// The family order of the descriptors the last scrapes used: a scrape mostly sees
	// the descriptors of the one before, so sort is a counting sort by a cached rank
	// rather than a comparison sort of about a thousand samples by family name.
	rank   map[*Desc]int32
	nrank  int
	ranks  []int32 // of samples, in sort
	counts []int32
	spare  []sample
}

// Reset empties the batch and keeps its capacity.
func (b *Batch) Reset() {
	b.samples = b.samples[:0]
	clear(b.labels) // drop string references so the GC can free them
	b.labels = b.labels[:0]
}

// Add appends one sample. The number of label values must match the
// descriptor's label names; a mismatch is a programming error and panics.
func (b *Batch) Add(d *Desc, value float64, labelValues ...string) {
	if len(labelValues) != len(d.labels) {
		panic(fmt.Sprintf("exporter: %s takes %d label values, got %d", d.name, len(d.labels), len(labelValues)))
	}
	lo := int32(len(b.labels))
	b.labels = append(b.labels, labelValues...)
	b.samples = append(b.samples, sample{desc: d, value: value, lo: lo, hi: int32(len(b.labels))})
}

// Len returns the number of samples in the batch.
func (b *Batch) Len() int { return len(b.samples) }

// sort orders samples by family name, keeping each collector's order inside a
// family, so that every family (a histogram's components included) is written
// as one contiguous block. It is a stable sort by family: a counting sort over the
// families' ranks, which are recomputed only when a descriptor appears that the
// previous scrapes did not have.
func (b *Batch) sort() {
	if !b.rankSamples() {
		b.rerank()
		b.rankSamples()
	}
	counts := slices.Grow(b.counts[:0], b.nrank+1)[:b.nrank+1]
	clear(counts)
	for _, r := range b.ranks {
		counts[r+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	out := slices.Grow(b.spare[:0], len(b.samples))[:len(b.samples)]
	for i, r := range b.ranks {
		out[counts[r]] = b.samples[i]
		counts[r]++
	}
	b.samples, b.spare, b.counts = out, b.samples, counts
	clear(b.spare) // the old order's descriptor pointers, until the next scrape
}

// rankSamples looks up every sample's family rank, and reports false when a
// descriptor has none yet.
func (b *Batch) rankSamples() bool {
	b.ranks = slices.Grow(b.ranks[:0], len(b.samples))[:len(b.samples)]
	for i := range b.samples {
		r, ok := b.rank[b.samples[i].desc]
		if !ok {
			return false
		}
		b.ranks[i] = r
	}
	return true
}

// rerank ranks the families of this batch's descriptors by name; descriptors of
// one family share a rank. Only this batch's descriptors are kept, so the table
// cannot grow with descriptors that come and go (a textfile's families).
func (b *Batch) rerank() {
	descs := make([]*Desc, 0, len(b.rank)+16)
	seen := make(map[*Desc]int32, cap(descs))
	for i := range b.samples {
		d := b.samples[i].desc
		if _, ok := seen[d]; !ok {
			seen[d] = 0
			descs = append(descs, d)
		}
	}
	slices.SortFunc(descs, func(x, y *Desc) int { return strings.Compare(x.family, y.family) })
	rank := int32(-1)
	for i, d := range descs {
		if i == 0 || d.family != descs[i-1].family {
			rank++
		}
		seen[d] = rank
	}
	b.rank, b.nrank = seen, int(rank+1)
}
