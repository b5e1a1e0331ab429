package rulegen

import (
	"fmt"
	"strings"
)

// ErrorsConfig configures the error-tracking rules (section "errors") over the
// perfwatch_error* metrics of instrument/errtrack and perfwatch-collector.
type ErrorsConfig struct {
	Selector   string   `yaml:"selector"`
	RateWindow Duration `yaml:"rate_window"`
	// HistoryWindow is how far back the rules look for a group's earliest first_seen
	// and for a counter's earlier existence, so that a restart or a replica without
	// state does not make a known group new or a known counter "just appeared".
	HistoryWindow Duration `yaml:"history_window"`
	// NewWithin: a group is new while the service first saw it less than this ago.
	NewWithin Duration `yaml:"new_within"`
	// SpikeBaselineWindow is the window before the rate window that a group's rate
	// is compared with.
	SpikeBaselineWindow Duration `yaml:"spike_baseline_window"`
	// SpikeMinRate: a group's spike alerts only above this many events per second.
	SpikeMinRate float64 `yaml:"spike_min_rate"`
	Alerts       struct {
		ErrorCritical        ThresholdAlert `yaml:"ErrorCritical"`
		ErrorGroupSpike      ThresholdAlert `yaml:"ErrorGroupSpike"`
		ErrorGroupNew        ThresholdAlert `yaml:"ErrorGroupNew"`
		ErrorGroupRegression ThresholdAlert `yaml:"ErrorGroupRegression"`
	} `yaml:"alerts"`
}

const (
	errorsTotal       = "perfwatch_errors_total"
	errorsCanceled    = "perfwatch_errors_canceled_total"
	errorsByRoute     = "perfwatch_errors_by_route_total"
	errorGroupEvents  = "perfwatch_error_group_events_total"
	errorGroupInfo    = "perfwatch_error_group_info"
	errorFirstSeen    = "perfwatch_error_group_first_seen_timestamp_seconds"
	errorRegressions  = "perfwatch_error_regressions_total"
	errorGroupsHeld   = "perfwatch_error_groups"
	errorGroupLabels  = "job, source, group"
	errorInfoLabels   = "error_type, message, http_route"
	dashboardErrors   = "perfwatch-errors"
	errorGroupOther   = `group!="other"`
	errorStateIgnored = `state="ignored"`
)

type errorsSection struct{ c *ErrorsConfig }

func (s errorsSection) name() string { return "errors" }

func (s errorsSection) validate(v *validator) {
	c := s.c
	v.positive(c.RateWindow, "errors", "rate_window")
	v.positive(c.HistoryWindow, "errors", "history_window")
	v.positive(c.NewWithin, "errors", "new_within")
	v.positive(c.SpikeBaselineWindow, "errors", "spike_baseline_window")
	v.nonNegative(c.SpikeMinRate, "errors", "spike_min_rate")
	if c.HistoryWindow > 0 && c.HistoryWindow <= c.NewWithin {
		v.add("must be longer than new_within", "errors", "history_window")
	}
	a := &c.Alerts
	v.thresholdAlert(a.ErrorCritical, false, nil, "errors", "alerts", "ErrorCritical")
	v.thresholdAlert(a.ErrorGroupSpike, true, v.positiveNumber, "errors", "alerts", "ErrorGroupSpike")
	v.thresholdAlert(a.ErrorGroupNew, false, nil, "errors", "alerts", "ErrorGroupNew")
	v.thresholdAlert(a.ErrorGroupRegression, false, nil, "errors", "alerts", "ErrorGroupRegression")
}

// errRecords are the recording-rule names of the errors section.
type errRecords struct {
	bySeverity, byType, byRoute, canceled string
	groupRate, groupBaseline, info        string
	firstSeen, critical, regressions      string
	held                                  string
}

func (s errorsSection) records() errRecords {
	w := windowName(s.c.RateWindow)
	inc := "increase" + s.c.RateWindow.String()
	return errRecords{
		bySeverity:    "job_source_severity:perfwatch_errors:" + w,
		byType:        "job_source_error_type:perfwatch_errors:" + w,
		byRoute:       "job_source_http_route:perfwatch_errors_by_route:" + w,
		canceled:      "job_source:perfwatch_errors_canceled:" + w,
		groupRate:     "job_source_group:perfwatch_error_group_events:" + w,
		groupBaseline: "job_source_group:perfwatch_error_group_events:rate" + s.c.SpikeBaselineWindow.String() + "_offset" + s.c.RateWindow.String(),
		info:          "job_source_group:" + errorGroupInfo + ":one",
		firstSeen:     "job_source_group:" + errorFirstSeen + ":min_over_time" + s.c.HistoryWindow.String(),
		critical:      "job_source_group:perfwatch_error_group_critical_events:" + inc,
		regressions:   "job_source_group:perfwatch_error_regressions:" + inc,
		held:          "job_state:perfwatch_error_groups:sum",
	}
}

