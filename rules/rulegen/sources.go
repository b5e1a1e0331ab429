package rulegen

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// SourcesConfig configures the adapters (section "sources"): recording rules that map
// the metrics of instrumentation other than perfwatch's instrument package onto the
// names the rules and dashboards read (docs/backends.md). Each adapter is off until
// switched on; the meta-alert HTTPMetricsNotAdapted fires for a job exposing a known
// shape that no adapter (or no native series) covers.
type SourcesConfig struct {
	// OTelStable: OpenTelemetry SDKs whose Prometheus exporter writes the stable HTTP
	// histogram without unit suffix (http_server_request_duration, seconds).
	OTelStable Source `yaml:"otel_stable"`
	// OTelLegacy: the old HTTP conventions (http_server_duration, milliseconds,
	// http_method, http_status_code), converted to seconds bucket by bucket.
	OTelLegacy Source `yaml:"otel_legacy"`
	// DjangoPrometheus: django-prometheus's HTTP, database and cache families.
	DjangoPrometheus Source `yaml:"django_prometheus"`
	Alerts           struct {
		HTTPMetricsNotAdapted ThresholdAlert `yaml:"HTTPMetricsNotAdapted"`
	} `yaml:"alerts"`
}

// Source is one adapter's switch.
type Source struct {
	Enabled bool `yaml:"enabled"`
	// Selector: label matchers (PromQL, without braces) restricting the adapter to some
	// jobs; empty = every job exposing the source's metrics.
	Selector string `yaml:"selector"`
	// Buckets are the latency histogram's bucket boundaries in seconds as the
	// application exposes them; empty = the source's default list (defaultBuckets).
	// http.slow_request_seconds must be one of them.
	Buckets []float64 `yaml:"buckets"`
}

// Source names: the keys of the sources section and the perfwatch_adapter label value
// on every series an adapter records.
const (
	SourceOTelStable       = "otel_stable"
	SourceOTelLegacy       = "otel_legacy"
	SourceDjangoPrometheus = "django_prometheus"
)

// adapterLabel marks adapted series, so that the guard against double counting can
// tell a job's native series (no such label) from the adapter's own output.
const adapterLabel = "perfwatch_adapter"

// defaultBuckets are each source's latency bucket boundaries in seconds, as observed
// (e2e/apps/README.md): OpenTelemetry's default for http.server.request.duration,
// the old convention's millisecond list divided by 1000 (with its 0 bucket), and
// django-prometheus's DEFAULT_LATENCY_BUCKETS.
var defaultBuckets = map[string][]float64{
	SourceOTelStable:       {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10},
	SourceOTelLegacy:       {0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10},
	SourceDjangoPrometheus: {0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 25, 50, 75},
}

// SourceNames lists the adapters in file order.
var SourceNames = []string{SourceOTelStable, SourceOTelLegacy, SourceDjangoPrometheus}

// source returns the configuration of an adapter by name.
func (c *SourcesConfig) source(name string) *Source {
	switch name {
	case SourceOTelStable:
		return &c.OTelStable
	case SourceOTelLegacy:
		return &c.OTelLegacy
	case SourceDjangoPrometheus:
		return &c.DjangoPrometheus
	}
	return nil
}

// buckets is the source's configured or default boundary list.
func (s *Source) buckets(name string) []float64 {
	if len(s.Buckets) > 0 {
		return s.Buckets
	}
	return defaultBuckets[name]
}

