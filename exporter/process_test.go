package exporter

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testtool"
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

// writeProc writes a fixture /proc/<pid> with the given comm, command line,
// CPU ticks (utime, stime) and start time.
func writeProc(t *testing.T, proc string, pid int, comm, cmdline string, utime, stime, start uint64) {
	t.Helper()
	dir := filepath.Join(proc, strconv.Itoa(pid))
	if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
		t.Fatal(err)
	}
	stat := fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194560 100 0 0 0 %d %d 0 0 20 0 1 0 %d 10000000 500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		pid, comm, pid, pid, utime, stime, start)
	for name, data := range map[string]string{
		"stat":    stat,
		"comm":    comm + "\n",
		"cmdline": strings.ReplaceAll(cmdline, " ", "\x00") + "\x00",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProcessCollectorCountersSurviveExits runs the collector over a fixture
// /proc in which workers of a pool exit, are replaced, and one pid is reused.
func TestProcessCollectorCountersSurviveExits(t *testing.T) {
	proc := t.TempDir()
	if err := os.WriteFile(filepath.Join(proc, "stat"), []byte("btime 1700000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "db.pid")
	cfg := fixtureConfig(proc)
	cfg.Processes = []ProcessConfig{
		{Name: "php-fpm", Comm: "^php-fpm$"},
		{Name: "gunicorn", Cmdline: `gunicorn app:wsgi`},
		{Name: "db", PIDFile: pidFile},
	}
	c := mustNew(t, newProcessCollector, cfg)
	type want struct{ fpm, fpmN, gun, db float64 }
	for i, step := range []struct {
		setup func()
		want  want
	}{
		{func() {
			writeProc(t, proc, 100, "php-fpm", "php-fpm: master", 100, 100, 10)
			writeProc(t, proc, 101, "php-fpm", "php-fpm: pool www", 300, 100, 20)
			writeProc(t, proc, 102, "php-fpm", "php-fpm: pool www", 200, 0, 30)
			writeProc(t, proc, 200, "python3", "python3 /usr/bin/gunicorn app:wsgi", 50, 50, 40)
			writeProc(t, proc, 300, "postgres", "postgres -D /db", 1000, 0, 50)
			writeProc(t, proc, 400, "bash", "bash", 999, 999, 60)
			if err := os.WriteFile(pidFile, []byte("300\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want{fpm: 8, fpmN: 3, gun: 1, db: 10}},
		{func() { // worker 101 recycled: it exits and 103 starts
			os.RemoveAll(filepath.Join(proc, "101"))
			writeProc(t, proc, 103, "php-fpm", "php-fpm: pool www", 10, 0, 500)
			writeProc(t, proc, 102, "php-fpm", "php-fpm: pool www", 250, 0, 30)
		}, want{fpm: 8.6, fpmN: 3, gun: 1, db: 10}},
		{func() { // pid 102 reused by a new worker; the database restarts as 301
			writeProc(t, proc, 102, "php-fpm", "php-fpm: pool www", 5, 0, 600)
			os.RemoveAll(filepath.Join(proc, "300"))
			writeProc(t, proc, 301, "postgres", "postgres -D /db", 20, 0, 700)
			if err := os.WriteFile(pidFile, []byte("301\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want{fpm: 8.65, fpmN: 3, gun: 1, db: 10.2}},
		{func() { // everything stops: the counters stay where they were
			for _, pid := range []string{"100", "102", "103", "200", "301"} {
				os.RemoveAll(filepath.Join(proc, pid))
			}
		}, want{fpm: 8.65, fpmN: 0, gun: 1, db: 10.2}},
	} {
		step.setup()
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		for key, w := range map[string]float64{
			`perfwatch_process_cpu_seconds_total{name="php-fpm"}`:  step.want.fpm,
			`perfwatch_process_instances{name="php-fpm"}`:          step.want.fpmN,
			`perfwatch_process_cpu_seconds_total{name="gunicorn"}`: step.want.gun,
			`perfwatch_process_cpu_seconds_total{name="db"}`:       step.want.db,
		} {
			if v, ok := got[key]; !ok || math.Abs(v-w) > 1e-9 {
				t.Errorf("step %d: %s = %v (present %v), want %v", i, key, v, ok, w)
			}
		}
	}
}

// TestProcessCollectorLiveWorkerExits watches a group of two real processes,
// one burning CPU, and stops that one between two scrapes: the group's CPU
// counter must not fall (it did, to the survivor's ~0 s, before).
func TestProcessCollectorLiveWorkerExits(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testtool.Missing(t, "no /proc on this machine: %v", err)
	}
	marker := fmt.Sprintf("perfwatch-test-worker-%d", os.Getpid())
	start := func(script string) *exec.Cmd {
		cmd := exec.Command("/bin/sh", "-c", script, marker)
		if err := cmd.Start(); err != nil {
			testtool.Missing(t, "cannot start /bin/sh: %v", err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	busy := start("while :; do :; done")
	start("while :; do sleep 1; done")

	cfg := fixtureConfig("/proc")
	cfg.Processes = []ProcessConfig{{Name: "pool", Cmdline: regexp.QuoteMeta(marker) + "$"}}
	c := mustNew(t, newProcessCollector, cfg)
	const cpuKey, nKey = `perfwatch_process_cpu_seconds_total{name="pool"}`, `perfwatch_process_instances{name="pool"}`
	scrape := func() map[string]float64 {
		t.Helper()
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("scrape: %v", err)
		}
		return got
	}
	var before map[string]float64
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		before = scrape()
		if before[nKey] == 2 && before[cpuKey] >= 0.2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the busy worker did not reach 0.2 s of CPU: %v", before)
		}
	}
	busy.Process.Kill()
	busy.Wait() // reaped: its /proc entry is gone
	after := scrape()
	if after[nKey] != 1 {
		t.Fatalf("instances after the exit = %v, want 1", after[nKey])
	}
	if after[cpuKey] < before[cpuKey] {
		t.Errorf("cpu seconds fell from %v to %v when a worker exited", before[cpuKey], after[cpuKey])
	}
	t.Logf("cpu seconds %v → %v", before[cpuKey], after[cpuKey])
}
