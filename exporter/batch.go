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
// as one contiguous block.
func (b *Batch) sort() {
	slices.SortStableFunc(b.samples, func(x, y sample) int {
		if x.desc == y.desc {
			return 0
		}
		return strings.Compare(x.desc.family, y.desc.family)
	})
}
