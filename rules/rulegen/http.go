package rulegen

import (
	"fmt"
)

// HTTPConfig configures the HTTP server rules (section "http").
type HTTPConfig struct {
	Selector           string    `yaml:"selector"`
	RateWindow         Duration  `yaml:"rate_window"`
	SlowRequestSeconds float64   `yaml:"slow_request_seconds"`
	Quantiles          []float64 `yaml:"quantiles"`
	MinRequestRate     float64   `yaml:"min_request_rate"`
	Alerts             struct {
		HTTPRouteErrorRate    ThresholdAlert `yaml:"HTTPRouteErrorRate"`
		HTTPErrorRate         ThresholdAlert `yaml:"HTTPErrorRate"`
		HTTPRouteSlowRequests ThresholdAlert `yaml:"HTTPRouteSlowRequests"`
	} `yaml:"alerts"`
}

const (
	httpDuration = "http_server_request_duration_seconds"
	http5xx      = `http_response_status_code=~"5.."`
	// httpNotUpgrade leaves out requests answered 101 Switching Protocols (websockets and
	// other upgrades): OpenTelemetry SDKs record an upgraded connection's whole lifetime
	// as one request, which would make every websocket route slow and burn the latency
	// SLO. instrument keeps them out of the histogram itself; the rules exclude them for
	// every other source, from request counts too, so that denominators match numerators
	// and every source reads alike.
	httpNotUpgrade = `http_response_status_code!="101"`

	dashboardOverview  = "perfwatch-overview"
	dashboardEndpoints = "perfwatch-endpoints"
	dashboardSystem    = "perfwatch-system"
)

type httpSection struct{ c *HTTPConfig }

func (s httpSection) name() string { return "http" }

func (s httpSection) validate(v *validator) {
	v.positive(s.c.RateWindow, "http", "rate_window")
	if s.c.SlowRequestSeconds <= 0 {
		v.add("must be positive", "http", "slow_request_seconds")
	}
	for i, q := range s.c.Quantiles {
		v.ratio(q, "http", "quantiles", fmt.Sprint(i))
	}
	v.nonNegative(s.c.MinRequestRate, "http", "min_request_rate")
	a := &s.c.Alerts
	v.thresholdAlert(a.HTTPRouteErrorRate, true, v.ratio, "http", "alerts", "HTTPRouteErrorRate")
	v.thresholdAlert(a.HTTPErrorRate, true, v.ratio, "http", "alerts", "HTTPErrorRate")
	v.thresholdAlert(a.HTTPRouteSlowRequests, true, v.ratio, "http", "alerts", "HTTPRouteSlowRequests")
}

// Recording-rule names of the http section, for the rules that use them.
func (s httpSection) names() (route, job func(string) string) {
	w := windowName(s.c.RateWindow)
	return func(m string) string { return "job_http_route:" + m + ":" + w },
		func(m string) string { return "job:" + m + ":" + w }
}

func (s httpSection) recording(*Config) []Recording {
	c := s.c
	w := "[" + c.RateWindow.String() + "]"
	route, job := s.names()
	rs := []Recording{
		{Record: route("http_server_requests"),
			Expr: fmt.Sprintf("sum by (job, http_route) (rate(%s%s))", sel(httpDuration+"_count", c.Selector, httpNotUpgrade), w)},
		{Record: route("http_server_request_errors"),
			Expr: fmt.Sprintf("sum by (job, http_route) (rate(%s%s))\nor\n0 * %s",
				sel(httpDuration+"_count", c.Selector, http5xx), w, route("http_server_requests"))},
		{Record: route("http_server_request_error_ratio"),
			Expr: route("http_server_request_errors") + "\n/\n" + route("http_server_requests")},
		// The slow ratio divides the bucket at the threshold by the +Inf bucket of the same
		// histogram, not by _count: an adapted source's _count may come from another
		// family (django-prometheus's responses counter, docs/backends.md).
		{Record: route("http_server_request_slow_ratio"),
			Expr: fmt.Sprintf("1 - (\n  sum by (job, http_route) (rate(%s%s))\n/\n  sum by (job, http_route) (rate(%s%s))\n)",
				sel(httpDuration+"_bucket", c.Selector, httpNotUpgrade, leMatcher(c.SlowRequestSeconds)), w,
				sel(httpDuration+"_bucket", c.Selector, httpNotUpgrade, `le="+Inf"`), w)},
		{Record: "job_http_route_le:" + httpDuration + "_bucket:" + windowName(c.RateWindow),
			Expr: fmt.Sprintf("sum by (job, http_route, le) (rate(%s%s))", sel(httpDuration+"_bucket", c.Selector, httpNotUpgrade), w)},
	}
	for _, q := range c.Quantiles {
		rs = append(rs, Recording{
			Record: "job_http_route_quantile:" + httpDuration + ":histogram_quantile",
			Expr:   fmt.Sprintf("histogram_quantile(%s, job_http_route_le:%s_bucket:%s)", num(q), httpDuration, windowName(c.RateWindow)),
			Labels: map[string]string{"quantile": num(q)},
		})
	}
	return append(rs,
		Recording{Record: job("http_server_requests"), Expr: "sum by (job) (" + route("http_server_requests") + ")"},
		Recording{Record: job("http_server_request_errors"), Expr: "sum by (job) (" + route("http_server_request_errors") + ")"},
		Recording{Record: job("http_server_request_error_ratio"), Expr: job("http_server_request_errors") + "\n/\n" + job("http_server_requests")},
	)
}

// minRate adds the minimum-traffic condition to a ratio alert.
func (s httpSection) minRate(expr, on, requests string) string {
	return minRate(expr, on, requests, s.c.MinRequestRate)
}

