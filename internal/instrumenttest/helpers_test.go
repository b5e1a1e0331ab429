package instrumenttest

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/perfwatch/perfwatch/instrument"
)

// newMiddleware returns a Middleware on a fresh registry, failing the test on error.
func newMiddleware(t testing.TB, opts ...instrument.Option) (*instrument.Middleware, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := instrument.New(reg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// families gathers reg into a map by metric name.
func families(t testing.TB, reg prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// labelsOf renders a metric's labels as "k=v,k=v" in name order.
func labelsOf(m *dto.Metric) string { return pairs(m.GetLabel()) }

func pairs(lps []*dto.LabelPair) string {
	var parts []string
	for _, lp := range lps {
		parts = append(parts, lp.GetName()+"="+lp.GetValue())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// serve runs one request through h with an httptest recorder.
func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}
