package rulegen

import (
	"fmt"
	"slices"
	"strings"
)

// FrontendConfig configures the browser (real user monitoring) rules (section
// "frontend") over the metrics of instrument/rum and perfwatch-collector's beacon
// ingest (docs/rum.md): web vitals histograms by page, page views, beacons, and the
// browser's JavaScript errors in perfwatch_errors_total{source="browser"}.
type FrontendConfig struct {
	Selector   string   `yaml:"selector"`
	RateWindow Duration `yaml:"rate_window"`
	// Quantile of each vital recorded per job and page and alerted on (Google's
	// Core Web Vitals are assessed at the 75th percentile).
	Quantile float64 `yaml:"quantile"`
	// MinViewRate: a page's vital alerts stay silent while fewer page views per
	// second than this reported the vital.
	MinViewRate float64 `yaml:"min_view_rate"`
	// ErrorBaselineWindow is the window before the rate window that the browser error
	// rate is compared with; ErrorMinRate the errors per second below which the spike
	// alert stays silent.
	ErrorBaselineWindow Duration `yaml:"error_baseline_window"`
	ErrorMinRate        float64  `yaml:"error_min_rate"`
	// MinBeaconRate: the rejection alert stays silent while fewer beacons per second
	// than this (accepted and rejected) arrive.
	MinBeaconRate float64 `yaml:"min_beacon_rate"`
	Alerts        struct {
		WebVitalLCPSlow         ThresholdAlert `yaml:"WebVitalLCPSlow"`
		WebVitalINPSlow         ThresholdAlert `yaml:"WebVitalINPSlow"`
		WebVitalCLSHigh         ThresholdAlert `yaml:"WebVitalCLSHigh"`
		BrowserErrorSpike       ThresholdAlert `yaml:"BrowserErrorSpike"`
		RUMBeaconRejectionsHigh ThresholdAlert `yaml:"RUMBeaconRejectionsHigh"`
	} `yaml:"alerts"`
}

const (
	pageViews         = "perfwatch_browser_page_views_total"
	rumBeacons        = "perfwatch_rum_beacons_total"
	rumRejected       = "perfwatch_rum_beacons_rejected_total"
	rumDropped        = "perfwatch_rum_events_dropped_total"
	browserSource     = `source="browser"`
	dashboardFrontend = "perfwatch-frontend"
)

// Vital is one web vital as instrument/rum records it (docs/rum.md, "Metrics"): its
// histogram, its buckets, and Google's good and poor thresholds, both bucket
// boundaries so that the shares of good, needs-improvement and poor views are exact.
type Vital struct {
	Key, Name, Metric string
	Unit              string // "s", or "" for CLS
	Buckets           []float64
	Good, Poor        float64
}

// Vitals returns the vitals in the order the rules and the Frontend dashboard show
// them, with the ingest's buckets (docs/rum.md) and Google's thresholds.
func Vitals() []Vital {
	return []Vital{
		{"lcp", "LCP", "perfwatch_web_vitals_lcp_seconds", "s", []float64{0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8, 10, 20, 60}, 2.5, 4},
		{"inp", "INP", "perfwatch_web_vitals_inp_seconds", "s", []float64{0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, 5}, 0.2, 0.5},
		{"cls", "CLS", "perfwatch_web_vitals_cls", "", []float64{0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2}, 0.1, 0.25},
		{"fcp", "FCP", "perfwatch_web_vitals_fcp_seconds", "s", []float64{0.5, 1, 1.5, 1.8, 2.4, 3, 4, 6, 10, 20}, 1.8, 3},
		{"ttfb", "TTFB", "perfwatch_web_vitals_ttfb_seconds", "s", []float64{0.1, 0.2, 0.4, 0.6, 0.8, 1.2, 1.8, 2.5, 5, 10}, 0.8, 1.8},
	}
}

func vital(key string) Vital {
	for _, v := range Vitals() {
		if v.Key == key {
			return v
		}
	}
	panic("unknown vital " + key)
}

// The values of the rating label of the share recording rules.
const (
	RatingGood             = "good"
	RatingNeedsImprovement = "needs_improvement"
	RatingPoor             = "poor"
)

type frontendSection struct{ c *FrontendConfig }

func (s frontendSection) name() string { return "frontend" }

