package exporter

import "testing"

func TestSelinuxCollector(t *testing.T) {
	for _, tc := range []struct {
		name, sys, root string
		want            map[string]float64
	}{
		{"off", "testdata/sys", "testdata/root", map[string]float64{"node_selinux_enabled": 0}},
		// Configured enforcing, switched to permissive at run time (setenforce 0).
		{"on", "testdata/sys-selinux", "testdata/root", map[string]float64{
			"node_selinux_enabled": 1, "node_selinux_config_mode": 1, "node_selinux_current_mode": 0,
		}},
		{"on without a configuration file", "testdata/sys-selinux", "testdata/proc-empty", map[string]float64{
			"node_selinux_enabled": 1, "node_selinux_config_mode": -1, "node_selinux_current_mode": 0,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(fixtureProc)
			cfg.SysFS, cfg.RootFS = tc.sys, tc.root
			got, err := update(t, mustNew(t, newSelinuxCollector, cfg))
			if err != nil {
				t.Fatal(err)
			}
			wantSamples(t, got, tc.want)
		})
	}
}
