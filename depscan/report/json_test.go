package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func reportSchema(t *testing.T) *jsonschema.Schema {
	return compile(t, "report.schema.json", "https://github.com/perfwatch/perfwatch/depscan/report/report.schema.json")
}

func TestJSONValidates(t *testing.T) {
	s := reportSchema(t)
	for name, r := range map[string]*scan.Report{
		"scan":      scanned(t),
		"decorated": decorated(t),
		"empty":     {Root: "empty", Scanned: scanTime},
		"nil lists": {Root: "x", Scanned: scanTime, Projects: []scan.Project{{Name: "."}}},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := JSON(&b, r); err != nil {
				t.Fatal(err)
			}
			if err := validate(t, s, b.Bytes()); err != nil {
				t.Errorf("report does not validate: %v\n%s", err, b.Bytes())
			}
			var back scan.Report
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if back.Schema != scan.SchemaVersion {
				t.Errorf("schema %q", back.Schema)
			}
		})
	}
}

// The schema is a contract only if it refuses what the report must not hold.
func TestSchemaStrict(t *testing.T) {
	s := reportSchema(t)
	var b bytes.Buffer
	if err := JSON(&b, decorated(t)); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	for name, edit := range map[string][2]string{
		"severity outside the enum": {`"severity": "critical"`, `"severity": "severe"`},
		"outdated outside the enum": {`"outdated": "major"`, `"outdated": "ancient"`},
		"licence verdict":           {`"licence_verdict": "denied"`, `"licence_verdict": "forbidden"`},
		"other schema":              {`"schema": "perfwatch-depscan/report/v1"`, `"schema": "perfwatch-depscan/report/v2"`},
		"health above 100":          {`"health": 40`, `"health": 140`},
		"undocumented field":        {`"health": 40`, `"health": 40, "mood": "sad"`},
		"bad timestamp":             {`"scanned_at": "2026-12-02T00:00:00Z"`, `"scanned_at": "yesterday"`},
		"missing licence verdict":   {`"licence_verdict": "denied",`, ``},
		"score above 10":            {`"cvss_score": 9.8`, `"cvss_score": 98`},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(good, edit[0]) {
				t.Fatalf("report lacks %q", edit[0])
			}
			bad := strings.Replace(good, edit[0], edit[1], 1)
			if err := validate(t, s, []byte(bad)); err == nil {
				t.Error("schema accepted it")
			}
		})
	}
}

// JSON leaves the caller's report as it was.
func TestJSONDoesNotChangeReport(t *testing.T) {
	r := &scan.Report{Root: "x", Projects: []scan.Project{{Name: "."}}}
	if err := JSON(&bytes.Buffer{}, r); err != nil {
		t.Fatal(err)
	}
	if r.Schema != "" || r.Projects[0].Packages != nil {
		t.Errorf("report changed: %+v", r)
	}
}

func TestSchemaCopy(t *testing.T) {
	a := Schema()
	a[0] = 'x'
	if Schema()[0] != '{' {
		t.Error("Schema returned the package's own slice")
	}
}
