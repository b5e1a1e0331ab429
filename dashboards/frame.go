package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// ds is the datasource reference of every panel and variable: the datasource variable.
var ds = common.DataSourceRef{Type: strPtr("prometheus"), Uid: strPtr("${datasource}")}

func strPtr(s string) *string { return &s }

// newDashboard returns the frame every perfwatch dashboard shares. selector is a metric
// whose job and instance labels fill the job and instance variables.
func newDashboard(uid, title, description, selector string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{Tag}).
		Editable().
		Refresh("30s").
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("perfwatch").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{Tag}).
			AsDropdown(false).
			IncludeVars(true).
			KeepTime(true)).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus").
			Current(option(DatasourceUID))).
		WithVariable(labelVariable("job", "Job", "label_values("+selector+", job)")).
		WithVariable(labelVariable("instance", "Instance", `label_values(`+selector+`{job=~"$job"}, instance)`))
}

// labelVariable is a multi-value variable over a label's values, "All" meaning ".*".
func labelVariable(name, label, query string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(ds).
		Query(dashboard.StringOrMap{String: strPtr(query)}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(".*").
		Current(dashboard.VariableOption{
			Text:  dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}

func option(v string) dashboard.VariableOption {
	return dashboard.VariableOption{
		Text:  dashboard.StringOrArrayOfString{String: strPtr(v)},
		Value: dashboard.StringOrArrayOfString{String: strPtr(v)},
	}
}
