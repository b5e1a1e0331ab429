package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"

	"github.com/perfwatch/perfwatch/depscan/scan"
)

// schema is the JSON Schema (draft 2020-12) of the report JSON writes.
//
//go:embed report.schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) JSON's output follows: the
// documented contract of the report, which names its layout in the schema field.
func Schema() []byte { return append([]byte(nil), schema...) }

// JSON writes r as indented JSON with its schema field set to scan.SchemaVersion
// and empty lists written as [] rather than null, as report.schema.json requires.
// r is not changed.
func JSON(w io.Writer, r *scan.Report) error {
	out := *r
	out.Schema = scan.SchemaVersion
	out.Projects = make([]scan.Project, len(r.Projects))
	for i, p := range r.Projects {
		if p.Packages == nil {
			p.Packages = []scan.Dependency{}
		}
		if p.Findings == nil {
			p.Findings = []scan.Finding{}
		}
		out.Projects[i] = p
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}
