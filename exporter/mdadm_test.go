package exporter

import "testing"

func TestMdadmCollector(t *testing.T) {
	state := func(dev, active string) map[string]float64 {
		out := map[string]float64{}
		for _, s := range mdStates {
			v := 0.0
			if s.label == active {
				v = 1
			}
			out[`node_md_state{device="`+dev+`",state="`+s.label+`"}`] = v
		}
		return out
	}
	want := map[string]float64{
		// md0: raid1 [2/2] [UU], in sync.
		`node_md_disks_required{device="md0"}`:       2,
		`node_md_disks{device="md0",state="active"}`: 2,
		`node_md_disks{device="md0",state="failed"}`: 0,
		`node_md_disks{device="md0",state="spare"}`:  0,
		`node_md_blocks{device="md0"}`:               1953382400,
		`node_md_blocks_synced{device="md0"}`:        1953382400,
		`node_md_raid_disks{device="md0"}`:           2,
		`node_md_degraded{device="md0"}`:             0,
		// md1: raid5 [3/2] [U_U], one failed (F) and one spare (S) member,
		// recovering 244172800 of 1953382400 blocks.
		`node_md_disks_required{device="md1"}`:       3,
		`node_md_disks{device="md1",state="active"}`: 2,
		`node_md_disks{device="md1",state="failed"}`: 1,
		`node_md_disks{device="md1",state="spare"}`:  1,
		`node_md_blocks{device="md1"}`:               3906764800,
		`node_md_blocks_synced{device="md1"}`:        244172800,
		`node_md_raid_disks{device="md1"}`:           3,
		`node_md_degraded{device="md1"}`:             1,
	}
	for k, v := range state("md0", "active") {
		want[k] = v
	}
	for k, v := range state("md1", "recovering") {
		want[k] = v
	}
	for _, tc := range []struct {
		name, proc, sys string
		want            map[string]float64
	}{
		{"arrays", "testdata/proc-md", "testdata/sys-md", want},
		{"no md driver", "testdata/proc-empty", "testdata/sys", map[string]float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(tc.proc)
			cfg.SysFS = tc.sys
			got, err := update(t, mustNew(t, newMdadmCollector, cfg))
			if err != nil {
				t.Fatal(err)
			}
			wantSamples(t, got, tc.want)
		})
	}
}