func (s frontendSection) validate(v *validator) {
	c := s.c
	v.positive(c.RateWindow, "frontend", "rate_window")
	v.ratio(c.Quantile, "frontend", "quantile")
	v.nonNegative(c.MinViewRate, "frontend", "min_view_rate")
	v.positive(c.ErrorBaselineWindow, "frontend", "error_baseline_window")
	v.nonNegative(c.ErrorMinRate, "frontend", "error_min_rate")
	v.nonNegative(c.MinBeaconRate, "frontend", "min_beacon_rate")
	a := &c.Alerts
	v.thresholdAlert(a.WebVitalLCPSlow, true, v.positiveNumber, "frontend", "alerts", "WebVitalLCPSlow")
	v.thresholdAlert(a.WebVitalINPSlow, true, v.positiveNumber, "frontend", "alerts", "WebVitalINPSlow")
	v.thresholdAlert(a.WebVitalCLSHigh, true, v.positiveNumber, "frontend", "alerts", "WebVitalCLSHigh")
	v.thresholdAlert(a.BrowserErrorSpike, true, v.positiveNumber, "frontend", "alerts", "BrowserErrorSpike")
	v.thresholdAlert(a.RUMBeaconRejectionsHigh, true, v.ratio, "frontend", "alerts", "RUMBeaconRejectionsHigh")
	// A vital's quantile must lie within its finite buckets to be alerted on.
	for key, a := range map[string]ThresholdAlert{"WebVitalLCPSlow": a.WebVitalLCPSlow, "WebVitalINPSlow": a.WebVitalINPSlow, "WebVitalCLSHigh": a.WebVitalCLSHigh} {
		vt := vital(strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(key, "WebVital"), "Slow"), "High")))
		for sev, l := range a.Levels {
			if l.Threshold != nil && *l.Threshold >= vt.Buckets[len(vt.Buckets)-1] {
				v.add(fmt.Sprintf("must be below the histogram's last bucket %s", num(vt.Buckets[len(vt.Buckets)-1])), "frontend", "alerts", key, "levels", string(sev), "threshold")
			}
		}
	}
}

// vitalRecords are the recording-rule names of one vital.
type vitalRecords struct{ bucket, count, quantile, share string }

func (s frontendSection) vitalRecords(v Vital) vitalRecords {
	w := windowName(s.c.RateWindow)
	return vitalRecords{
		bucket:   "job_page_le:" + v.Metric + "_bucket:" + w,
		count:    "job_page:" + v.Metric + "_count:" + w,
		quantile: "job_page:" + v.Metric + ":" + quantileName(s.c.Quantile) + "_" + w,
		share:    "job_page_rating:" + v.Metric + ":ratio_" + w,
	}
}

// feRecords are the other recording-rule names of the section.
type feRecords struct {
	pageViews, errors, errorBaseline, errorsByType string
	beacons, rejected, rejectedByReason, received  string
	rejectedRatio, dropped                         string
}

func (s frontendSection) records() feRecords {
	w := windowName(s.c.RateWindow)
	return feRecords{
		pageViews:        "job_page:perfwatch_browser_page_views:" + w,
		errors:           "job_source:perfwatch_browser_errors:" + w,
		errorBaseline:    "job_source:perfwatch_browser_errors:rate" + s.c.ErrorBaselineWindow.String() + "_offset" + s.c.RateWindow.String(),
		errorsByType:     "job_error_type:perfwatch_browser_errors:" + w,
		beacons:          "job:perfwatch_rum_beacons:" + w,
		rejected:         "job:perfwatch_rum_beacons_rejected:" + w,
		rejectedByReason: "job_reason:perfwatch_rum_beacons_rejected:" + w,
		received:         "job:perfwatch_rum_beacons_received:" + w,
		rejectedRatio:    "job:perfwatch_rum_beacons_rejected:ratio_" + w,
		dropped:          "job_reason:perfwatch_rum_events_dropped:" + w,
	}
}

