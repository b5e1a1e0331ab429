package exporter

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The counting sort by cached family rank orders every batch exactly as a stable
// comparison sort by family name does, across scrapes whose descriptors change
// (families come and go, several descriptors share a family, as a histogram's do).
func TestBatchSortMatchesStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var pool []*Desc
	for i := range 60 {
		// Few family names, so that descriptors often share one.
		family := fmt.Sprintf("node_f%02d", r.IntN(25))
		d := NewDesc(fmt.Sprintf("%s_c%d", family, i), "help", Gauge, "k")
		d.family = family
		pool = append(pool, d)
	}
	var b Batch
	for scrape := range 200 {
		b.Reset()
		// Each scrape uses a random subset of the pool, in a random order, with repeats.
		use := pool[:10+r.IntN(len(pool)-10)]
		if scrape%7 == 3 {
			use = pool[r.IntN(20):] // a scrape with other descriptors
		}
		for range r.IntN(400) {
			d := use[r.IntN(len(use))]
			b.Add(d, float64(len(b.samples)), fmt.Sprint(r.IntN(5)))
		}
		want := slices.Clone(b.samples)
		slices.SortStableFunc(want, func(x, y sample) int {
			if x.desc == y.desc {
				return 0
			}
			return strings.Compare(x.desc.family, y.desc.family)
		})
		b.sort()
		if !slices.Equal(b.samples, want) {
			t.Fatalf("scrape %d: the order differs from a stable sort by family", scrape)
		}
		if len(b.rank) > len(pool) {
			t.Fatalf("scrape %d: %d descriptors ranked, more than exist", scrape, len(b.rank))
		}
	}
}
