package exporter

import (
	"strings"
	"testing"
)

// collectorCase is one table row shared by the small single-file collectors'
// tests: the whole series set wanted from a fixture tree, and the error.
type collectorCase struct {
	name    string
	proc    string
	want    map[string]float64
	wantErr string // substring; empty for none
}

func runCollectorCases(t *testing.T, newC func(Config) (Collector, error), cases []collectorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, newC, fixtureConfig(tc.proc))
			got, err := update(t, c)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Update: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d series, want %d: %v", len(got), len(tc.want), got)
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			described := map[string]bool{}
			for _, d := range c.Descs() {
				described[d.Name()] = true
			}
			for k := range got {
				name, _, _ := strings.Cut(k, "{")
				if !described[name] {
					t.Errorf("%s exported but not in Descs", name)
				}
			}
		})
	}
}

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
