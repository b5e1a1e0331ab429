package dashboards

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// TestCommittedJSONIsGenerated fails when a dashboard's JSON in this folder differs from
// what its Go definition produces: edit the Go, then run go generate ./dashboards.
func TestCommittedJSONIsGenerated(t *testing.T) {
	for _, d := range All() {
		want, err := Render(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(d.File)
		if err != nil {
			t.Fatalf("%v (run go generate ./dashboards)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its definition: run go generate ./dashboards", d.File)
		}
	}
	files, _ := filepath.Glob("*.json")
	if len(files) != len(All()) {
		t.Errorf("%d JSON files here, %d dashboards defined: remove stale files", len(files), len(All()))
	}
}

// strictDecode decodes a dashboard with the SDK's strict decoder, which rejects unknown
// and mistyped fields. The SDK returns an empty error list on success, not nil.
func strictDecode(raw []byte) (*dashboard.Dashboard, error) {
	plugins.RegisterDefaultPlugins()
	var d dashboard.Dashboard
	err := d.UnmarshalJSONStrict(raw)
	var be cog.BuildErrors
	if errors.As(err, &be) && len(be) == 0 {
		err = nil
	}
	return &d, err
}

func TestStrictSchema(t *testing.T) {
	for _, d := range All() {
		raw, err := os.ReadFile(d.File)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := strictDecode(raw); err != nil {
			t.Errorf("%s: %v", d.File, err)
		}
	}
	if _, err := strictDecode([]byte(`{"title":"x","panels":[],"bogus":1}`)); err == nil {
		t.Error("strict decoding accepted an unknown field")
	}
}

// panelJSON is the part of a panel the conventions speak of.
type panelJSON struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Datasource  *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	FieldConfig struct {
		Defaults struct {
			Unit    string `json:"unit"`
			NoValue string `json:"noValue"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

type dashboardJSON struct {
	UID        string      `json:"uid"`
	Tags       []string    `json:"tags"`
	Panels     []panelJSON `json:"panels"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"list"`
	} `json:"templating"`
	Links []struct {
		Type string   `json:"type"`
		Tags []string `json:"tags"`
	} `json:"links"`
}

var rangeSelector = regexp.MustCompile(`\[([^\]]+)\]`)

// TestConventions checks what every perfwatch dashboard promises: stable uid, the
// perfwatch tag, datasource/job/instance variables, links to the others, and panels
// with descriptions, units, the datasource variable and Grafana's rate intervals.
func TestConventions(t *testing.T) {
	uids := map[string]bool{}
	for _, d := range All() {
		titles := map[string]bool{}
		db := readDashboard(t, d.File)
		if db.UID != d.UID || !strings.HasPrefix(db.UID, "perfwatch-") || uids[db.UID] {
			t.Errorf("%s: uid %q (want %q, unique)", d.File, db.UID, d.UID)
		}
		uids[db.UID] = true
		if len(db.Tags) == 0 || db.Tags[0] != Tag {
			t.Errorf("%s: tags %v", d.File, db.Tags)
		}
		vars := map[string]string{}
		for _, v := range db.Templating.List {
			vars[v.Name] = v.Type
		}
		if vars["datasource"] != "datasource" || vars["job"] != "query" || vars["instance"] != "query" {
			t.Errorf("%s: variables %v", d.File, vars)
		}
		if len(db.Links) == 0 || db.Links[0].Type != "dashboards" || db.Links[0].Tags[0] != Tag {
			t.Errorf("%s: no links to the other perfwatch dashboards", d.File)
		}
		for _, p := range db.Panels {
			if p.Type == "row" {
				continue
			}
			if titles[p.Title] {
				t.Errorf("%s: two panels are titled %q", d.File, p.Title)
			}
			titles[p.Title] = true
			if p.Description == "" {
				t.Errorf("%s: panel %q has no description", d.File, p.Title)
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("%s: panel %q does not use the datasource variable", d.File, p.Title)
			}
			if p.FieldConfig.Defaults.Unit == "" && p.Type != "table" {
				t.Errorf("%s: panel %q has no unit", d.File, p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", d.File, p.Title)
			}
			for _, tg := range p.Targets {
				for _, m := range rangeSelector.FindAllStringSubmatch(tg.Expr, -1) {
					if w := m[1]; w != "$__rate_interval" && w != "$__range" && w != "6h" {
						t.Errorf("%s: panel %q uses range [%s]; use $__rate_interval (or $__range for tables)", d.File, p.Title, w)
					}
				}
			}
		}
	}
}

var durationSelector = regexp.MustCompile(`http_server_request_duration_seconds_(bucket|sum|count)\{([^}]*)\}`)

// TestUpgradesLeftOutOfLatency checks that every query reading the duration histogram for
// latency (buckets, sums) leaves out upgraded requests (status 101, websockets), and so do
// the request counts of ratios, unless they count 5xx; plain request rates and status
// codes keep them (docs/alerting.md, "Upgraded requests").
func TestUpgradesLeftOutOfLatency(t *testing.T) {
	checked := 0
	committedQueries(t, func(d Definition, qs []Query) {
		for _, q := range qs {
			ratio := strings.Contains(q.Expr, " / ")
			for _, m := range durationSelector.FindAllStringSubmatch(q.Expr, -1) {
				kind, matchers := m[1], m[2]
				if kind == "count" && (!ratio || strings.Contains(matchers, errorStatus)) {
					continue
				}
				checked++
				if !strings.Contains(matchers, notUpgrade) {
					t.Errorf("%s: panel %q reads %s without %s: %s", d.UID, q.Panel, m[0], notUpgrade, q.Expr)
				}
			}
		}
	})
	if checked < 10 {
		t.Errorf("only %d selectors checked", checked)
	}
}

// TestUnavailableTexts checks that the panels some sources cannot feed say so
// instead of showing a bare "No data", and that every title in unavailable
// still names a panel (a renamed panel would silently lose its text).
func TestUnavailableTexts(t *testing.T) {
	found := map[string]bool{}
	for _, d := range All() {
		db := readDashboard(t, d.File)
		for _, p := range db.Panels {
			want := unavailable[p.Title]
			if got := p.FieldConfig.Defaults.NoValue; got != want {
				t.Errorf("%s: panel %q shows %q when empty, want %q", d.File, p.Title, got, want)
			}
			if want != "" {
				found[p.Title] = true
			}
		}
	}
	for title := range unavailable {
		if !found[title] {
			t.Errorf("unavailable names %q, which no dashboard panel has", title)
		}
	}
}

// readDashboard decodes one committed dashboard file.
func readDashboard(t *testing.T, file string) dashboardJSON {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var db dashboardJSON
	if err := json.Unmarshal(raw, &db); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return db
}
