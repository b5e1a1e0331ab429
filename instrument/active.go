package instrument

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// activeGauge is http_server_active_requests. Every request increments and decrements
// it, so a single shared counter would be one cache line that all cores fight over;
// instead each request counts in the stripe of its response writer, and the stripes
// are summed at scrape time.
type activeGauge struct {
	desc    *prometheus.Desc
	stripes []activeStripe
}

// activeStripe is padded to two cache lines so that neighbouring stripes never share
// one (adjacent-line prefetching pairs lines on x86).
type activeStripe struct {
	n [numMethods]atomic.Int64
	_ [128 - (numMethods*8)%128]byte
}

func newActiveGauge(desc *prometheus.Desc, stripes int) *activeGauge {
	return &activeGauge{desc: desc, stripes: make([]activeStripe, stripes)}
}

func (g *activeGauge) inc(stripe uint32, m methodIndex) { g.stripes[stripe].n[m].Add(1) }

func (g *activeGauge) dec(stripe uint32, m methodIndex) { g.stripes[stripe].n[m].Add(-1) }

func (g *activeGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *activeGauge) Collect(ch chan<- prometheus.Metric) {
	for m := methodIndex(0); m < numMethods; m++ {
		var sum int64
		for i := range g.stripes {
			sum += g.stripes[i].n[m].Load()
		}
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(sum), methodNames[m])
	}
}
