package instrument

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// stripedHistogram is a classic Prometheus histogram split into stripes, one per
// writer in practice: concurrent requests add to different cache lines, so throughput
// grows with cores instead of queueing on one counter as client_golang's histogram
// does. Stripes are summed when Prometheus scrapes.
type stripedHistogram struct {
	upper  []float64       // bucket upper bounds, +Inf excluded; shared, read-only
	stride int             // words per stripe: buckets, +Inf, sum, padding
	words  []atomic.Uint64 // stripe i is words[i*stride : (i+1)*stride]
	// exemplars holds the latest exemplar of each bucket when exemplars are on.
	exemplars []atomic.Pointer[prometheus.Exemplar]
}

func newStripedHistogram(upper []float64, stripes int, exemplars bool) *stripedHistogram {
	// len(upper)+1 counts and the sum, rounded up to whole 64-byte lines so that no two
	// stripes share a line.
	stride := (len(upper) + 2 + 7) &^ 7
	h := &stripedHistogram{upper: upper, stride: stride, words: make([]atomic.Uint64, stripes*stride)}
	if exemplars {
		h.exemplars = make([]atomic.Pointer[prometheus.Exemplar], len(upper)+1)
	}
	return h
}

// bucket returns the index of the first bucket whose upper bound is at least v.
func (h *stripedHistogram) bucket(v float64) int {
	// A linear scan beats binary search for the 10 to 20 boundaries a histogram has.
	for i, u := range h.upper {
		if v <= u {
			return i
		}
	}
	return len(h.upper)
}

func (h *stripedHistogram) observe(stripe uint32, v float64) {
	row := int(stripe) * h.stride
	h.words[row+h.bucket(v)].Add(1)
	sum := &h.words[row+len(h.upper)+1]
	for {
		old := sum.Load()
		if sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (h *stripedHistogram) observeWithExemplar(stripe uint32, v float64, traceID string) {
	h.observe(stripe, v)
	// The middleware passes only ids that exemplarTraceID accepted.
	if h.exemplars != nil {
		h.exemplars[h.bucket(v)].Store(&prometheus.Exemplar{
			Value: v, Labels: prometheus.Labels{"trace_id": traceID}, Timestamp: time.Now(),
		})
	}
}

// metric sums the stripes into a constant histogram with the given label values.
func (h *stripedHistogram) metric(desc *prometheus.Desc, lvs ...string) prometheus.Metric {
	counts := make([]uint64, len(h.upper)+1)
	var sum float64
	for row := 0; row < len(h.words); row += h.stride {
		for i := range counts {
			counts[i] += h.words[row+i].Load()
		}
		sum += math.Float64frombits(h.words[row+len(h.upper)+1].Load())
	}
	buckets := make(map[float64]uint64, len(h.upper))
	var cum uint64
	for i, u := range h.upper {
		cum += counts[i]
		buckets[u] = cum
	}
	count := cum + counts[len(h.upper)]
	m := prometheus.MustNewConstHistogram(desc, count, sum, buckets, lvs...)
	if h.exemplars == nil {
		return m
	}
	var ex []prometheus.Exemplar
	for i := range h.exemplars {
		if e := h.exemplars[i].Load(); e != nil {
			ex = append(ex, *e)
		}
	}
	if len(ex) == 0 {
		return m
	}
	mx, err := prometheus.NewMetricWithExemplars(m, ex...)
	if err != nil {
		// Only invalid exemplar labels fail, and observeWithExemplar admits none; should
		// it happen, the counts matter more than the exemplars.
		return m
	}
	return mx
}
