package rulegen

import (
	"fmt"
)

// AnomalyConfig configures the rules over the anomaly sidecar perfwatch-anomaly
// (section "anomaly"): its anomaly scores, its latency predictions and its own health.
// The sidecar's scrape sets honor_labels, so its result gauges keep the application's
// job; its self-metrics carry the sidecar's own job.
type AnomalyConfig struct {
	// Selector holds label matchers for the result gauges (perfwatch_anomaly_score,
	// perfwatch_prediction_*), by the application's labels.
	Selector string `yaml:"selector"`
	// SidecarSelector selects the sidecar's self-metrics (its scrape job).
	SidecarSelector string `yaml:"sidecar_selector"`
	// MinR2: LatencyCapacityAtRisk only trusts routes whose latency forest has at least
	// this out-of-bag R².
	MinR2 float64 `yaml:"min_r2"`
	// MaxInferAge: AnomalyModelStale fires when the last successful inference is older.
	MaxInferAge Duration `yaml:"max_infer_age"`
	// FitsWindow is the window AnomalyFitsFailing counts fits over; it must hold
	// several of the sidecar's fit rounds.
	FitsWindow Duration `yaml:"fits_window"`
	Alerts     struct {
		AnomalySustained      ThresholdAlert `yaml:"AnomalySustained"`
		LatencyCapacityAtRisk ThresholdAlert `yaml:"LatencyCapacityAtRisk"`
		AnomalyModelStale     ThresholdAlert `yaml:"AnomalyModelStale"`
		AnomalyFitsFailing    ThresholdAlert `yaml:"AnomalyFitsFailing"`
	} `yaml:"alerts"`
}

const (
	anomalyScore      = "perfwatch_anomaly_score"
	predictionLatency = "perfwatch_prediction_latency_seconds"
	predictionR2      = "perfwatch_prediction_r2"
	anomalyLastOK     = "perfwatch_anomaly_last_success_timestamp_seconds"
	anomalyStale      = "perfwatch_anomaly_stale"
	anomalyFits       = "perfwatch_anomaly_fits_total"
	dashboardML       = "perfwatch-ml"
)

type anomalySection struct {
	c    *AnomalyConfig
	slow float64 // http.slow_request_seconds: LatencyCapacityAtRisk's bound
}

func (s anomalySection) name() string { return "anomaly" }

func (s anomalySection) validate(v *validator) {
	c := s.c
	if !(c.MinR2 <= 1) {
		v.add(fmt.Sprintf("must be at most 1, got %g", c.MinR2), "anomaly", "min_r2")
	}
	v.positive(c.MaxInferAge, "anomaly", "max_infer_age")
	v.positive(c.FitsWindow, "anomaly", "fits_window")
	a := &c.Alerts
	v.thresholdAlert(a.AnomalySustained, true, v.positiveNumber, "anomaly", "alerts", "AnomalySustained")
	v.thresholdAlert(a.LatencyCapacityAtRisk, false, nil, "anomaly", "alerts", "LatencyCapacityAtRisk")
	v.thresholdAlert(a.AnomalyModelStale, false, nil, "anomaly", "alerts", "AnomalyModelStale")
	v.thresholdAlert(a.AnomalyFitsFailing, true, v.ratio, "anomaly", "alerts", "AnomalyFitsFailing")
}

// The sidecar's gauges are alerted on as they are: it already smooths, and a
// recording rule of a gauge would only copy it.
func (s anomalySection) recording(*Config) []Recording { return nil }

// anomalySubject names what a score is about: a route, a cache, or a host (the
// host queries keep only instance; their job is the sidecar's).
const anomalySubject = `{{ if $labels.http_route }}route {{ $labels.http_route }} of {{ $labels.job }}{{ else if $labels.cache }}cache {{ $labels.cache }} of {{ $labels.job }}{{ else }}{{ $labels.instance }}{{ end }}`