// WithSources returns a copy of c with the named adapters switched on besides those
// config.yml switches on (gen --source), validated as config.yml would be.
func (c *Config) WithSources(names ...string) (*Config, error) {
	t := *c
	for _, n := range names {
		s := t.Sources.source(n)
		if s == nil {
			return nil, fmt.Errorf("unknown source %q (want one of %s)", n, strings.Join(SourceNames, ", "))
		}
		s.Enabled = true
	}
	v := &validator{}
	sourcesSection{c: &t.Sources, slow: t.HTTP.SlowRequestSeconds}.validate(v)
	if len(v.errs) > 0 {
		var msgs []string
		for _, e := range v.errs {
			msgs = append(msgs, strings.Join(e.path, ".")+": "+e.msg)
		}
		return nil, fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return &t, nil
}

type sourcesSection struct {
	c    *SourcesConfig
	slow float64 // http.slow_request_seconds
}

func (s sourcesSection) name() string { return "sources" }

// isBoundary says whether x is one of bounds, up to float noise in the configuration.
func isBoundary(x float64, bounds []float64) bool {
	return slices.ContainsFunc(bounds, func(b float64) bool {
		return math.Abs(b-x) <= 1e-9*math.Max(1, math.Abs(x))
	})
}

func fmtBounds(bs []float64) string {
	var ss []string
	for _, b := range bs {
		ss = append(ss, num(b))
	}
	return strings.Join(ss, " ")
}

func (s sourcesSection) validate(v *validator) {
	for _, n := range SourceNames {
		src := s.c.source(n)
		bs := src.buckets(n)
		for i, b := range src.Buckets {
			if b < 0 || math.IsInf(b, 0) || math.IsNaN(b) || (i > 0 && b <= src.Buckets[i-1]) {
				v.add("must be finite, not negative and increasing", "sources", n, "buckets", strconv.Itoa(i))
				break
			}
		}
		// The slow-request ratio and the latency SLO read the bucket at
		// slow_request_seconds: a source without that boundary has no such series, and
		// the alert and the SLO would stay silent for it (instrument adds the boundary
		// itself, so it needs no check).
		if src.Enabled && s.slow > 0 && !isBoundary(s.slow, bs) {
			v.add(fmt.Sprintf("http.slow_request_seconds %s is not a bucket boundary of source %s (%s): its slow-request alert and latency SLO would stay silent; set http.slow_request_seconds to one of these, or sources.%s.buckets to the boundaries the application is configured with",
				num(s.slow), n, fmtBounds(bs), n), "sources", n, "enabled")
		}
	}
	v.thresholdAlert(s.c.Alerts.HTTPMetricsNotAdapted, false, nil, "sources", "alerts", "HTTPMetricsNotAdapted")
}

// The names the adapters write (docs/metrics.md).
const (
	dbDuration = "db_client_operation_duration_seconds"
)

// The raw shapes the adapters read.
const (
	otelStableDuration = "http_server_request_duration"
	otelLegacyDuration = "http_server_duration"
	djangoLatency      = "django_http_requests_latency_seconds_by_view_method"
	djangoResponses    = "django_http_responses_total_by_status_view_method_total"
	djangoDBDuration   = "django_db_query_duration_seconds"
	// djangoScrapeView is django-prometheus's own /metrics view: scrapes are not traffic.
	djangoScrapeView = `view!="prometheus-django-metrics"`
)

// httpMethods are the methods kept as they are; any other becomes _OTHER, as
// instrument and the OpenTelemetry conventions do.
const httpMethods = "GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH"

// unlessNative guards an adapter's expression: a job and instance that expose the
// native series themselves (no perfwatch_adapter label) are not adapted, so nothing
// is counted twice.
func unlessNative(expr, native string, also ...string) string {
	guard := native + `{` + adapterLabel + `=""}`
	for _, a := range also {
		guard += " or " + a
	}
	if len(also) > 0 {
		guard = "(" + guard + ")"
	}
	return expr + "\nunless on (job, instance)\n" + guard
}

// routeOther gives series without http_route (OpenTelemetry JS on unmatched paths)
// the route "other", as the naming contract says.
func routeOther(expr string) string {
	return fmt.Sprintf(`label_replace(%s, "http_route", "other", "http_route", "")`, expr)
}

// rename copies label from into to.
func rename(expr, to, from string) string {
	return fmt.Sprintf(`label_replace(%s, "%s", "$1", "%s", "(.*)")`, expr, to, from)
}

// adapterGroup is one adapter's recording rules, in a group of its own.
type adapterGroup struct {
	source string
	rules  []Recording
}

func (s sourcesSection) recording(*Config) []Recording { return nil }

// adapters are the recording-rule groups of the switched-on adapters.
func (s sourcesSection) adapters() []adapterGroup {
	var gs []adapterGroup
	for _, n := range SourceNames {
		src := s.c.source(n)
		if !src.Enabled {
			continue
		}
		var rs []Recording
		switch n {
		case SourceOTelStable:
			rs = s.otelStable(src)
		case SourceOTelLegacy:
			rs = s.otelLegacy(src)
		case SourceDjangoPrometheus:
			rs = s.django(src)
		}
		for i := range rs {
			if rs[i].Labels == nil {
				rs[i].Labels = map[string]string{}
			}
			rs[i].Labels[adapterLabel] = n
		}
		gs = append(gs, adapterGroup{source: n, rules: rs})
	}
	return gs
}

// otelStable renames the un-suffixed stable histogram; its labels already are the
// convention's.
func (s sourcesSection) otelStable(src *Source) []Recording {
	var rs []Recording
	for _, part := range []string{"bucket", "sum", "count"} {
		rs = append(rs, Recording{
			Record: httpDuration + "_" + part,
			Expr:   unlessNative(routeOther(sel(otelStableDuration+"_"+part, src.Selector)), httpDuration+"_count"),
		})
	}
	return rs
}

// otelLegacy converts the old conventions: milliseconds to seconds (each known bucket
// boundary relabelled, the sum divided by 1000), http_method and http_status_code
// renamed. Boundaries not in the configured list are left out (the histogram stays
// valid, with fewer buckets). With otel_stable on too, a job exposing both
// (OTEL_SEMCONV_STABILITY_OPT_IN=http/dup) is read from the stable histogram only.
func (s sourcesSection) otelLegacy(src *Source) []Recording {
	convert := func(expr string) string {
		expr = rename(rename(expr, "http_request_method", "http_method"), "http_response_status_code", "http_status_code")
		return "sum without (http_method, http_status_code) (\n  " + routeOther(expr) + "\n)"
	}
	var also []string
	if s.c.OTelStable.Enabled {
		also = []string{otelStableDuration + "_count"}
	}
	guard := func(expr string) string { return unlessNative(expr, httpDuration+"_count", also...) }
	// All buckets come from one rule, a union of one relabelled selector per
	// boundary: one rule per boundary would read the source at slightly
	// different moments when a scrape lands while the group is evaluated, and
	// a +Inf bucket ahead of the 1 s one reads as slow requests that never
	// happened.
	var parts []string
	for _, b := range append(src.buckets(SourceOTelLegacy), math.Inf(1)) {
		in, out := `le="+Inf"`, "+Inf"
		if !math.IsInf(b, 1) {
			ms, _ := strconv.ParseFloat(strconv.FormatFloat(b*1000, 'g', 12, 64), 64)
			in, out = leMatcher(ms), num(b)
		}
		parts = append(parts, fmt.Sprintf(`label_replace(%s, "le", %q, "", "")`, sel(otelLegacyDuration+"_bucket", src.Selector, in), out))
	}
	rs := []Recording{{
		Record: httpDuration + "_bucket",
		Expr:   guard(convert("(\n  " + strings.Join(parts, "\n  or\n  ") + "\n)")),
	}}
	return append(rs,
		Recording{Record: httpDuration + "_sum", Expr: guard(convert(sel(otelLegacyDuration+"_sum", src.Selector)) + "\n/ 1000")},
		Recording{Record: httpDuration + "_count", Expr: guard(convert(sel(otelLegacyDuration+"_count", src.Selector)))},
	)
}

// django maps django-prometheus: view → http_route ("<unnamed view>" → "other"),
// method → http_request_method (non-standard → _OTHER); the latency histogram's
// buckets and sum, but request counts and statuses from the responses counter (the
// histogram has no status and observes an exception twice); database time; cache
// hits and misses. django-prometheus's own /metrics view is left out. le loses a
// trailing ".0" ("1.0" → "1"), as OpenTelemetry spells it.
func (s sourcesSection) django(src *Source) []Recording {
	view := func(expr string) string {
		expr = rename(expr, "http_route", "view")
		expr = fmt.Sprintf(`label_replace(%s, "http_route", "other", "view", "<unnamed view>")`, expr)
		expr = fmt.Sprintf(`label_replace(%s, "http_request_method", "_OTHER", "method", ".*")`, expr)
		return fmt.Sprintf(`label_replace(%s, "http_request_method", "$1", "method", "(%s)")`, expr, httpMethods)
	}
	le := func(expr string) string { return fmt.Sprintf(`label_replace(%s, "le", "$1", "le", "(.+)\\.0")`, expr) }
	http := func(expr string) string { return unlessNative(expr, httpDuration+"_count") }
	db := func(expr string) string { return unlessNative(expr, dbDuration+"_count") }
	cache := func(expr string) string { return unlessNative(expr, cacheLookups) }
	dbLabels := func(expr string) string {
		return "sum without (vendor, alias) (\n  " + rename(rename(expr, "db_system_name", "vendor"), "db_namespace", "alias") + "\n)"
	}
	cacheOf := func(metric string) string {
		return "sum without (backend) (\n  " + rename(sel(metric, src.Selector), "cache", "backend") + "\n)"
	}
	return []Recording{
		{Record: httpDuration + "_bucket",
			Expr: http("sum without (view, method) (\n  " + le(view(sel(djangoLatency+"_bucket", src.Selector, djangoScrapeView))) + "\n)")},
		{Record: httpDuration + "_sum",
			Expr: http("sum without (view, method) (\n  " + view(sel(djangoLatency+"_sum", src.Selector, djangoScrapeView)) + "\n)")},
		{Record: httpDuration + "_count",
			Expr: http("sum without (view, method, status) (\n  " + rename(view(sel(djangoResponses, src.Selector, djangoScrapeView)), "http_response_status_code", "status") + "\n)")},
		{Record: dbDuration + "_bucket", Expr: db(dbLabels(le(sel(djangoDBDuration+"_bucket", src.Selector))))},
		{Record: dbDuration + "_sum", Expr: db(dbLabels(sel(djangoDBDuration+"_sum", src.Selector)))},
		{Record: dbDuration + "_count", Expr: db(dbLabels(sel(djangoDBDuration+"_count", src.Selector)))},
		{Record: cacheLookups, Expr: cache(cacheOf("django_cache_get_hits_total")), Labels: map[string]string{"result": "hit"}},
		{Record: cacheLookups, Expr: cache(cacheOf("django_cache_get_misses_total")), Labels: map[string]string{"result": "miss"}},
	}
}

// notAdapted is, per source, the raw shape the meta-alert looks for.
var notAdapted = map[string]string{
	SourceOTelStable:       otelStableDuration + "_bucket",
	SourceOTelLegacy:       otelLegacyDuration + "_bucket",
	SourceDjangoPrometheus: djangoLatency + "_bucket{" + djangoScrapeView + "}",
}

func (s sourcesSection) alerts(cfg *Config) []*Alert {
	a := &Alert{
		Name:      "HTTPMetricsNotAdapted",
		Enabled:   s.c.Alerts.HTTPMetricsNotAdapted.Enabled,
		Summary:   "{{ $labels.instance }} of {{ $labels.job }} exposes HTTP metrics that perfwatch's rules and dashboards do not read.",
		Dashboard: dashboardOverview,
		// source is a level label (as the SLO alerts' windows), not an expression one.
		Labels: []string{"job", "instance"},
	}
	for sev, l := range s.c.Alerts.HTTPMetricsNotAdapted.Levels {
		for _, n := range SourceNames {
			why := fmt.Sprintf("the adapter is off: set sources.%s.enabled: true in rules/config.yml and regenerate (docs/backends.md)", n)
			if s.c.source(n).Enabled {
				why = fmt.Sprintf("sources.%s is on but recorded no %s_count for this instance: check sources.%s.selector and the adapter's group perfwatch-sources-%s.rules (docs/backends.md)", n, httpDuration, n, n)
			}
			a.Levels = append(a.Levels, AlertLevel{
				Severity: sev,
				Labels:   map[string]string{"source": n},
				Expr:     fmt.Sprintf("count by (job, instance) (%s)\nunless on (job, instance)\n%s_count", notAdapted[n], httpDuration),
				For:      cfg.holdFor(l.For),
				Description: fmt.Sprintf("{{ $labels.instance }} of {{ $labels.job }} exposes %s but no %s: its HTTP alerts, SLOs and dashboard panels are empty, which is not health; %s.",
					strings.TrimSuffix(strings.SplitN(notAdapted[n], "{", 2)[0], "_bucket"), httpDuration, why),
			})
		}
	}
	sortLevels(a.Levels)
	return []*Alert{a}
}
