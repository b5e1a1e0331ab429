package exporter

import (
	"regexp"
	"testing"
)

func TestVmstatCollector(t *testing.T) {
	for _, tc := range []struct {
		proc    string
		want    map[string]float64
		wantErr bool
	}{
		{fixtureProc, map[string]float64{
			"node_vmstat_pgpgin":     1000,
			"node_vmstat_pgpgout":    2000,
			"node_vmstat_pswpin":     3,
			"node_vmstat_pswpout":    4,
			"node_vmstat_pgfault":    500000,
			"node_vmstat_pgmajfault": 700,
			"node_vmstat_oom_kill":   1,
			// Not in the known list but selected by the default regexp.
			"node_vmstat_pgmajfault_file": 650,
		}, false},
		{"testdata/proc-broken", map[string]float64{}, true},
		{"testdata/proc-empty", map[string]float64{}, true},
	} {
		t.Run(tc.proc, func(t *testing.T) {
			c := mustNew(t, newVmstatCollector, fixtureConfig(tc.proc))
			got, err := update(t, c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			wantSamples(t, got, tc.want)
		})
	}
}

func TestVmstatDescsUntyped(t *testing.T) {
	c := mustNew(t, newVmstatCollector, fixtureConfig(fixtureProc))
	if n := len(c.Descs()); n != len(vmstatKnownFields) {
		t.Fatalf("%d descs, want %d", n, len(vmstatKnownFields))
	}
	for _, d := range c.Descs() {
		if d.Type() != Untyped {
			t.Errorf("%s: type %s, want untyped (as node_exporter)", d.Name(), d.Type())
		}
	}
}

func TestVmstatFields(t *testing.T) {
	cfg := fixtureConfig(fixtureProc)
	cfg.Vmstat.Fields = regexp.MustCompile(`^(nr_free_pages|oom_kill)$`)
	got, err := update(t, mustNew(t, newVmstatCollector, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["node_vmstat_oom_kill"] != 1 {
		t.Errorf("got %v, want oom_kill and nr_free_pages only", got)
	}
	if _, ok := got["node_vmstat_nr_free_pages"]; !ok {
		t.Errorf("nr_free_pages missing: %v", got)
	}
}

// Malformed input, against Documentation/filesystems/proc.rst's
// /proc/vmstat: one "name value" pair per line, values unsigned decimal.
func TestVmstatMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          map[string]float64
		wantErr       bool
	}{
		{"empty", "", map[string]float64{}, false},
		// A line without its value, or with extra fields, is skipped.
		{"truncated", "pgfault\npgmajfault 7 8\npswpin 3\n", map[string]float64{"node_vmstat_pswpin": 3}, false},
		{"no final newline", "pswpin 3", map[string]float64{"node_vmstat_pswpin": 3}, false},
		// Unselected fields are not parsed; a selected non-number fails.
		{"non-numeric", "nr_free_pages x\npswpin 3\npgfault x\n", map[string]float64{"node_vmstat_pswpin": 3}, true},
		{"huge", "pgfault 18446744073709551615\n", map[string]float64{"node_vmstat_pgfault": 18446744073709551615}, false},
		// A field name that makes no metric name is skipped.
		{"invalid name", "pgfault-x 1\npgfault 2\n", map[string]float64{"node_vmstat_pgfault": 2}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, newVmstatCollector, fixtureConfig(procTree(t, map[string]string{"vmstat": tc.content})))
			for range 2 { // the second scrape runs on the cached decisions
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
			}
		})
	}
}
