package exporter

import "testing"

func TestBondingCollector(t *testing.T) {
	for _, tc := range []struct {
		name, sys string
		want      map[string]float64
		wantErr   string
	}{
		// bond0: one slave up, one down (kernel ≥ 4.13 links); bond1: the
		// older slave_ link; bond2: no slaves.
		{"bonds", "testdata/sys-bonding", map[string]float64{
			`node_bonding_slaves{master="bond0"}`: 2, `node_bonding_active{master="bond0"}`: 1,
			`node_bonding_slaves{master="bond1"}`: 1, `node_bonding_active{master="bond1"}`: 1,
			`node_bonding_slaves{master="bond2"}`: 0, `node_bonding_active{master="bond2"}`: 0,
		}, ""},
		// A slave without MII status: that bond is named, the other kept.
		{"broken", "testdata/sys-bonding-broken", map[string]float64{
			`node_bonding_slaves{master="bond1"}`: 0, `node_bonding_active{master="bond1"}`: 0,
		}, "eth9 in bond bond0"},
		{"no bonding driver", "testdata/sys", map[string]float64{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(fixtureProc)
			cfg.SysFS = tc.sys
			got, err := update(t, mustNew(t, newBondingCollector, cfg))
			if (tc.wantErr == "") != (err == nil) || (err != nil && !containsAll(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			wantSamples(t, got, tc.want)
		})
	}
}
