package rulegen

import (
	"fmt"
	"slices"
	"strconv"
)

// SLOConfig configures the multi-window multi-burn-rate alerts (section "slo").
type SLOConfig struct {
	Selector     string       `yaml:"selector"`
	Availability SLOObjective `yaml:"availability"`
	Latency      SLOObjective `yaml:"latency"`
	BurnRates    []BurnRate   `yaml:"burn_rates"`
}

// SLOObjective is one objective: the share of good requests over 30 days.
type SLOObjective struct {
	Enabled   bool    `yaml:"enabled"`
	Objective float64 `yaml:"objective"`
}

// BurnRate is one row of the SRE workbook's table: alert when both windows consume the
// error budget at more than Factor times the rate that would exactly exhaust it.
type BurnRate struct {
	Severity    Severity `yaml:"severity"`
	Factor      float64  `yaml:"factor"`
	LongWindow  Duration `yaml:"long_window"`
	ShortWindow Duration `yaml:"short_window"`
	For         Duration `yaml:"for"`
}

type sloSection struct {
	c    *SLOConfig
	slow float64 // http.slow_request_seconds: the latency SLI's bound
}

func (s sloSection) name() string { return "slo" }

func (s sloSection) validate(v *validator) {
	v.ratio(s.c.Availability.Objective, "slo", "availability", "objective")
	v.ratio(s.c.Latency.Objective, "slo", "latency", "objective")
	if len(s.c.BurnRates) == 0 {
		v.add("at least one burn rate is required", "slo", "burn_rates")
	}
	for i, b := range s.c.BurnRates {
		p := []string{"slo", "burn_rates", strconv.Itoa(i)}
		if b.Severity.Rank() < 0 {
			v.add("unknown severity", append(p, "severity")...)
		}
		if b.Factor <= 0 {
			v.add("must be positive", append(p, "factor")...)
		}
		v.positive(b.LongWindow, append(p, "long_window")...)
		v.positive(b.ShortWindow, append(p, "short_window")...)
		if b.ShortWindow >= b.LongWindow {
			v.add("must be shorter than long_window", append(p, "short_window")...)
		}
		if b.For < 0 {
			v.add("must not be negative", append(p, "for")...)
		}
	}
}