func (s httpSection) alerts(cfg *Config) []*Alert {
	c := s.c
	route, job := s.names()
	win := c.RateWindow.String()
	windows := []Duration{c.RateWindow}
	return []*Alert{
		{
			Name:      "HTTPRouteErrorRate",
			Enabled:   c.Alerts.HTTPRouteErrorRate.Enabled,
			Summary:   "Route {{ $labels.http_route }} of {{ $labels.job }} is answering with server errors.",
			Dashboard: dashboardEndpoints,
			Labels:    []string{"job", "http_route"},
			Levels: thresholdLevels(cfg, c.Alerts.HTTPRouteErrorRate, windows, func(t float64) (string, string) {
				return s.minRate(route("http_server_request_error_ratio")+" > "+num(t), "job, http_route", route("http_server_requests")),
					fmt.Sprintf("{{ $value | humanizePercentage }} of the requests to {{ $labels.http_route }} on {{ $labels.job }} failed with a 5xx status over the last %s (threshold %s).", win, pct(t))
			}),
			Fixture: s.ratioFixture(true),
		},
		{
			Name:      "HTTPErrorRate",
			Enabled:   c.Alerts.HTTPErrorRate.Enabled,
			Summary:   "{{ $labels.job }} is answering with server errors.",
			Dashboard: dashboardOverview,
			Labels:    []string{"job"},
			Levels: thresholdLevels(cfg, c.Alerts.HTTPErrorRate, windows, func(t float64) (string, string) {
				return s.minRate(job("http_server_request_error_ratio")+" > "+num(t), "job", job("http_server_requests")),
					fmt.Sprintf("{{ $value | humanizePercentage }} of all requests to {{ $labels.job }} failed with a 5xx status over the last %s (threshold %s).", win, pct(t))
			}),
			Fixture: s.ratioFixture(false),
		},
		{
			Name:      "HTTPRouteSlowRequests",
			Enabled:   c.Alerts.HTTPRouteSlowRequests.Enabled,
			Summary:   "Route {{ $labels.http_route }} of {{ $labels.job }} is slow.",
			Dashboard: dashboardEndpoints,
			Labels:    []string{"job", "http_route"},
			Levels: thresholdLevels(cfg, c.Alerts.HTTPRouteSlowRequests, windows, func(t float64) (string, string) {
				return s.minRate(route("http_server_request_slow_ratio")+" > "+num(t), "job, http_route", route("http_server_requests")),
					fmt.Sprintf("{{ $value | humanizePercentage }} of the requests to {{ $labels.http_route }} on {{ $labels.job }} took longer than %ss over the last %s (threshold %s).", num(c.SlowRequestSeconds), win, pct(t))
			}),
			Fixture: s.slowFixture(),
		},
	}
}

// fixtureRequests is the request rate of HTTP fixtures per minute: large, so ratios
// near a threshold are whole numbers of requests.
const fixtureRequests = 100000

const fixtureJob = `job="demo", instance="demo:8080", http_request_method="GET"`

// ratioFixture serves share v of one route's requests with status 500. With rare,
// a second route fails every request but stays under min_request_rate.
func (s httpSection) ratioFixture(rare bool) *Fixture {
	series := func(route, code string) string {
		return fmt.Sprintf(`%s_count{%s, http_route="%s", http_response_status_code="%s"}`, httpDuration, fixtureJob, route, code)
	}
	f := &Fixture{
		Series: []FixtureSeries{
			counter(series("/api/items/{id}", "500"), func(v float64) float64 { return v * fixtureRequests }),
			counter(series("/api/items/{id}", "200"), func(v float64) float64 { return (1 - v) * fixtureRequests }),
		},
		Labels: map[string]string{"job": "demo", "http_route": "/api/items/{id}"},
	}
	if rare {
		f.Series = append(f.Series, counter(series("/api/rare", "503"), func(float64) float64 { return s.rareRequests() }))
	} else {
		delete(f.Labels, "http_route")
	}
	return f
}

// rareRequests is a per-minute request count below min_request_rate.
func (s httpSection) rareRequests() float64 {
	return s.c.MinRequestRate * 60 / 2
}

// slowFixture makes share v of one route's requests slower than the threshold. As many
// upgraded (101) requests again, every one slower than the threshold, must not count:
// with them, the tests just below each threshold would fire.
func (s httpSection) slowFixture() *Fixture {
	le := num(s.c.SlowRequestSeconds)
	series := func(route, code, metric, extra string) string {
		return fmt.Sprintf(`%s_%s{%s, http_route="%s", http_response_status_code="%s"%s}`, httpDuration, metric, fixtureJob, route, code, extra)
	}
	return &Fixture{
		Series: []FixtureSeries{
			counter(series("/api/report", "200", "bucket", `, le="`+le+`"`), func(v float64) float64 { return (1 - v) * fixtureRequests }),
			counter(series("/api/report", "200", "bucket", `, le="+Inf"`), func(float64) float64 { return fixtureRequests }),
			counter(series("/api/report", "200", "count", ""), func(float64) float64 { return fixtureRequests }),
			counter(series("/api/report", "101", "bucket", `, le="`+le+`"`), func(float64) float64 { return 0 }),
			counter(series("/api/report", "101", "bucket", `, le="+Inf"`), func(float64) float64 { return fixtureRequests }),
			counter(series("/api/report", "101", "count", ""), func(float64) float64 { return fixtureRequests }),
			counter(series("/api/rare", "200", "bucket", `, le="`+le+`"`), func(float64) float64 { return 0 }),
			counter(series("/api/rare", "200", "bucket", `, le="+Inf"`), func(float64) float64 { return s.rareRequests() }),
			counter(series("/api/rare", "200", "count", ""), func(float64) float64 { return s.rareRequests() }),
		},
		Labels: map[string]string{"job": "demo", "http_route": "/api/report"},
	}
}
