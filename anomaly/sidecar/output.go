package sidecar

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/detector"
	"github.com/perfwatch/perfwatch/anomaly/recommend"
)

// staleAfter is how many inference intervals a series may be missing from its
// query's successful reads before its gauges go.
const staleAfter = 5

// point is one univariate series' latest answer, as exposed.
type point struct {
	names  []string // label names, sorted, query included
	values []string
	res    detector.Result
}

// routeOut is one route's latest per-route answers.
type routeOut struct {
	key        routeKey
	iso        float64
	isoOK      bool
	prediction map[string]float64
	extrapol   map[string]bool
	rmse, r2   float64
	hasRF      bool
}

// snapshot is what the collector exposes and the API serves: a copy, so scrapes never
// wait for a fit.
type snapshot struct {
	at         time.Time
	points     []point
	routes     []routeOut
	importance map[string]float64
	recs       []recommend.Recommendation
	evidence   []recommend.Evidence
	counts     map[[2]string]int // model, state
}

// publish copies the models' latest answers into a new snapshot.
func (e *Engine) publish(end time.Time) {
	s := &snapshot{at: end, counts: map[[2]string]int{}}
	// A series is gone when its query has been read successfully for staleAfter
	// intervals without it; while reads fail (Prometheus down) the query's cursor
	// stands still, so the last results stay exposed however long the outage.
	gone := staleAfter * time.Duration(e.cfg.Schedule.InferEvery)
	for _, se := range e.series {
		if se.scored && se.det.State() == baseline.Ready {
			s.counts[[2]string{"baseline", "ready"}]++
		} else {
			s.counts[[2]string{"baseline", "cold_start"}]++
		}
		if !se.scored || e.cursor[se.query].Sub(se.seen) >= gone {
			continue
		}
		p := point{res: se.result}
		p.names, p.values = se.labelPairs()
		s.points = append(s.points, p)
	}
	slices.SortFunc(s.points, func(a, b point) int { return slices.Compare(a.values, b.values) })
	for k, r := range e.routes {
		o := routeOut{key: k, iso: r.isoScore, isoOK: r.isoScored && r.iso != nil, prediction: r.prediction, extrapol: r.extrapol}
		if r.rf != nil {
			o.rmse, o.r2, o.hasRF = r.rf.OOBRMSE(), r.rf.OOBScore(), true
		}
		for _, m := range []struct {
			name  string
			ready bool
			on    bool
		}{{"iforest", r.iso != nil, e.multivariateOn()}, {"rforest", r.rf != nil, e.predictionOn()}} {
			if !m.on {
				continue
			}
			state := "cold_start"
			if m.ready {
				state = "ready"
			}
			s.counts[[2]string{m.name, state}]++
		}
		s.routes = append(s.routes, o)
	}
	slices.SortFunc(s.routes, func(a, b routeOut) int { return cmpRoute(a.key, b.key) })
	s.importance = e.importances()
	s.recs, s.evidence = e.recs.list, e.recs.evidence
	e.mu.Lock()
	e.out = s
	e.mu.Unlock()
}

func (e *Engine) snapshot() *snapshot {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.out
}

// resultsCollector exposes the latest snapshot. It is unchecked (Describe sends
// nothing) because the label names of the univariate gauges are the input series'.
type resultsCollector struct{ e *Engine }

func (c *resultsCollector) Describe(chan<- *prometheus.Desc) {}

const (
	helpScore      = "Anomaly score of the series' latest point: 0 to 1 normal, above 1 anomalous (vmanomaly's convention). Labels: the input series' and query."
	helpYhat       = "Expected value of the series' latest point."
	helpYhatLower  = "Lower edge of the normal band of the series' latest point."
	helpYhatUpper  = "Upper edge of the normal band of the series' latest point."
	helpPrediction = "Predicted p95 latency of the route at the current load (scenario current) and at the scenarios' scaled load."
	helpExtrapol   = "1 when a scenario scales a load feature beyond the largest value of the fit window, where the forest repeats what it saw at the edge."
	helpError      = "Out-of-bag root mean squared error of the route's latency prediction, in seconds."
	helpR2         = "Out-of-bag R² of the route's latency prediction."
	helpImportance = "Share of the latency forests' impurity reduction due to each feature, weighted by each route's rows; sums to 1."
	helpRecs       = "1 for each recommendation in force (GET /api/v1/recommendations has the evidence and advice)."
	helpSeries     = "Series (baseline) or routes (iforest, rforest) modelled, by readiness."
)

