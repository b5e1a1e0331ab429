package exporter

import "testing"

func TestStatCollector(t *testing.T) {
	for _, tc := range []struct {
		proc    string
		want    map[string]float64
		wantErr bool
	}{
		{fixtureProc, map[string]float64{
			"node_intr_total":             12345,
			"node_context_switches_total": 100000,
			"node_forks_total":            4000,
			"node_boot_time_seconds":      1700000000,
			"node_procs_running":          2,
			"node_procs_blocked":          0,
		}, false},
		// A malformed cpu line fails the whole file, as in node_exporter.
		{"testdata/proc-broken", map[string]float64{}, true},
		{"testdata/proc-empty", map[string]float64{}, true},
	} {
		t.Run(tc.proc, func(t *testing.T) {
			c := mustNew(t, newStatCollector, fixtureConfig(tc.proc))
			got, err := update(t, c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
		})
	}
}
