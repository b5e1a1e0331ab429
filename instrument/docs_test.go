package instrument_test

import (
	"net/http"
	"sort"
	"testing"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/internal/metricsdoc"
)

// TestMetricsDocumented keeps docs/metrics.md and the middleware's metrics in step.
func TestMetricsDocumented(t *testing.T) {
	documented, err := metricsdoc.Section(metricsdoc.Path(), "HTTP server (`instrument`)")
	if err != nil {
		t.Fatal(err)
	}
	// Every option that adds metrics is on, so everything the package can emit shows.
	m, reg := newMiddleware(t, instrument.WithBodySizes(true), instrument.WithScope())
	serve(m.Handler(http.NotFoundHandler()), "GET", "/")
	types := map[string]string{"HISTOGRAM": "histogram", "GAUGE": "gauge", "COUNTER": "counter"}
	var registered []string
	for name, mf := range families(t, reg) {
		registered = append(registered, name)
		row, ok := documented[name]
		if !ok {
			t.Errorf("%s is registered but missing from docs/metrics.md", name)
			continue
		}
		if row.Type != types[mf.GetType().String()] {
			t.Errorf("%s: documented as %s, registered as %s", name, row.Type, mf.GetType())
		}
	}
	sort.Strings(registered)
	for name := range documented {
		if i := sort.SearchStrings(registered, name); i == len(registered) || registered[i] != name {
			t.Errorf("%s is documented but never registered", name)
		}
	}
}