func (s frontendSection) recording(*Config) []Recording {
	c := s.c
	w := "[" + c.RateWindow.String() + "]"
	rate := func(by, metric string, matchers ...string) string {
		return fmt.Sprintf("sum by (%s) (rate(%s%s))", by, sel(metric, append([]string{c.Selector}, matchers...)...), w)
	}
	var rs []Recording
	for _, v := range Vitals() {
		r := s.vitalRecords(v)
		at := func(le float64) string { return fmt.Sprintf("sum without (le) (%s{%s})", r.bucket, leMatcher(le)) }
		// Pages with no view in the window have no share rather than NaN.
		count := "(" + r.count + " > 0)"
		rs = append(rs,
			Recording{Record: r.bucket, Expr: rate("job, page, le", v.Metric+"_bucket")},
			Recording{Record: r.count, Expr: rate("job, page", v.Metric+"_count")},
			Recording{Record: r.quantile, Expr: fmt.Sprintf("histogram_quantile(%s, %s)", num(c.Quantile), r.bucket)},
			Recording{Record: r.share, Labels: map[string]string{"rating": RatingGood},
				Expr: fmt.Sprintf("%s\n/\n%s", at(v.Good), count)},
			Recording{Record: r.share, Labels: map[string]string{"rating": RatingNeedsImprovement},
				Expr: fmt.Sprintf("(%s - %s)\n/\n%s", at(v.Poor), at(v.Good), count)},
			Recording{Record: r.share, Labels: map[string]string{"rating": RatingPoor},
				Expr: fmt.Sprintf("(%s - %s)\n/\n%s", r.count, at(v.Poor), count)},
		)
	}
	r := s.records()
	rs = append(rs,
		Recording{Record: r.pageViews, Expr: rate("job, page", pageViews)},
		Recording{Record: r.errors, Expr: rate("job, source", errorsTotal, browserSource)},
		// The rate of the baseline window just before the rate window; 0, not absent,
		// for a job with no errors before, so that its spike is a ratio of +Inf.
		Recording{Record: r.errorBaseline, Expr: fmt.Sprintf("sum by (job, source) (rate(%s[%s] offset %s))\nor\n0 * %s",
			sel(errorsTotal, c.Selector, browserSource), c.ErrorBaselineWindow, c.RateWindow, r.errors)},
		Recording{Record: r.errorsByType, Expr: rate("job, error_type", errorsTotal, browserSource)},
		Recording{Record: r.beacons, Expr: rate("job", rumBeacons)},
		Recording{Record: r.rejected, Expr: rate("job", rumRejected)},
		Recording{Record: r.rejectedByReason, Expr: rate("job, reason", rumRejected)},
		// Rejected counters appear with the first rejection: a job without any has
		// all its beacons accepted.
		Recording{Record: r.received, Expr: fmt.Sprintf("%s + %s\nor\n%s\nor\n%s", r.beacons, r.rejected, r.beacons, r.rejected)},
		Recording{Record: r.rejectedRatio, Expr: fmt.Sprintf("%s\n/\n(%s > 0)", r.rejected, r.received)},
		Recording{Record: r.dropped, Expr: rate("job, reason", rumDropped)},
	)
	return rs
}

func (s frontendSection) alerts(cfg *Config) []*Alert {
	c := s.c
	r := s.records()
	win := c.RateWindow.String()
	windows := []Duration{c.RateWindow}
	q := quantileName(c.Quantile)
	vitalAlert := func(name, key, adjective string, a ThresholdAlert) *Alert {
		v := vital(key)
		vr := s.vitalRecords(v)
		unit := v.Unit
		value := "{{ $value | humanize }}" + unit
		return &Alert{
			Name:      name,
			Enabled:   a.Enabled,
			Summary:   fmt.Sprintf("%s of page {{ $labels.page }} of {{ $labels.job }} is %s: %s %s.", v.Name, adjective, q, v.Name),
			Dashboard: dashboardFrontend,
			Labels:    []string{"job", "page"},
			Levels: thresholdLevels(cfg, a, windows, func(t float64) (string, string) {
				return minRate(vr.quantile+" > "+num(t), "job, page", vr.count, c.MinViewRate),
					fmt.Sprintf("The %s of %s on page {{ $labels.page }} of {{ $labels.job }} was %s over the last %s, from real users' browsers (threshold %s%s; Google rates above %s%s poor, up to %s%s good).",
						q, v.Name, value, win, num(t), unit, num(v.Poor), unit, num(v.Good), unit)
			}),
			Fixture: s.vitalFixture(v, a),
		}
	}
	return []*Alert{
		vitalAlert("WebVitalLCPSlow", "lcp", "slow", c.Alerts.WebVitalLCPSlow),
		vitalAlert("WebVitalINPSlow", "inp", "slow", c.Alerts.WebVitalINPSlow),
		vitalAlert("WebVitalCLSHigh", "cls", "high", c.Alerts.WebVitalCLSHigh),
		{
			Name:      "BrowserErrorSpike",
			Enabled:   c.Alerts.BrowserErrorSpike.Enabled,
			Summary:   "JavaScript errors of {{ $labels.job }} spike in the browsers.",
			Dashboard: dashboardFrontend,
			Labels:    []string{"job", "source"},
			Levels: thresholdLevels(cfg, c.Alerts.BrowserErrorSpike, nil, func(t float64) (string, string) {
				return fmt.Sprintf("(\n  %s\n  / on (job, source)\n  %s\n) > %s\nand on (job, source)\n%s > %s",
						r.errors, r.errorBaseline, num(t), r.errors, num(c.ErrorMinRate)),
					fmt.Sprintf("The browsers' JavaScript errors of {{ $labels.job }} ran at {{ $value | humanize }} times their rate of the %s before, over the last %s (threshold %s times, and more than %s errors per second).", c.ErrorBaselineWindow, win, num(t), num(c.ErrorMinRate))
			}),
		},
		{
			Name:      "RUMBeaconRejectionsHigh",
			Enabled:   c.Alerts.RUMBeaconRejectionsHigh.Enabled,
			Summary:   "The beacon ingest of {{ $labels.job }} rejects many browser beacons.",
			Dashboard: dashboardFrontend,
			Labels:    []string{"job"},
			Levels: thresholdLevels(cfg, c.Alerts.RUMBeaconRejectionsHigh, windows, func(t float64) (string, string) {
				return minRate(r.rejectedRatio+" > "+num(t), "job", r.received, c.MinBeaconRate),
					fmt.Sprintf("{{ $value | humanizePercentage }} of the browser beacons sent to {{ $labels.job }} were rejected over the last %s (threshold %s): their signals are lost.", win, pct(t))
			}),
			Fixture: s.rejectionsFixture(),
		},
	}
}

