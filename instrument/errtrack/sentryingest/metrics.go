package sentryingest

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Results of perfwatch_errors_ingest_items_total.
const (
	resultAccepted = "accepted"
	resultDropped  = "dropped"
)

// Reasons of perfwatch_errors_ingest_rejected_total.
const (
	reasonMethod         = "method"          // not POST (or OPTIONS)
	reasonNotFound       = "not_found"       // not /api/<id>/envelope/ or /store/
	reasonAuth           = "auth"            // no key, or a key the project does not have
	reasonUnknownProject = "unknown_project" // a project id not configured
	reasonOrigin         = "origin"          // a browser origin the project does not allow
	reasonEncoding       = "encoding"        // a Content-Encoding other than identity, gzip, deflate, or a corrupt stream
	reasonTooLarge       = "too_large"       // over a body, item or item-count limit
	reasonMalformed      = "malformed"       // bad envelope framing or JSON
)

// Reasons lists the values of the reason label of perfwatch_errors_ingest_rejected_total.
func Reasons() []string {
	return []string{reasonMethod, reasonNotFound, reasonAuth, reasonUnknownProject, reasonOrigin,
		reasonEncoding, reasonTooLarge, reasonMalformed}
}

// ItemTypes lists the values of the type label of perfwatch_errors_ingest_items_total:
// Sentry's item types, and "other" for any type not in the list.
func ItemTypes() []string {
	return []string{"event", "transaction", "span", "session", "sessions", "client_report", "attachment",
		"check_in", "profile", "profile_chunk", "replay_event", "replay_recording", "user_report",
		"feedback", "log", "statsd", "other"}
}

// typeLabel bounds an item type to ItemTypes.
func typeLabel(t string) string {
	switch t {
	case "event", "transaction", "span", "session", "sessions", "client_report", "attachment",
		"check_in", "profile", "profile_chunk", "replay_event", "replay_recording", "user_report",
		"feedback", "log", "statsd":
		return t
	}
	return "other"
}

type metrics struct {
	items    *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_errors_ingest_items_total",
			Help: "Items of the Sentry-compatible ingest's accepted requests, by item type and result: events that became error events are accepted, everything else (transactions, sessions, client reports, attachments, info and debug events, unknown types) is dropped.",
		}, []string{"type", "result"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perfwatch_errors_ingest_rejected_total",
			Help: "Requests the Sentry-compatible ingest rejected, by reason.",
		}, []string{"reason"}),
	}
	m.items.WithLabelValues("event", resultAccepted) // only events are ever accepted
	for _, t := range ItemTypes() {
		m.items.WithLabelValues(t, resultDropped)
	}
	for _, r := range Reasons() {
		m.rejected.WithLabelValues(r)
	}
	for _, c := range []prometheus.Collector{m.items, m.rejected} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register sentry ingest metrics: %w", err)
		}
	}
	return m, nil
}
