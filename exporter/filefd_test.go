package exporter

import "testing"

func TestFilefdCollector(t *testing.T) {
	runCollectorCases(t, newFilefdCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_filefd_allocated": 1024,
			"node_filefd_maximum":   1631329,
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "unexpected number of file stats"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}, wantErr: "file-nr"},
	})
}
