package instrumenttest

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/rum"
	"github.com/perfwatch/perfwatch/rules/rulegen"
)

// The ingest's vital histograms have the buckets, and so the thresholds, that the
// frontend rules and the Frontend dashboard compute the shares of good views with
// (rulegen.Vitals): the three are written apart and must agree.
func TestVitalBucketsMatchRules(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr, err := errtrack.New(prometheus.NewRegistry(), errtrack.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h, err := rum.New(reg, tr, rum.Config{Pages: []string{"/"}})
	if err != nil {
		t.Fatal(err)
	}
	beacon := `{"v":1,"page":"/","nav":"navigate","events":[` +
		`{"t":"vital","name":"LCP","value":1000},{"t":"vital","name":"INP","value":100},{"t":"vital","name":"CLS","value":0.01},` +
		`{"t":"vital","name":"FCP","value":900},{"t":"vital","name":"TTFB","value":100}]}`
	req := httptest.NewRequest("POST", "/rum/v1/beacon", strings.NewReader(beacon))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 204 {
		t.Fatalf("beacon answered %d %s", rec.Code, rec.Body)
	}
	fams := families(t, reg)
	for _, v := range rulegen.Vitals() {
		mf := fams[v.Metric]
		if mf == nil || len(mf.GetMetric()) == 0 {
			t.Errorf("%s: not recorded", v.Metric)
			continue
		}
		var bounds []float64
		for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
			bounds = append(bounds, b.GetUpperBound())
		}
		if !slices.Equal(bounds, v.Buckets) {
			t.Errorf("%s buckets %v, the rules' %v", v.Metric, bounds, v.Buckets)
		}
		if !slices.Contains(bounds, v.Good) || !slices.Contains(bounds, v.Poor) {
			t.Errorf("%s: thresholds %v and %v are not bucket boundaries", v.Metric, v.Good, v.Poor)
		}
	}
}