// windows is every window the burn rates use, shortest first.
func (s sloSection) windows() []Duration {
	var ws []Duration
	for _, b := range s.c.BurnRates {
		ws = append(ws, b.ShortWindow, b.LongWindow)
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

func sliRecord(w Duration) string { return "job_slo:sli_error:ratio_" + windowName(w) }

func (s sloSection) recording(*Config) []Recording {
	var rs []Recording
	count := httpDuration + "_count"
	for _, w := range s.windows() {
		r := "[" + w.String() + "]"
		total := fmt.Sprintf("sum by (job) (rate(%s%s))", sel(count, s.c.Selector, httpNotUpgrade), r)
		if s.c.Availability.Enabled {
			rs = append(rs, Recording{
				Record: sliRecord(w),
				Expr: fmt.Sprintf("(\n  sum by (job) (rate(%s%s))\nor\n  0 * %s\n)\n/\n%s",
					sel(count, s.c.Selector, http5xx), r, total, total),
				Labels: map[string]string{"slo": "availability"},
			})
		}
		if s.c.Latency.Enabled {
			rs = append(rs, Recording{
				Record: sliRecord(w),
				// Bucket at the threshold over the +Inf bucket of the same histogram: an
				// adapted _count may come from another family (docs/backends.md).
				Expr: fmt.Sprintf("1 - (\n  sum by (job) (rate(%s%s))\n/\n  sum by (job) (rate(%s%s))\n)",
					sel(httpDuration+"_bucket", s.c.Selector, httpNotUpgrade, leMatcher(s.slow)), r,
					sel(httpDuration+"_bucket", s.c.Selector, httpNotUpgrade, `le="+Inf"`), r),
				Labels: map[string]string{"slo": "latency"},
			})
		}
	}
	return rs
}

// budget is 1 - objective without the float noise of the subtraction (0.001, not
// 0.0010000000000000009), so expressions read as written.
func budget(objective float64) float64 {
	b, _ := strconv.ParseFloat(strconv.FormatFloat(1-objective, 'g', 12, 64), 64)
	return b
}

func (s sloSection) alerts(cfg *Config) []*Alert {
	return []*Alert{
		s.alert(cfg, "HTTPAvailabilityBudgetBurn", "availability", s.c.Availability,
			"{{ $labels.job }} is burning its availability error budget.",
			"requests failing with a 5xx status"),
		s.alert(cfg, "HTTPLatencyBudgetBurn", "latency", s.c.Latency,
			"{{ $labels.job }} is burning its latency error budget.",
			fmt.Sprintf("requests slower than %ss", num(s.slow))),
	}
}

func (s sloSection) alert(cfg *Config, name, slo string, o SLOObjective, summary, bad string) *Alert {
	b := budget(o.Objective)
	a := &Alert{
		Name:      name,
		Enabled:   o.Enabled,
		Summary:   summary,
		Dashboard: dashboardOverview,
		Labels:    []string{"job", "slo"},
	}
	for _, br := range s.c.BurnRates {
		burn := func(w Duration) string {
			return fmt.Sprintf(`%s{slo="%s"} / %s > %s`, sliRecord(w), slo, num(b), num(br.Factor))
		}
		a.Levels = append(a.Levels, AlertLevel{
			Severity: br.Severity,
			Labels:   map[string]string{"long_window": br.LongWindow.String(), "short_window": br.ShortWindow.String()},
			Expr:     burn(br.ShortWindow) + "\nand on (job)\n" + burn(br.LongWindow),
			For:      cfg.holdFor(br.For),
			Description: fmt.Sprintf("{{ $labels.job }} is spending its error budget (%s of %s over 30 days) {{ $value | humanize }} times as fast as sustainable over the last %s, and more than %s times over %s (threshold %s×).",
				pct(b), bad, br.ShortWindow, num(br.Factor), br.LongWindow, num(br.Factor)),
			Threshold: br.Factor,
			Windows:   []Duration{br.ShortWindow, br.LongWindow},
		})
	}
	sortLevels(a.Levels)
	a.Fixture = s.fixture(slo, b)
	return a
}

// fixture makes the job burn its budget at v times the sustainable rate. For latency,
// as many upgraded (101) requests again, every one slower than the threshold, must not
// count: with them, the tests just below each burn rate would fire.
func (s sloSection) fixture(slo string, b float64) *Fixture {
	series := func(metric, extra string) string {
		return fmt.Sprintf(`%s_%s{%s, http_route="/api/items/{id}"%s}`, httpDuration, metric, fixtureJob, extra)
	}
	f := &Fixture{Labels: map[string]string{"job": "demo", "slo": slo}}
	if slo == "availability" {
		f.Series = []FixtureSeries{
			counter(series("count", `, http_response_status_code="500"`), func(v float64) float64 { return v * b * fixtureRequests }),
			counter(series("count", `, http_response_status_code="200"`), func(v float64) float64 { return (1 - v*b) * fixtureRequests }),
		}
		return f
	}
	le := num(s.slow)
	f.Series = []FixtureSeries{
		counter(series("bucket", `, http_response_status_code="200", le="`+le+`"`), func(v float64) float64 { return (1 - v*b) * fixtureRequests }),
		counter(series("bucket", `, http_response_status_code="200", le="+Inf"`), func(float64) float64 { return fixtureRequests }),
		counter(series("count", `, http_response_status_code="200"`), func(float64) float64 { return fixtureRequests }),
		counter(series("bucket", `, http_response_status_code="101", le="`+le+`"`), func(float64) float64 { return 0 }),
		counter(series("bucket", `, http_response_status_code="101", le="+Inf"`), func(float64) float64 { return fixtureRequests }),
		counter(series("count", `, http_response_status_code="101"`), func(float64) float64 { return fixtureRequests }),
	}
	return f
}