func (c *resultsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.snapshot()
	descs := map[string][4]*prometheus.Desc{}
	for _, p := range s.points {
		key := strings.Join(p.names, ",")
		d, ok := descs[key]
		if !ok {
			d = [4]*prometheus.Desc{
				prometheus.NewDesc("perfwatch_anomaly_score", helpScore, p.names, nil),
				prometheus.NewDesc("perfwatch_anomaly_yhat", helpYhat, p.names, nil),
				prometheus.NewDesc("perfwatch_anomaly_yhat_lower", helpYhatLower, p.names, nil),
				prometheus.NewDesc("perfwatch_anomaly_yhat_upper", helpYhatUpper, p.names, nil),
			}
			descs[key] = d
		}
		for i, v := range []float64{p.res.Score, p.res.Yhat, p.res.YhatLower, p.res.YhatUpper} {
			ch <- prometheus.MustNewConstMetric(d[i], prometheus.GaugeValue, v, p.values...)
		}
	}
	scoreRoute := prometheus.NewDesc("perfwatch_anomaly_score", helpScore, []string{"http_route", "job", "query"}, nil)
	pred := prometheus.NewDesc("perfwatch_prediction_latency_seconds", helpPrediction, []string{"job", "http_route", "scenario"}, nil)
	extra := prometheus.NewDesc("perfwatch_prediction_extrapolated", helpExtrapol, []string{"job", "http_route", "scenario"}, nil)
	rmse := prometheus.NewDesc("perfwatch_prediction_error", helpError, []string{"job", "http_route"}, nil)
	r2 := prometheus.NewDesc("perfwatch_prediction_r2", helpR2, []string{"job", "http_route"}, nil)
	for _, r := range s.routes {
		if r.isoOK {
			ch <- prometheus.MustNewConstMetric(scoreRoute, prometheus.GaugeValue, r.iso, r.key.route, r.key.job, c.e.cfg.Multivariate.Name)
		}
		if r.hasRF {
			ch <- prometheus.MustNewConstMetric(rmse, prometheus.GaugeValue, r.rmse, r.key.job, r.key.route)
			ch <- prometheus.MustNewConstMetric(r2, prometheus.GaugeValue, r.r2, r.key.job, r.key.route)
		}
		for sc, v := range r.prediction {
			ch <- prometheus.MustNewConstMetric(pred, prometheus.GaugeValue, v, r.key.job, r.key.route, sc)
			ch <- prometheus.MustNewConstMetric(extra, prometheus.GaugeValue, b2f(r.extrapol[sc]), r.key.job, r.key.route, sc)
		}
	}
	imp := prometheus.NewDesc("perfwatch_prediction_feature_importance", helpImportance, []string{"feature"}, nil)
	for f, v := range s.importance {
		ch <- prometheus.MustNewConstMetric(imp, prometheus.GaugeValue, v, f)
	}
	recs := prometheus.NewDesc("perfwatch_recommendations", helpRecs, []string{"kind", "job", "http_route", "severity"}, nil)
	seen := map[[4]string]bool{}
	for _, r := range s.recs {
		k := [4]string{string(r.Kind), r.Job, r.Route, string(r.Severity)}
		if !seen[k] {
			seen[k] = true
			ch <- prometheus.MustNewConstMetric(recs, prometheus.GaugeValue, 1, k[:]...)
		}
	}
	series := prometheus.NewDesc("perfwatch_anomaly_series", helpSeries, []string{"model", "state"}, nil)
	for _, m := range []string{"baseline", "iforest", "rforest"} {
		for _, st := range []string{"ready", "cold_start"} {
			ch <- prometheus.MustNewConstMetric(series, prometheus.GaugeValue, float64(s.counts[[2]string{m, st}]), m, st)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