func (s anomalySection) alerts(cfg *Config) []*Alert {
	c := s.c
	sidecar := func(metric string, matchers ...string) string {
		return sel(metric, append([]string{c.SidecarSelector}, matchers...)...)
	}
	const byRoute = "job, http_route"
	lastInfer := fmt.Sprintf("max by (job, instance) (%s)", sidecar(anomalyLastOK, `stage="infer"`))
	fitsWindow := "[" + c.FitsWindow.String() + "]"
	return []*Alert{
		{
			Name:      "AnomalySustained",
			Enabled:   c.Alerts.AnomalySustained.Enabled,
			Summary:   "{{ $labels.query }} of " + anomalySubject + " is anomalous.",
			Dashboard: dashboardML,
			// Every label the score series has: query and those of its input series.
			Labels: []string{"query", "job", "instance", "http_route", "cache"},
			Levels: thresholdLevels(cfg, c.Alerts.AnomalySustained, nil, func(t float64) (string, string) {
				return sel(anomalyScore, c.Selector) + " > " + num(t),
					fmt.Sprintf("The anomaly score of {{ $labels.query }} for %s is {{ $value | humanize }} (threshold %s): below 1 is normal, 1 is the edge of the band perfwatch-anomaly expects from the series' own history. route_multivariate scores the route's rate, latency, errors and database share together.", anomalySubject, num(t))
			}),
			Fixture: s.scoreFixture(),
		},
		{
			Name:      "LatencyCapacityAtRisk",
			Enabled:   c.Alerts.LatencyCapacityAtRisk.Enabled,
			Summary:   "Route {{ $labels.http_route }} of {{ $labels.job }} is predicted slow at twice the load.",
			Dashboard: dashboardML,
			Labels:    []string{"job", "http_route"},
			Levels: withThreshold(s.slow, thresholdLevels(cfg, c.Alerts.LatencyCapacityAtRisk, nil, func(float64) (string, string) {
				return fmt.Sprintf("max by (%s) (%s) > %s\nand on (%s)\nmin by (%s) (%s) >= %s",
						byRoute, sel(predictionLatency, c.Selector, `scenario="load_2x"`), num(s.slow), byRoute, byRoute, sel(predictionR2, c.Selector), num(c.MinR2)),
					fmt.Sprintf("With request rate and concurrency doubled, perfwatch-anomaly's latency forest predicts {{ $value | humanize }}s for route {{ $labels.http_route }} of {{ $labels.job }}, above the slow-request threshold of %ss (the forest's out-of-bag R² is at least %s): a traffic peak of twice today's load would make the route slow.", num(s.slow), num(c.MinR2))
			})),
			Fixture: s.capacityFixture(),
		},
		{
			Name:      "AnomalyModelStale",
			Enabled:   c.Alerts.AnomalyModelStale.Enabled,
			Summary:   "perfwatch-anomaly {{ $labels.instance }} serves stale anomaly scores and predictions.",
			Dashboard: dashboardML,
			Labels:    []string{"job", "instance"},
			Levels: thresholdLevels(cfg, c.Alerts.AnomalyModelStale, nil, func(float64) (string, string) {
				// Either way the value is the age of the last inference. A timestamp of 0
				// (no inference yet since start-up, the first fits still running) is not
				// an age; reads failing meanwhile still fire through the second branch.
				return fmt.Sprintf("time() - (%s > 0) > %s\nor\n(\n  time() - %s\n  and on (job, instance)\n  max by (job, instance) (%s) == 1\n)",
						lastInfer, seconds(c.MaxInferAge), lastInfer, sidecar(anomalyStale)),
					fmt.Sprintf("perfwatch-anomaly {{ $labels.instance }} last finished an inference {{ $value | humanizeDuration }} ago (limit %s), or its reads from Prometheus fail and it holds its last results: its scores, bands, predictions and recommendations no longer follow the services.", c.MaxInferAge)
			}),
			// The age grows with time(), which the generated fixtures cannot hold steady:
			// tests/anomaly.test.yml tests it by hand.
		},
		{
			Name:      "AnomalyFitsFailing",
			Enabled:   c.Alerts.AnomalyFitsFailing.Enabled,
			Summary:   "perfwatch-anomaly {{ $labels.instance }} fails to fit its models.",
			Dashboard: dashboardML,
			Labels:    []string{"job", "instance"},
			Levels: thresholdLevels(cfg, c.Alerts.AnomalyFitsFailing, []Duration{c.FitsWindow}, func(t float64) (string, string) {
				return fmt.Sprintf("sum by (job, instance) (rate(%s%s))\n/\nsum by (job, instance) (rate(%s%s))\n> %s",
						sidecar(anomalyFits, `result="failure"`), fitsWindow, sidecar(anomalyFits), fitsWindow, num(t)),
					fmt.Sprintf("{{ $value | humanizePercentage }} of the model fits of perfwatch-anomaly {{ $labels.instance }} (baselines, Isolation Forests, Random Forests) failed over the last %s (threshold %s): the models it scores with grow old, and new series stay in cold start.", c.FitsWindow, pct(t))
			}),
			Fixture: s.fitsFixture(),
		},
	}
}

