package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// query is a range query drawn as a series per legend.
func query(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(ds).Expr(expr).LegendFormat(legend).Range()
}

// instant is an instant query returned as a table, for table panels.
func instant(refID, expr string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(ds).Expr(expr).RefId(refID).
		Instant().Format(prometheus.PromQueryFormatTable)
}

// timeSeries is a line chart of the queries.
func timeSeries(title, description, unit string, w, h uint32, queries ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().
		Title(title).Description(description).Datasource(ds).Unit(unit).
		Span(w).Height(h).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true).
			Calcs([]string{"mean", "max", "lastNotNull"}))
	if t := unavailable[title]; t != "" {
		p.NoValue(t)
	}
	for _, q := range queries {
		p.WithTarget(q)
	}
	return p
}

// stacked is a time series whose series are stacked, for shares of a whole.
func stacked(title, description, unit string, w, h uint32, queries ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	return timeSeries(title, description, unit, w, h, queries...).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).
		FillOpacity(40)
}

// singleStat is one big number, coloured by thresholds on its last value.
func singleStat(title, description, unit string, w uint32, q *prometheus.DataqueryBuilder, steps ...dashboard.Threshold) *stat.PanelBuilder {
	p := stat.NewPanelBuilder().
		Title(title).Description(description).Datasource(ds).Unit(unit).
		Span(w).Height(4).
		GraphMode(common.BigValueGraphModeArea).
		ColorMode(common.BigValueColorModeValue).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		WithTarget(q)
	if t := unavailable[title]; t != "" {
		p.NoValue(t)
	}
	if len(steps) > 0 {
		p.Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps))
	}
	return p
}

// step is a threshold step: from value on (nil for the base), the colour.
func step(value *float64, color string) dashboard.Threshold {
	return dashboard.Threshold{Value: value, Color: color}
}

func num(v float64) *float64 { return &v }

// tableOf joins instant queries on their label columns into one table: each query
// contributes one value column, named by its refId through renames.
func tableOf(title, description string, w, h uint32, renames map[string]string, queries ...*prometheus.DataqueryBuilder) *table.PanelBuilder {
	p := table.NewPanelBuilder().
		Title(title).Description(description).Datasource(ds).
		Span(w).Height(h).
		// The SDK's default footer serialises "reducer": null, which its own strict
		// decoder rejects; an explicit empty reducer list is what Grafana writes too.
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{})).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  renames,
		}})
	if t := unavailable[title]; t != "" {
		p.NoValue(t)
	}
	for _, q := range queries {
		p.WithTarget(q)
	}
	return p
}

// row starts a new row of panels.
func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }

var _ cog.Builder[dashboard.Panel] = (*timeseries.PanelBuilder)(nil)

// Texts a panel shows instead of Grafana's bare "No data" when some of the
// sources docs/backends.md lists cannot feed it, so that an empty panel is
// never mistaken for a healthy zero.
const (
	notFromHTTPSources = "No data. django-prometheus and OpenTelemetry SDKs do not report this (docs/backends.md)."
	goRuntimeOnly      = "No data. Go runtime metrics: services in other languages have none (docs/backends.md)."
	goDatabaseOnly     = "No data. perfwatch's database monitor (Go) only: django-prometheus does not report this (docs/backends.md)."
	goPoolOnly         = "No data. Go database/sql connection pools only (docs/backends.md)."
)

// unavailable maps panel titles to their text; panels every source feeds keep
// Grafana's default.
var unavailable = map[string]string{
	"In flight":                       notFromHTTPSources,
	"Request body size (p95)":         notFromHTTPSources,
	"Response body size (p95)":        notFromHTTPSources,
	"Allocated per request":           goRuntimeOnly,
	"Heap in use":                     goRuntimeOnly,
	"Queries per request (p95)":       goDatabaseOnly,
	"Queries per request (mean)":      goDatabaseOnly,
	"Database time share":             goDatabaseOnly,
	"Operations outside requests":     goDatabaseOnly,
	"Top query summaries by time":     goDatabaseOnly,
	"Top query summaries by count":    goDatabaseOnly,
	"Requests with N+1 patterns":      goDatabaseOnly,
	"N+1 patterns by statement":       goDatabaseOnly,
	"Slow queries":                    goDatabaseOnly,
	"Requests with excessive queries": goDatabaseOnly,
	"Connections in use":              goPoolOnly,
	"Waits for a connection":          goPoolOnly,
	"Time waiting for a connection":   goPoolOnly,
}

// UnavailableText returns what the panel with this title shows instead of
// "No data" because some sources cannot feed it, or "" for a panel every
// source feeds.
func UnavailableText(panelTitle string) string { return unavailable[panelTitle] }
