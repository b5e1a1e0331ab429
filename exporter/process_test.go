package exporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProcessCollectorFixture(t *testing.T) {
	cfg := fixtureConfig(fixtureProc)
	cfg.Processes = []ProcessConfig{
		{Name: "nginx", Comm: "^nginx$"},
		{Name: "django", Cmdline: `manage\.py runserver`},
		{Name: "postgres", PIDFile: "testdata/run/postgres.pid"},
		{Name: "stale", PIDFile: "testdata/run/stale.pid"},
		{Name: "absent", Comm: "^redis-server$"},
	}
	c := mustNew(t, newProcessCollector, cfg)
	for scrape := 1; scrape <= 2; scrape++ { // the second uses the match cache
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("scrape %d: %v", scrape, err)
		}
		page := float64(os.Getpagesize())
		for key, want := range map[string]float64{
			`perfwatch_process_instances{name="nginx"}`:             2,
			`perfwatch_process_cpu_seconds_total{name="nginx"}`:     (150 + 50 + 300 + 100) / 100.0,
			`perfwatch_process_resident_memory_bytes{name="nginx"}`: (500 + 700) * page,
			`perfwatch_process_threads{name="nginx"}`:               1 + 4,
			`perfwatch_process_open_fds{name="nginx"}`:              3 + 4,
			`perfwatch_process_start_time_seconds{name="nginx"}`:    1700000000 + 10, // the older of the two
			`perfwatch_process_instances{name="django"}`:            1,
			`perfwatch_process_threads{name="django"}`:              8,
			`perfwatch_process_instances{name="postgres"}`:          1,
			`perfwatch_process_cpu_seconds_total{name="postgres"}`:  0.75,
			`perfwatch_process_open_fds{name="postgres"}`:           2,
			`perfwatch_process_instances{name="stale"}`:             0,
			`perfwatch_process_instances{name="absent"}`:            0,
		} {
			if v, ok := got[key]; !ok || v != want {
				t.Errorf("scrape %d: %s = %v (present %v), want %v", scrape, key, v, ok, want)
			}
		}
		if _, ok := got[`perfwatch_process_cpu_seconds_total{name="absent"}`]; ok {
			t.Errorf("resource series exported for a name with no process")
		}
	}
}

func TestProcessCollectorErrors(t *testing.T) {
	cfg := fixtureConfig(fixtureProc)
	cfg.Processes = []ProcessConfig{{Name: "bad", PIDFile: "testdata/run/garbage.pid"}, {Name: "missing", PIDFile: "testdata/run/nope.pid"}}
	c := mustNew(t, newProcessCollector, cfg)
	got, err := update(t, c)
	if err == nil || !strings.Contains(err.Error(), "not a pid") || !strings.Contains(err.Error(), "nope.pid") {
		t.Fatalf("want errors for the garbage and the missing pid file, got %v", err)
	}
	if got[`perfwatch_process_instances{name="bad"}`] != 0 {
		t.Errorf("count must still be exported as 0: %v", got)
	}

	cfg = fixtureConfig("testdata/proc-empty")
	cfg.Processes = []ProcessConfig{{Name: "x", Comm: "x"}}
	c = mustNew(t, newProcessCollector, cfg)
	if _, err := update(t, c); err == nil || !strings.Contains(err.Error(), "boot time") {
		t.Fatalf("want a boot time error without /proc/stat, got %v", err)
	}
}

func TestProcessCollectorWithoutConfigEmitsNothing(t *testing.T) {
	c := mustNew(t, newProcessCollector, fixtureConfig("testdata/proc-empty"))
	got, err := update(t, c)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		wantErr    string // substring; empty means success
		wantN      int
	}{
		{"valid", "processes:\n  - name: nginx\n    comm: '^nginx$'\n  - name: db\n    pid_file: /run/db.pid\n", "", 2},
		{"empty file", "", "", 0},
		{"unknown key", "processes:\n  - name: nginx\n    command: nginx\n", "line 3: field command not found", 0},
		{"unknown top-level key", "procs: []\n", "line 1: field procs not found", 0},
		{"wrong type", "processes:\n  name: x\n", "line 2", 0},
		{"no selector", "processes:\n  - name: a\n    comm: a\n  - name: b\n", "line 4: process 2: \"b\": exactly one of", 0},
		{"two selectors", "processes:\n  - name: a\n    comm: a\n    pid_file: /x\n", "line 2: process 1", 0},
		{"no name", "processes:\n  - comm: a\n", "line 2: process 1: name is required", 0},
		{"bad regexp", "processes:\n  - name: a\n    cmdline: '('\n", "missing closing )", 0},
		{"duplicate name", "processes:\n  - name: a\n    comm: a\n  - name: a\n    comm: b\n", `line 4: process name "a" already used on line 2`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yaml))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if len(cfg.Processes) != tc.wantN {
					t.Fatalf("got %d processes, want %d", len(cfg.Processes), tc.wantN)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadConfigFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "perfwatch.yml")
	if err := os.WriteFile(path, []byte("processes:\n  - name: a\n    comm: a\n    colour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfigFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("want an error naming %s and line 4, got %v", path, err)
	}
	if _, err := LoadConfigFile(filepath.Join(t.TempDir(), "missing.yml")); err == nil || !strings.Contains(err.Error(), "missing.yml") {
		t.Fatalf("want an error naming the missing file, got %v", err)
	}
}