// withThreshold gives levels whose threshold is not theirs to configure (the HTTP
// section's slow-request bound) that threshold, for the test generator.
func withThreshold(t float64, ls []AlertLevel) []AlertLevel {
	for i := range ls {
		ls[i].Threshold = t
	}
	return ls
}

// fixtureSidecar labels the fixtures' score series as the sidecar's scrape gives them:
// the application's job (honor_labels) and the sidecar's instance.
const fixtureSidecar = `job="demo", instance="localhost:9112"`

// scoreFixture makes one route's latency score v; another route's multivariate score
// stays normal.
func (s anomalySection) scoreFixture() *Fixture {
	return &Fixture{
		Series: []FixtureSeries{
			gauge(fmt.Sprintf(`%s{%s, query="latency_p95", http_route="/api/items/{id}"}`, anomalyScore, fixtureSidecar), func(v float64) float64 { return v }),
			gauge(fmt.Sprintf(`%s{%s, query="route_multivariate", http_route="/api/items"}`, anomalyScore, fixtureSidecar), func(float64) float64 { return 0.4 }),
		},
		Labels: map[string]string{"job": "demo", "instance": "localhost:9112", "query": "latency_p95", "http_route": "/api/items/{id}"},
		Clear:  0.2,
	}
}

// capacityFixture makes one route's prediction at twice the load v, with a trusted
// forest; a second route predicted far slower has an untrusted one and stays silent.
func (s anomalySection) capacityFixture() *Fixture {
	pred := func(route string) string {
		return fmt.Sprintf(`%s{%s, http_route="%s", scenario="load_2x"}`, predictionLatency, fixtureSidecar, route)
	}
	r2 := func(route string) string {
		return fmt.Sprintf(`%s{%s, http_route="%s"}`, predictionR2, fixtureSidecar, route)
	}
	good, poor := (1+s.c.MinR2)/2, s.c.MinR2-0.2
	return &Fixture{
		Series: []FixtureSeries{
			gauge(pred("/api/checkout"), func(v float64) float64 { return v }),
			gauge(r2("/api/checkout"), func(float64) float64 { return good }),
			gauge(pred("/api/guess"), func(float64) float64 { return 10 * s.slow }),
			gauge(r2("/api/guess"), func(float64) float64 { return poor }),
		},
		Labels: map[string]string{"job": "demo", "http_route": "/api/checkout"},
		Clear:  s.slow / 4,
	}
}

// fitsFixture fails share v of the sidecar's fits: its Random Forests fail that share
// of theirs, its baselines and Isolation Forests succeed as often in all.
func (s anomalySection) fitsFixture() *Fixture {
	const self = `job="perfwatch-anomaly", instance="localhost:9112"`
	fits := func(model, result string) string {
		return fmt.Sprintf(`%s{%s, model="%s", result="%s"}`, anomalyFits, self, model, result)
	}
	const perMinute = 60
	return &Fixture{
		Series: []FixtureSeries{
			counter(fits("rforest", "failure"), func(v float64) float64 { return v * perMinute }),
			counter(fits("rforest", "success"), func(v float64) float64 { return (1 - v) * perMinute / 2 }),
			counter(fits("baseline", "success"), func(v float64) float64 { return (1 - v) * perMinute / 2 }),
		},
		Labels: map[string]string{"job": "perfwatch-anomaly", "instance": "localhost:9112"},
	}
}
