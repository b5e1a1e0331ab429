// Package dashboards defines perfwatch's Grafana dashboards in Go, with the Grafana
// Foundation SDK, and writes them as the JSON that Grafana provisions from this folder.
// `go generate ./dashboards` rewrites the JSON; a test fails when the committed files
// differ from what the definitions produce.
//
// Every dashboard shares one frame (see newDashboard): a stable uid, the tag
// "perfwatch", a datasource variable, job and instance variables, and links to every
// other perfwatch dashboard, so that later dashboards join the set by being added to All.
package dashboards

//go:generate go run ./gen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Tag marks perfwatch's dashboards; the dashboard links find each other by it.
const Tag = "perfwatch"

// DatasourceUID is the uid of the Prometheus datasource that grafana/provisioning
// creates; it is the default of every dashboard's datasource variable.
const DatasourceUID = "perfwatch-prometheus"

// A Definition is one dashboard: the file it is written to and how it is built.
type Definition struct {
	File  string
	UID   string
	Build func() (dashboard.Dashboard, error)
}

// All returns every dashboard perfwatch ships.
func All() []Definition {
	return []Definition{
		{"overview.json", UIDOverview, overview},
		{"endpoints.json", UIDEndpoints, endpoints},
		{"system.json", UIDSystem, system},
		{"database.json", UIDDatabase, database},
		{"errors.json", UIDErrors, errorsDashboard},
		{"frontend.json", UIDFrontend, frontend},
		{"mlinsights.json", UIDMLInsights, mlInsights},
		{"dependencies.json", UIDDependencies, dependencies},
	}
}

// Dashboard uids, also used by the alerting rules' dashboard_url annotations.
const (
	UIDOverview  = "perfwatch-overview"
	UIDEndpoints = "perfwatch-endpoints"
	UIDSystem    = "perfwatch-system"
)

// Render returns the JSON of a dashboard as it is committed: indented, with a final newline.
func Render(d Definition) ([]byte, error) {
	db, err := d.Build()
	if err != nil {
		return nil, fmt.Errorf("build dashboard %s: %w", d.File, err)
	}
	b, err := json.MarshalIndent(db, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", d.File, err)
	}
	return append(b, '\n'), nil
}

// WriteAll writes every dashboard into dir.
func WriteAll(dir string) error {
	for _, d := range All() {
		b, err := Render(d)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, d.File), b, 0o644); err != nil {
			return fmt.Errorf("write dashboard: %w", err)
		}
	}
	return nil
}