// eventsIn is the number of events a counter selected by s counted in the rate
// window, per series, also for a series that appeared within the window with its
// first events already counted (a group's counter is created by its first event, and
// increase() over a single sample, or over samples that all hold that first count,
// sees nothing). A series that existed at any time in the history window before the
// rate window is not taken as new, so a scrape gap or a restart does not count its
// whole total again; series restored at 0 count nothing. Nor is a series that has
// been there since Prometheus first scraped its target within the window (as many
// samples as the target's up): a Prometheus starting afresh sees every counter for the
// first time, and must not take their totals for new events.
func (s errorsSection) eventsIn(series string) string {
	c := s.c
	return fmt.Sprintf("increase(%s[%s]) > 0\nor\n(\n  (%s > 0 unless last_over_time(%s[%s] offset %s))\n  and\n  count_over_time(%s[%s]) < on (job, instance) group_left count_over_time(%s[%s])\n)",
		series, c.RateWindow, series, series, c.HistoryWindow, c.RateWindow, series, c.RateWindow, sel("up", c.Selector), c.RateWindow)
}

func (s errorsSection) recording(*Config) []Recording {
	c := s.c
	r := s.records()
	w := "[" + c.RateWindow.String() + "]"
	rate := func(by, metric string, matchers ...string) string {
		return fmt.Sprintf("sum by (%s) (rate(%s%s))", by, sel(metric, append([]string{c.Selector}, matchers...)...), w)
	}
	events := sel(errorGroupEvents, c.Selector)
	return []Recording{
		{Record: r.bySeverity, Expr: rate("job, source, severity", errorsTotal)},
		{Record: r.byType, Expr: rate("job, source, error_type", errorsTotal)},
		{Record: r.byRoute, Expr: rate("job, source, http_route", errorsByRoute)},
		{Record: r.canceled, Expr: rate("job, source", errorsCanceled)},
		// Groups are stable across replicas: summing over instances is the service's rate.
		{Record: r.groupRate, Expr: rate(errorGroupLabels, errorGroupEvents)},
		// The rate of the baseline window just before the rate window; 0, not absent, for
		// a group too young to have one, so that its spike is a ratio of +Inf.
		{Record: r.groupBaseline, Expr: fmt.Sprintf("sum by (%s) (rate(%s[%s] offset %s))\nor\n0 * %s",
			errorGroupLabels, events, c.SpikeBaselineWindow, c.RateWindow, rate(errorGroupLabels, errorGroupEvents))},
		// One info series per group for the alerts' joins: instances may disagree on the
		// route of the last occurrence; any one of them names the group well enough.
		{Record: r.info, Expr: fmt.Sprintf("max by (%s, %s, state) (\n  topk by (%s) (1, %s)\n)",
			errorGroupLabels, errorInfoLabels, errorGroupLabels, sel(errorGroupInfo, c.Selector, errorGroupOther))},
		// When the service first saw the group: the earliest first_seen any instance
		// reported over the history window. Restored groups report their old first_seen;
		// a replica without state reports "now", but the others (or the history, when
		// every instance was replaced) still hold the earlier time.
		{Record: r.firstSeen, Expr: fmt.Sprintf("min by (%s) (min_over_time(%s[%s]))",
			errorGroupLabels, sel(errorFirstSeen, c.Selector, errorGroupOther), c.HistoryWindow)},
		{Record: r.critical, Expr: fmt.Sprintf("sum by (%s) (\n%s\n)", errorGroupLabels,
			indent(s.eventsIn(sel(errorGroupEvents, c.Selector, `severity="critical"`))))},
		{Record: r.regressions, Expr: fmt.Sprintf("sum by (%s) (\n%s\n)", errorGroupLabels,
			indent(s.eventsIn(sel(errorRegressions, c.Selector))))},
		{Record: r.held, Expr: fmt.Sprintf("sum by (job, state) (%s)", sel(errorGroupsHeld, c.Selector))},
	}
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// joined gives the alert expression's series (by job, source, group) the group's
// error_type, normalised message and route from its info, keeps the series of groups
// without info (group "other") as they are, and drops every group some instance
// holds as ignored.
func (s errorsSection) joined(expr string) string {
	r := s.records()
	return fmt.Sprintf("(\n  (\n%s\n  )\n  * on (%s) group_left (%s)\n  %s\n  or on (%s)\n  (\n%s\n  )\n)\nunless on (%s)\n%s",
		indent(indent(expr)), errorGroupLabels, errorInfoLabels, r.info, errorGroupLabels, indent(indent(expr)),
		errorGroupLabels, sel(errorGroupInfo, s.c.Selector, errorStateIgnored))
}

// errorNames is the part of a description naming the group.
const errorNames = `group {{ $labels.group }} ({{ $labels.error_type }}: "{{ $labels.message }}"){{ if $labels.http_route }} on route {{ $labels.http_route }}{{ else }} outside requests{{ end }}`

func (s errorsSection) alerts(cfg *Config) []*Alert {
	c := s.c
	r := s.records()
	win := c.RateWindow.String()
	labels := []string{"job", "source", "group"}
	return []*Alert{
		{
			Name:      "ErrorCritical",
			Enabled:   c.Alerts.ErrorCritical.Enabled,
			Summary:   "Critical error in {{ $labels.job }} ({{ $labels.source }}): {{ $labels.error_type }} in group {{ $labels.group }}.",
			Dashboard: dashboardErrors,
			Labels:    labels,
			Levels: thresholdLevels(cfg, c.Alerts.ErrorCritical, nil, func(float64) (string, string) {
				return s.joined(r.critical + " > 0"),
					fmt.Sprintf("{{ $value | humanize }} critical error events (a panic, or an error reported as critical) of %s, from {{ $labels.source }} in {{ $labels.job }}, in the last %s.", errorNames, win)
			}),
		},
		{
			Name:      "ErrorGroupSpike",
			Enabled:   c.Alerts.ErrorGroupSpike.Enabled,
			Summary:   "Error group {{ $labels.group }} of {{ $labels.job }} ({{ $labels.source }}) spikes: {{ $labels.error_type }}.",
			Dashboard: dashboardErrors,
			Labels:    labels,
			Levels: thresholdLevels(cfg, c.Alerts.ErrorGroupSpike, nil, func(t float64) (string, string) {
				return s.joined(fmt.Sprintf("(\n  %s{%s}\n  / on (%s)\n  %s\n) > %s\nand on (%s)\n%s > %s",
						r.groupRate, errorGroupOther, errorGroupLabels, r.groupBaseline, num(t), errorGroupLabels, r.groupRate, num(c.SpikeMinRate))),
					fmt.Sprintf("The events of %s, from {{ $labels.source }} in {{ $labels.job }}, ran at {{ $value | humanize }} times their rate of the %s before, over the last %s (threshold %s times, and more than %s events per second).", errorNames, c.SpikeBaselineWindow, win, num(t), num(c.SpikeMinRate))
			}),
		},
		{
			Name:      "ErrorGroupNew",
			Enabled:   c.Alerts.ErrorGroupNew.Enabled,
			Summary:   "New error group {{ $labels.group }} in {{ $labels.job }} ({{ $labels.source }}): {{ $labels.error_type }}.",
			Dashboard: dashboardErrors,
			Labels:    labels,
			Levels: thresholdLevels(cfg, c.Alerts.ErrorGroupNew, nil, func(float64) (string, string) {
				return s.joined(fmt.Sprintf("time() - %s < %s", r.firstSeen, seconds(c.NewWithin))),
					fmt.Sprintf("The service first saw %s, from {{ $labels.source }} in {{ $labels.job }}, {{ $value | humanize }}s ago: no instance reported it in the %s before (alerting for %s after the first event).", errorNames, c.HistoryWindow, c.NewWithin)
			}),
		},
		{
			Name:      "ErrorGroupRegression",
			Enabled:   c.Alerts.ErrorGroupRegression.Enabled,
			Summary:   "Resolved error group {{ $labels.group }} of {{ $labels.job }} ({{ $labels.source }}) occurs again: {{ $labels.error_type }}.",
			Dashboard: dashboardErrors,
			Labels:    labels,
			Levels: thresholdLevels(cfg, c.Alerts.ErrorGroupRegression, nil, func(float64) (string, string) {
				return s.joined(r.regressions + " > 0"),
					fmt.Sprintf("%s, from {{ $labels.source }} in {{ $labels.job }}, was resolved and occurred again ({{ $value | humanize }} regressions in the last %s).", strings.ToUpper(errorNames[:1])+errorNames[1:], win)
			}),
		},
	}
}
