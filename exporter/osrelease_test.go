package exporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOSCollector(t *testing.T) {
	info := func(kv map[string]string) string {
		vals := map[string]string{}
		for _, k := range osInfoKeys {
			vals[k.label] = kv[k.label]
		}
		names := make([]string, 0, len(osInfoKeys))
		for _, k := range osInfoKeys {
			names = append(names, k.label)
		}
		values := make([]string, len(names))
		for i, n := range names {
			values[i] = vals[n]
		}
		return seriesKey("node_os_info", names, values)
	}
	for _, tc := range []struct {
		name, root string
		want       map[string]float64
		wantErr    []string // every part must be in the error
	}{
		{name: "etc", root: "testdata/root", want: map[string]float64{
			info(map[string]string{
				"name": "Fedora Linux", "version": "40 (Workstation Edition)", "id": "fedora", "version_id": "40",
				"pretty_name": "Fedora Linux 40 (Workstation Edition)",
				// Inside double quotes only \$ \" \\ \` are escapes; \n stays as written.
				"variant":    `Workstation "Edition" $HOME \ \n`,
				"variant_id": "work station",
			}): 1,
			`node_os_version{id="fedora",id_like="",name="Fedora Linux"}`: 40,
			// 2025-05-13T00:00:00Z
			"node_os_support_end_timestamp_seconds": 1747094400,
		}},
		{name: "usr/lib when /etc has none", root: "testdata/root-usrlib", want: map[string]float64{
			info(map[string]string{"name": "Ubuntu", "id": "ubuntu", "id_like": "debian", "version_id": "22.04.4"}): 1,
			`node_os_version{id="ubuntu",id_like="debian",name="Ubuntu"}`:                                           22.04,
		}},
		// Lines that parse are kept; the others are named.
		{name: "broken lines", root: "testdata/root-broken", want: map[string]float64{
			info(map[string]string{"id": "alpine", "version_id": "3.20.1"}): 1,
			`node_os_version{id="alpine",id_like="",name=""}`:               3.20,
		}, wantErr: []string{"line 1: NAME: unterminated", "line 4: PRETTY_NAME: unquoted whitespace", "line 5: not an assignment"}},
		{name: "none", root: "testdata/proc-empty", want: map[string]float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(fixtureProc)
			cfg.RootFS = tc.root
			c := mustNew(t, newOSCollector, cfg)
			got, err := update(t, c)
			if (tc.wantErr == nil) != (err == nil) || (err != nil && !containsAll(err.Error(), tc.wantErr...)) {
				t.Fatalf("Update error %v, want %q", err, tc.wantErr)
			}
			wantSamples(t, got, tc.want)
		})
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestOSCollectorFollowsUpgrades checks that a replaced os-release (a
// distribution upgrade) is read again, and a removed one drops the series.
func TestOSCollectorFollowsUpgrades(t *testing.T) {
	root := t.TempDir()
	etc := filepath.Join(root, "etc")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(content string) {
		tmp := filepath.Join(etc, ".os-release.new")
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(etc, "os-release")); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fixtureConfig(fixtureProc)
	cfg.RootFS = root
	c := mustNew(t, newOSCollector, cfg)
	for i, step := range []struct {
		content string // "" removes the file
		want    float64
	}{
		{"ID=debian\nVERSION_ID=\"12\"\n", 12},
		{"ID=debian\nVERSION_ID=\"12\"\n", 12},
		{"ID=debian\nVERSION_ID=\"13\"\n", 13},
		{"", -1},
	} {
		if step.content == "" {
			os.Remove(filepath.Join(etc, "os-release"))
		} else {
			write(step.content)
		}
		got, err := update(t, c)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := got[`node_os_version{id="debian",id_like="",name=""}`]
		if step.want < 0 {
			if len(got) != 0 {
				t.Errorf("step %d: want nothing, got %v", i, got)
			}
		} else if !ok || v != step.want {
			t.Errorf("step %d: version %v (present %v), want %v", i, v, ok, step.want)
		}
	}
}
