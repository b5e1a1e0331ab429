package exporter

import "testing"

func TestLoadavgCollector(t *testing.T) {
	for _, tc := range []struct {
		proc    string
		want    map[string]float64
		wantErr bool
	}{
		{fixtureProc, map[string]float64{"node_load1": 0.5, "node_load5": 0.25, "node_load15": 0.1}, false},
		{"testdata/proc-broken", map[string]float64{}, true},
		{"testdata/proc-empty", map[string]float64{}, true},
	} {
		t.Run(tc.proc, func(t *testing.T) {
			c := mustNew(t, newLoadavgCollector, fixtureConfig(tc.proc))
			got, err := update(t, c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}
