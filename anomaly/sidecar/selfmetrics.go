package sidecar

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// selfMetrics are the engine's own metrics (docs/metrics.md, "Anomaly sidecar").
type selfMetrics struct {
	lastSuccess   *prometheus.GaugeVec
	stale         prometheus.Gauge
	fits          *prometheus.CounterVec
	fitDuration   *prometheus.HistogramVec
	inferDuration prometheus.Histogram
	queryErrors   *prometheus.CounterVec
	skipped       *prometheus.CounterVec
	// restoreFailures counts stored models that could not be used at start.
	restoreFailures prometheus.Counter
}

func newSelfMetrics() *selfMetrics {
	m := &selfMetrics{
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "perfwatch_anomaly_last_success_timestamp_seconds",
			Help: "When the last fit or inference that read every query without error ended.",
		}, []string{"stage"}),
		stale: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "perfwatch_anomaly_stale",
			Help: "1 while the last inference could not read every query and older results are exposed.",
		}),
		fits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_anomaly_fits_total",
			Help: "Models fitted (one per series or route), and fits that failed, by model.",
		}, []string{"model", "result"}),
		fitDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "perfwatch_anomaly_fit_duration_seconds",
			Help:    "Time to read and fit every model of one kind.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
		}, []string{"model"}),
		inferDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "perfwatch_anomaly_infer_duration_seconds",
			Help:    "Time of one inference: reads, scores, predictions and recommendations.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
		}),
		queryErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_anomaly_query_errors_total",
			Help: "Reads from Prometheus that failed after their retries, by configured query.",
		}, []string{"query"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_anomaly_series_skipped_total",
			Help: "Series or routes left unmodelled because a limit was reached, by limit.",
		}, []string{"reason"}),
		restoreFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "perfwatch_anomaly_restore_failures_total",
			Help: "Stored models not restored at start (corrupt, of another version or configuration) and refitted instead.",
		}),
	}
	for _, model := range []string{"baseline", "iforest", "rforest"} {
		for _, result := range []string{"success", "failure"} {
			m.fits.WithLabelValues(model, result)
		}
		m.fitDuration.WithLabelValues(model)
	}
	for _, r := range []string{"max_series", "max_series_per_query", "max_routes"} {
		m.skipped.WithLabelValues(r)
	}
	return m
}

func (m *selfMetrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.lastSuccess, m.stale, m.fits, m.fitDuration, m.inferDuration, m.queryErrors, m.skipped, m.restoreFailures} {
		if err := r.Register(c); err != nil {
			return fmt.Errorf("sidecar: register self-metrics: %w", err)
		}
	}
	return nil
}
