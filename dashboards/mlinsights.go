package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// UIDMLInsights is the uid of the ML insights dashboard, the anomaly alerts' dashboard_url.
const UIDMLInsights = "perfwatch-ml"

// slowRequestSeconds is http.slow_request_seconds of rules/config.yml, drawn as the
// limit of the latency predictions.
const slowRequestSeconds = 1.0

// mlInsights is the anomaly sidecar's view (perfwatch-anomaly, issue #15): each route's
// latency and request rate against the band its seasonal baseline expects, the anomaly
// scores, the latency forests' predictions at 1.5 and 2 times the load with their
// feature importances and quality, the recommendations, and the sidecar's own health.
// The sidecar's scrape keeps the application's job (honor_labels), so the job and route
// variables select the applications' series; its self-metrics are not filtered by them.
func mlInsights() (dashboard.Dashboard, error) {
	route := `job=~"$job", http_route=~"$route"`
	gauge := func(metric, extra string) string { return metric + `{` + route + extra + `}` }
	band := func(q string) []string {
		return []string{
			`max by (job, http_route) (` + gauge("perfwatch_anomaly_yhat", `, query="`+q+`"`) + `)`,
			`max by (job, http_route) (` + gauge("perfwatch_anomaly_yhat_lower", `, query="`+q+`"`) + `)`,
			`max by (job, http_route) (` + gauge("perfwatch_anomaly_yhat_upper", `, query="`+q+`"`) + `)`,
		}
	}
	// As the sidecar's default queries compute them, but over Grafana's rate interval.
	actualRate := `sum by (job, http_route) (rate(` + reqCount + `{` + route + `}[$__rate_interval]))`
	actualP95 := `histogram_quantile(0.95, sum by (job, http_route, le) (rate(` + reqBucket + `{` + route + `, ` + notUpgrade + `}[$__rate_interval])))`
	scores := `perfwatch_anomaly_score{job=~"$job"}`
	const noneQuery = `label_replace(vector(0), "query", "none", "", "")`
	p95 := band("latency_p95")
	rps := band("request_rate")
	prediction := func(scenario string) string {
		return `max by (job, http_route) (` + gauge("perfwatch_prediction_latency_seconds", `, scenario="`+scenario+`"`) + `)`
	}
	return newDashboard(UIDMLInsights, "perfwatch / ML insights",
		"What the anomaly sidecar perfwatch-anomaly sees: each route's p95 latency and request rate against the band its seasonal baseline expects, the anomaly scores (above 1 is outside the band), the latency forests' predictions at 1.5 and 2 times today's load with their feature importances and quality, the recommendations, and the sidecar's own health (docs/anomaly-recommendations.md).",
		"perfwatch_anomaly_score").
		WithVariable(labelVariable("route", "Route", `label_values(perfwatch_anomaly_score{job=~"$job"}, http_route)`)).
		WithRow(row("Actual vs expected")).
		WithPanel(timeSeries("p95 latency vs expected band", "95th percentile of request duration by route (websocket upgrades left out) against the seasonal baseline's yhat and its band (yhat_lower to yhat_upper, query latency_p95). A route outside the band scores above 1.", "s", 12, 9,
			query(actualP95, "{{http_route}} actual"),
			query(p95[0], "{{http_route}} expected"),
			query(p95[1], "{{http_route}} lower"),
			query(p95[2], "{{http_route}} upper")).
			OverrideByRegexp(".* (lower|upper)$", bandLine())).
		WithPanel(timeSeries("Request rate vs expected band", "Requests per second by route against the seasonal baseline's yhat and its band (query request_rate): traffic far below its band is as anomalous as far above.", "reqps", 12, 9,
			query(actualRate, "{{http_route}} actual"),
			query(rps[0], "{{http_route}} expected"),
			query(rps[1], "{{http_route}} lower"),
			query(rps[2], "{{http_route}} upper")).
			OverrideByRegexp(".* (lower|upper)$", bandLine())).
		WithRow(row("Anomaly scores")).
		WithPanel(singleStat("Anomalous series", "Series whose anomaly score is above 1 now: outside the band their history predicts. AnomalySustained fires when one stays above 1 (medium) or 2 (high) for 15 minutes.", "short", 6,
			query(`count(`+scores+` > 1) or vector(0)`, "anomalous"),
			step(nil, "green"), step(num(1), "orange"))).
		WithPanel(singleStat("Series in cold start", "Series the sidecar has too little history for (less than a season): they have no score yet.", "short", 6,
			query(`sum(perfwatch_anomaly_series{state="cold_start"}) or vector(0)`, "cold start"))).
		WithPanel(singleStat("Active recommendations", "Recommendations the sidecar holds now; the table below lists them, GET /api/v1/recommendations on the sidecar gives their evidence and advice.", "short", 6,
			query(`count(perfwatch_recommendations{http_route=~"$route"} > 0) or vector(0)`, "recommendations"),
			step(nil, "green"), step(num(1), "orange"))).
		WithPanel(singleStat("Highest score", "The highest anomaly score of any series now (0 normal, 1 the band's edge).", "none", 6,
			query(`max(`+scores+`) or vector(0)`, "max"),
			step(nil, "green"), step(num(1), "orange"), step(num(2), "red"))).
		WithPanel(tableOf("Top anomaly scores", "The 20 series with the highest anomaly score now, by query (route_multivariate is the route's Isolation Forest over rate, latency, errors and database share together) and the series' labels. Above 1 is outside the expected band.", 12, 9,
			map[string]string{"query": "Query", "job": "Job", "http_route": "Route", "cache": "Cache", "instance": "Instance", "Value": "Score"},
			instant("A", `topk(20, `+scores+`)`)).
			Unit("none")).
		WithPanel(timeSeries("Anomaly scores", "Anomaly scores of the ten highest series over time, by query and series; the dashed lines are 1 (the band's edge, medium) and 2 (high).", "none", 12, 9,
			query(`topk(10, `+scores+`)`, "{{query}} {{http_route}}{{cache}} {{instance}}")).
			Min(0).
			Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
				Steps([]dashboard.Threshold{step(nil, "green"), step(num(1), "orange"), step(num(2), "red")})).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))).
		WithRow(row("Latency predictions")).
		WithPanel(timeSeries("Predicted latency under load", "The latency forests' predictions by route: at the current load, and with request rate and concurrency scaled by 1.5 and 2. The dashed line is the slow-request threshold (1 s); LatencyCapacityAtRisk fires when the 2x prediction stays above it.", "s", 16, 9,
			query(`max by (job, http_route, scenario) (`+gauge("perfwatch_prediction_latency_seconds", "")+`)`, "{{http_route}} {{scenario}}")).
			Min(0).
			Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
				Steps([]dashboard.Threshold{step(nil, "green"), step(num(slowRequestSeconds), "red")})).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))).
		WithPanel(featureImportances()).
		WithPanel(tableOf("Predictions by route", "Per route: the predicted latency now, at 1.5 and at 2 times the load, and the forest's out-of-bag error (RMSE) and R² (share of the latency's variance it explains; predictions of forests below 0.5 are not alerted on).", 16, 9,
			map[string]string{"job": "Job", "http_route": "Route", "Value #A": "now", "Value #B": "1.5x", "Value #C": "2x", "Value #D": "RMSE", "Value #E": "R²"},
			instant("A", prediction("current")),
			instant("B", prediction("load_1_5x")),
			instant("C", prediction("load_2x")),
			instant("D", `max by (job, http_route) (`+gauge("perfwatch_prediction_error", "")+`)`),
			instant("E", `min by (job, http_route) (`+gauge("perfwatch_prediction_r2", "")+`)`)).
			OverrideByRegexp("now|1.5x|2x|RMSE", []dashboard.DynamicConfigValue{{Id: "unit", Value: "s"}})).
		WithPanel(timeSeries("Prediction quality", "Out-of-bag R² of each route's latency forest: 1 explains every variation, 0 no better than the mean.", "none", 8, 9,
			query(`min by (job, http_route) (`+gauge("perfwatch_prediction_r2", "")+`)`, "{{http_route}}")).
			Max(1)).
		WithRow(row("Recommendations")).
		WithPanel(tableOf("Recommendations", "Active recommendations by kind, route and severity (docs/anomaly-recommendations.md). Their evidence in numbers and their advice: GET /api/v1/recommendations on the sidecar.", 24, 8,
			map[string]string{"kind": "Kind", "http_route": "Route", "severity": "Severity", "job": "Job", "Value": "Active"},
			instant("A", `perfwatch_recommendations{http_route=~"$route"} > 0`))).
		WithRow(row("Sidecar health")).
		WithPanel(timeSeries("Time since last success", "Seconds since the sidecar's last successful fit and inference. AnomalyModelStale fires when the inference is older than 15 minutes.", "s", 8, 8,
			query(`time() - max by (instance, stage) (perfwatch_anomaly_last_success_timestamp_seconds > 0)`, "{{instance}} {{stage}}"))).
		WithPanel(timeSeries("Reads failing", "1 while the sidecar's last read from Prometheus failed and it holds its last results (stale).", "short", 8, 8,
			query(`max by (instance) (perfwatch_anomaly_stale)`, "{{instance}}")).
			Min(0).Max(1)).
		WithPanel(timeSeries("Query errors", "Failed reads per second by query; none is 0 with query \"none\".", "ops", 8, 8,
			query(`sum by (query) (rate(perfwatch_anomaly_query_errors_total[$__rate_interval])) or `+noneQuery, "{{query}}"))).
		WithPanel(timeSeries("Fits by result", "Model fits per interval by model (baseline, iforest, rforest) and result. AnomalyFitsFailing fires when more than half failed over 6 hours.", "short", 8, 8,
			query(`sum by (model, result) (increase(perfwatch_anomaly_fits_total[$__rate_interval]))`, "{{model}} {{result}}"))).
		WithPanel(stacked("Series by state", "Series per model that are ready (scored) or in cold start (too little history).", "short", 8, 8,
			query(`sum by (model, state) (perfwatch_anomaly_series)`, "{{model}} {{state}}"))).
		WithPanel(timeSeries("Fit and inference duration (p95)", "95th percentile of the duration of a fit by model, and of an inference round.", "s", 8, 8,
			query(`histogram_quantile(0.95, sum by (le, model) (rate(perfwatch_anomaly_fit_duration_seconds_bucket[$__rate_interval])))`, "fit {{model}}"),
			query(`histogram_quantile(0.95, sum by (le) (rate(perfwatch_anomaly_infer_duration_seconds_bucket[$__rate_interval])))`, "inference"))).
		Build()
}

// bandLine draws a band edge as a thin dashed line without fill.
func bandLine() []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{
		{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{4, 4}}},
		{Id: "custom.fillOpacity", Value: 0},
		{Id: "custom.lineWidth", Value: 1},
	}
}

// featureImportances is a bar per feature of the latency forests' importances (they
// sum to 1).
func featureImportances() *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().
		Title("Feature importances").
		Description("What the latency forests' predictions depend on: the share of the forests' variance reduction due to each feature (request_rate, concurrency, db_queries_per_request, cache_hit_ratio, cpu_utilisation, hour_of_day); they sum to 1.").
		Datasource(ds).Unit("percentunit").Min(0).Max(1).
		Span(8).Height(9).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		WithTarget(query(`max by (feature) (perfwatch_prediction_feature_importance)`, "{{feature}}"))
}
