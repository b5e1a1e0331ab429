package errtrack

import (
	"github.com/perfwatch/perfwatch/instrument/internal/register"
	"github.com/prometheus/client_golang/prometheus"
)

// GroupOther is the group label of groups beyond the bound on group labels, and
// TypeOther the error_type of types beyond theirs.
const (
	GroupOther = "other"
	TypeOther  = "other"
)

// maxInfoMessage bounds the message label of perfwatch_error_group_info, in bytes.
const maxInfoMessage = 100

type metrics struct {
	errors      *prometheus.CounterVec // perfwatch_errors_total{source, severity, error_type}
	canceled    *prometheus.CounterVec // perfwatch_errors_canceled_total{source}
	byRoute     *prometheus.CounterVec // perfwatch_errors_by_route_total{source, http_route}
	groupEvents *prometheus.CounterVec // perfwatch_error_group_events_total{source, group, severity}
	info        *prometheus.GaugeVec   // perfwatch_error_group_info{source, group, error_type, message, http_route, state}
	firstSeen   *prometheus.GaugeVec   // perfwatch_error_group_first_seen_timestamp_seconds{source, group}
	newGroups   *prometheus.CounterVec // perfwatch_error_groups_new_total{source}
	regressions *prometheus.CounterVec // perfwatch_error_regressions_total{source, group}
	evicted     prometheus.Counter
	stateWrites *prometheus.CounterVec // perfwatch_errors_state_writes_total{result}
	stateLoads  prometheus.Counter     // perfwatch_errors_state_load_failures_total
	lastWrite   prometheus.Gauge
	held        *prometheus.Desc // perfwatch_error_groups{state}, counted at scrape time
}

func newMetrics(t *Tracker, reg prometheus.Registerer) (*metrics, error) {
	cl := t.cfg.constLabels
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: cl}, labels)
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: cl}, labels)
	}
	m := &metrics{
		errors:      counter("perfwatch_errors_total", "Error events by source, severity and error type (cancellations and client disconnects excluded).", "source", "severity", "error_type"),
		canceled:    counter("perfwatch_errors_canceled_total", "Cancellations and client disconnects reported as errors: tracked at low severity, not counted as errors of the service.", "source"),
		byRoute:     counter("perfwatch_errors_by_route_total", "Error events raised while serving a request, by route template.", "source", "http_route"),
		groupEvents: counter("perfwatch_error_group_events_total", "Error events by group, for the first groups a process sees (group=\"other\" beyond the bound).", "source", "group", "severity"),
		info:        gauge("perfwatch_error_group_info", "Error groups held that have a group label: their type, normalised message, last route and state (value 1).", "source", "group", "error_type", "message", "http_route", "state"),
		firstSeen:   gauge("perfwatch_error_group_first_seen_timestamp_seconds", "When the service first saw an error group, as far as this process knows (kept in its state file).", "source", "group"),
		newGroups:   counter("perfwatch_error_groups_new_total", "Error groups seen for the first time (not in the state file or in memory).", "source"),
		regressions: counter("perfwatch_error_regressions_total", "Events of resolved error groups, which reopen them.", "source", "group"),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{Name: "perfwatch_error_groups_evicted_total", ConstLabels: cl,
			Help: "Error groups dropped, least recently seen first, to keep within the bound on groups held."}),
		stateWrites: counter("perfwatch_errors_state_writes_total", "Writes of the error tracker's state file, by result.", "result"),
		stateLoads: prometheus.NewCounter(prometheus.CounterOpts{Name: "perfwatch_errors_state_load_failures_total", ConstLabels: cl,
			Help: "State files that could not be read at start-up and were moved aside."}),
		lastWrite: prometheus.NewGauge(prometheus.GaugeOpts{Name: "perfwatch_errors_state_last_write_timestamp_seconds", ConstLabels: cl,
			Help: "When the error tracker's state file was last written successfully."}),
		held: prometheus.NewDesc("perfwatch_error_groups", "Error groups held, by state.", []string{"state"}, cl),
	}
	for _, r := range []string{"success", "failure"} {
		m.stateWrites.WithLabelValues(r)
	}
	err := register.All(reg, m.errors, m.canceled, m.byRoute, m.groupEvents, m.info, m.firstSeen, m.newGroups,
		m.regressions, m.evicted, m.stateWrites, m.stateLoads, m.lastWrite, heldCollector{t, m.held})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// heldCollector counts the groups by state when scraped.
type heldCollector struct {
	t    *Tracker
	desc *prometheus.Desc
}

func (c heldCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c heldCollector) Collect(ch chan<- prometheus.Metric) {
	counts := c.t.countByState()
	for _, s := range []State{StateUnresolved, StateResolved, StateIgnored} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}