// fixtureRUM labels the fixtures' ingest series.
const fixtureRUM = `job="shop", instance="shop:8080"`

// vitalFixture makes the quantile of one page's vital v; a second page's views are
// all beyond the last bucket but fewer than min_view_rate.
func (s frontendSection) vitalFixture(v Vital, a ThresholdAlert) *Fixture {
	bounds := v.Buckets
	q := s.c.Quantile
	bucket := func(page, le string) string {
		return fmt.Sprintf(`%s_bucket{%s, page="%s", le="%s"}`, v.Metric, fixtureRUM, page, le)
	}
	countOf := func(page string) string { return fmt.Sprintf(`%s_count{%s, page="%s"}`, v.Metric, fixtureRUM, page) }
	const views = 600 // per minute
	var series []FixtureSeries
	for i, b := range bounds {
		series = append(series, counter(bucket("/items/{id}", num(b)), func(x float64) float64 {
			return quantileBuckets(bounds, q, x, views)[i]
		}))
	}
	rare := s.c.MinViewRate * 60 / 2
	last := bounds[len(bounds)-1]
	series = append(series,
		counter(bucket("/items/{id}", "+Inf"), func(float64) float64 { return views }),
		counter(countOf("/items/{id}"), func(float64) float64 { return views }),
		counter(bucket("/rare", num(last)), func(float64) float64 { return 0 }),
		counter(bucket("/rare", "+Inf"), func(float64) float64 { return rare }),
		counter(countOf("/rare"), func(float64) float64 { return rare }),
	)
	lowest := v.Good
	for _, l := range a.Levels {
		if l.Threshold != nil {
			lowest = min(lowest, *l.Threshold)
		}
	}
	// A value within the buckets, below every threshold.
	i, _ := slices.BinarySearch(bounds, lowest/2)
	clear := bounds[max(i, 1)]
	if clear >= lowest {
		clear = (bounds[0] + lowest) / 2
	}
	return &Fixture{
		Series: series,
		Labels: map[string]string{"job": "shop", "page": "/items/{id}"},
		Clear:  clear,
	}
}

// rejectionsFixture has share v of one job's beacons rejected, half as too large and
// half rate-limited; a second job rejects every beacon but receives fewer than
// min_beacon_rate.
func (s frontendSection) rejectionsFixture() *Fixture {
	const beacons = 600 // per minute
	rare := s.c.MinBeaconRate * 60 / 2
	return &Fixture{
		Series: []FixtureSeries{
			counter(fmt.Sprintf(`%s{%s}`, rumBeacons, fixtureRUM), func(v float64) float64 { return (1 - v) * beacons }),
			counter(fmt.Sprintf(`%s{%s, reason="too_large"}`, rumRejected, fixtureRUM), func(v float64) float64 { return v * beacons / 2 }),
			counter(fmt.Sprintf(`%s{%s, reason="rate_limited"}`, rumRejected, fixtureRUM), func(v float64) float64 { return v * beacons / 2 }),
			counter(`perfwatch_rum_beacons_total{job="blog", instance="blog:8080"}`, func(float64) float64 { return 0 }),
			counter(`perfwatch_rum_beacons_rejected_total{job="blog", instance="blog:8080", reason="rate_limited"}`, func(float64) float64 { return rare }),
		},
		Labels: map[string]string{"job": "shop"},
		Clear:  0,
	}
}
