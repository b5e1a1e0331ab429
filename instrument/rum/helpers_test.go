package rum

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// expfmtWrite writes a family's samples as name{labels} value lines (labels sorted by
// name, le last), enough for the tests' look-ups.
func expfmtWrite(w io.Writer, mf *dto.MetricFamily) (int, error) {
	var b strings.Builder
	name := mf.GetName()
	for _, m := range mf.GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
		}
		lab := func(extra ...string) string {
			all := append(append([]string(nil), ls...), extra...)
			if len(all) == 0 {
				return ""
			}
			return "{" + strings.Join(all, ",") + "}"
		}
		f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
		switch {
		case m.Counter != nil:
			fmt.Fprintf(&b, "%s%s %s\n", name, lab(), f(m.GetCounter().GetValue()))
		case m.Histogram != nil:
			h := m.GetHistogram()
			for _, bk := range h.GetBucket() {
				fmt.Fprintf(&b, "%s_bucket%s %d\n", name, lab(fmt.Sprintf("le=%q", f(bk.GetUpperBound()))), bk.GetCumulativeCount())
			}
			fmt.Fprintf(&b, "%s_count%s %d\n", name, lab(), h.GetSampleCount())
			fmt.Fprintf(&b, "%s_sum%s %s\n", name, lab(), f(h.GetSampleSum()))
		case m.Gauge != nil:
			fmt.Fprintf(&b, "%s%s %s\n", name, lab(), f(m.GetGauge().GetValue()))
		}
	}
	return io.WriteString(w, b.String())
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

// allocCounter counts the heap allocations between start and stop.
type allocCounter struct{ before uint64 }

func (a *allocCounter) start() { a.before = mallocs() }

func (a *allocCounter) stop() uint64 { return mallocs() - a.before }

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}
