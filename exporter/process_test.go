package exporter

import (
	"context"
	"fmt"
	"maps"
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
			`perfwatch_process_instances{name="nginx"}`:                                              2,
			`perfwatch_process_cpu_seconds_total{name="nginx"}`:                                      (150 + 50 + 300 + 100) / 100.0,
			`perfwatch_process_resident_memory_bytes{name="nginx"}`:                                  (500 + 700) * page,
			`perfwatch_process_threads{name="nginx"}`:                                                1 + 4,
			`perfwatch_process_open_fds{name="nginx"}`:                                               3 + 4,
			`perfwatch_process_start_time_seconds{name="nginx"}`:                                     1700000000 + 10, // the older of the two
			`perfwatch_process_context_switches_total{ctxswitchtype="voluntary",name="nginx"}`:       1000 + 2000,
			`perfwatch_process_context_switches_total{ctxswitchtype="nonvoluntary",name="nginx"}`:    10 + 20,
			`perfwatch_process_minor_page_faults_total{name="nginx"}`:                                100 + 100,
			`perfwatch_process_major_page_faults_total{name="nginx"}`:                                0,
			`perfwatch_process_read_bytes_total{name="nginx"}`:                                       4096 + 1<<20,
			`perfwatch_process_write_bytes_total{name="nginx"}`:                                      8192 + 2<<20,
			`perfwatch_process_io_unreadable{name="nginx"}`:                                          0,
			`perfwatch_process_context_switches_total{ctxswitchtype="voluntary",name="django"}`:      30,
			`perfwatch_process_write_bytes_total{name="django"}`:                                     512,
			`perfwatch_process_read_bytes_total{name="postgres"}`:                                    65536,
			`perfwatch_process_context_switches_total{ctxswitchtype="nonvoluntary",name="postgres"}`: 40,
			`perfwatch_process_instances{name="django"}`:                                             1,
			`perfwatch_process_threads{name="django"}`:                                               8,
			`perfwatch_process_instances{name="postgres"}`:                                           1,
			`perfwatch_process_cpu_seconds_total{name="postgres"}`:                                   0.75,
			`perfwatch_process_open_fds{name="postgres"}`:                                            2,
			`perfwatch_process_instances{name="stale"}`:                                              0,
			`perfwatch_process_instances{name="absent"}`:                                             0,
		} {
			if v, ok := got[key]; !ok || v != want {
				t.Errorf("scrape %d: %s = %v (present %v), want %v", scrape, key, v, ok, want)
			}
		}
		for k := range got {
			if strings.Contains(k, `name="absent"`) && !strings.HasPrefix(k, "perfwatch_process_instances{") {
				t.Errorf("%s exported for a name with no process", k)
			}
		}
		described := map[string]bool{}
		for _, d := range c.Descs() {
			described[d.Name()] = true
		}
		for k := range got {
			if name, _, _ := strings.Cut(k, "{"); !described[name] {
				t.Errorf("%s exported but not in Descs", name)
			}
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

// procStatusFormat is a real /proc/<pid>/status with the name (%[1]s), pid
// (%[2]d) and context switches (%[3]d voluntary, %[4]d not) left to fill in.
const procStatusFormat = `Name:	%[1]s
Umask:	0022
State:	S (sleeping)
Tgid:	%[2]d
Ngid:	0
Pid:	%[2]d
PPid:	1
TracerPid:	0
Uid:	0	0	0	0
Gid:	0	0	0	0
FDSize:	256
Groups:	 
NStgid:	%[2]d
NSpid:	%[2]d
NSpgid:	%[2]d
NSsid:	%[2]d
Kthread:	0
VmPeak:	   16564 kB
VmSize:	   16564 kB
VmLck:	       0 kB
VmPin:	       0 kB
VmHWM:	   13556 kB
VmRSS:	    2000 kB
RssAnon:	    6948 kB
RssFile:	    6608 kB
RssShmem:	       0 kB
VmData:	    7944 kB
VmStk:	     132 kB
VmExe:	       4 kB
VmLib:	    4672 kB
VmPTE:	      72 kB
VmSwap:	       0 kB
HugetlbPages:	       0 kB
CoreDumping:	0
THP_enabled:	1
untag_mask:	0xffffffffffffffff
Threads:	1
SigQ:	0/96365
SigPnd:	0000000000000000
ShdPnd:	0000000000000000
SigBlk:	0000000000000000
SigIgn:	0000000001001000
SigCgt:	0000000000000002
CapInh:	0000000000000000
CapPrm:	000001fffeffffff
CapEff:	000001fffeffffff
CapBnd:	000001fffeffffff
CapAmb:	0000000000000000
NoNewPrivs:	0
Seccomp:	0
Seccomp_filters:	0
Speculation_Store_Bypass:	vulnerable
SpeculationIndirectBranch:	always enabled
Cpus_allowed:	3
Cpus_allowed_list:	0-1
Mems_allowed:	00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001
Mems_allowed_list:	0
voluntary_ctxt_switches:	%[3]d
nonvoluntary_ctxt_switches:	%[4]d
`

// writeProc writes a fixture /proc/<pid> with the given comm, command line,
// CPU ticks (utime u, stime s) and start time. The other counters follow
// from the ticks, each its own way so that a swap shows: context switches u
// voluntary and s not, minor faults 3u, major faults 5s, u KiB read and
// 4s KiB written (counters of a fixture process, see fixtureCounters).
func writeProc(t testing.TB, proc string, pid int, comm, cmdline string, utime, stime, start uint64) {
	t.Helper()
	dir := filepath.Join(proc, strconv.Itoa(pid))
	if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "io")) // writeProcUnreadableIO may have made it a directory
	stat := fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194560 %d 0 %d 0 %d %d 0 0 20 0 1 0 %d 10000000 500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		pid, comm, pid, pid, 3*utime, 5*stime, utime, stime, start)
	for name, data := range map[string]string{
		"stat":    stat,
		"status":  fmt.Sprintf(procStatusFormat, comm, pid, utime, stime),
		"io":      fmt.Sprintf("rchar: %d\nwchar: %d\nsyscr: 9\nsyscw: 9\nread_bytes: %d\nwrite_bytes: %d\ncancelled_write_bytes: 0\n", 2*1024*utime, 2*4096*stime, 1024*utime, 4096*stime),
		"comm":    comm + "\n",
		"cmdline": strings.ReplaceAll(cmdline, " ", "\x00") + "\x00",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeProcUnreadableIO makes a fixture process's /proc/<pid>/io unreadable:
// mode 0 as another user's is when the tests do not run as root, else (root
// reads a mode-0 file) a directory, which open succeeds on and read fails.
func writeProcUnreadableIO(t testing.TB, proc string, pid int) {
	t.Helper()
	path := filepath.Join(proc, strconv.Itoa(pid), "io")
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		return
	}
	os.Remove(path)
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

// fixtureCounters are the per-group counter series that writeProc's
// processes add up to, for utime and stime sums u and s (in ticks).
func fixtureCounters(name string, u, s float64) map[string]float64 {
	l := `{name="` + name + `"}`
	return map[string]float64{
		`perfwatch_process_cpu_seconds_total` + l:                                                    (u + s) / 100,
		`perfwatch_process_context_switches_total{ctxswitchtype="voluntary",name="` + name + `"}`:    u,
		`perfwatch_process_context_switches_total{ctxswitchtype="nonvoluntary",name="` + name + `"}`: s,
		`perfwatch_process_minor_page_faults_total` + l:                                              3 * u,
		`perfwatch_process_major_page_faults_total` + l:                                              5 * s,
		`perfwatch_process_read_bytes_total` + l:                                                     1024 * u,
		`perfwatch_process_write_bytes_total` + l:                                                    4096 * s,
	}
}

// checkCounters compares got with want and checks that no series of a
// counter (a name ending in _total) fell since prev, which it then updates.
func checkCounters(t *testing.T, step int, got, want, prev map[string]float64) {
	t.Helper()
	for key, w := range want {
		if v, ok := got[key]; !ok || math.Abs(v-w) > 1e-9 {
			t.Errorf("step %d: %s = %v (present %v), want %v", step, key, v, ok, w)
		}
	}
	for key, v := range got {
		name, _, _ := strings.Cut(key, "{")
		if !strings.HasSuffix(name, "_total") {
			continue
		}
		if p, ok := prev[key]; ok && v < p {
			t.Errorf("step %d: %s fell from %v to %v", step, key, p, v)
		}
		prev[key] = v
	}
	for key := range prev {
		if _, ok := got[key]; !ok {
			t.Errorf("step %d: %s disappeared", step, key)
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
	// Sums of utime and stime ticks, from which fixtureCounters derives
	// every counter series of the group.
	type want struct{ fpmU, fpmS, fpmN, gunU, gunS, dbU, dbS float64 }
	prev := map[string]float64{}
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
		}, want{fpmU: 600, fpmS: 200, fpmN: 3, gunU: 50, gunS: 50, dbU: 1000}},
		{func() { // worker 101 recycled: it exits and 103 starts
			os.RemoveAll(filepath.Join(proc, "101"))
			writeProc(t, proc, 103, "php-fpm", "php-fpm: pool www", 10, 0, 500)
			writeProc(t, proc, 102, "php-fpm", "php-fpm: pool www", 250, 0, 30)
		}, want{fpmU: 660, fpmS: 200, fpmN: 3, gunU: 50, gunS: 50, dbU: 1000}},
		{func() { // pid 102 reused by a new worker; the database restarts as 301
			writeProc(t, proc, 102, "php-fpm", "php-fpm: pool www", 5, 0, 600)
			os.RemoveAll(filepath.Join(proc, "300"))
			writeProc(t, proc, 301, "postgres", "postgres -D /db", 20, 0, 700)
			if err := os.WriteFile(pidFile, []byte("301\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want{fpmU: 665, fpmS: 200, fpmN: 3, gunU: 50, gunS: 50, dbU: 1020}},
		{func() { // everything stops: the counters stay where they were
			for _, pid := range []string{"100", "102", "103", "200", "301"} {
				os.RemoveAll(filepath.Join(proc, pid))
			}
		}, want{fpmU: 665, fpmS: 200, fpmN: 0, gunU: 50, gunS: 50, dbU: 1020}},
	} {
		step.setup()
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		w := map[string]float64{`perfwatch_process_instances{name="php-fpm"}`: step.want.fpmN}
		maps.Copy(w, fixtureCounters("php-fpm", step.want.fpmU, step.want.fpmS))
		maps.Copy(w, fixtureCounters("gunicorn", step.want.gunU, step.want.gunS))
		maps.Copy(w, fixtureCounters("db", step.want.dbU, step.want.dbS))
		checkCounters(t, i, got, w, prev)
	}
}

// TestProcessCollectorLiveWorkerExits watches a group of two real processes,
// one burning CPU, and stops that one between two scrapes: none of the
// group's counters (CPU, context switches, page faults, I/O bytes) may fall
// (CPU did, to the survivor's ~0 s, before they were kept across exits).
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
	counters := 0
	for key, b := range before {
		name, _, _ := strings.Cut(key, "{")
		if !strings.HasSuffix(name, "_total") {
			continue
		}
		counters++
		a, ok := after[key]
		if !ok || a < b {
			t.Errorf("%s fell from %v to %v (present %v) when a worker exited", key, b, a, ok)
		}
		t.Logf("%s %v → %v", key, b, a)
	}
	// CPU, two context switch series, two page fault counters, and the
	// I/O bytes, readable because the workers are the test's own.
	if counters != 7 {
		t.Errorf("%d counter series, want 7: %v", counters, before)
	}
	if v := after[`perfwatch_process_io_unreadable{name="pool"}`]; v != 0 {
		t.Errorf("io unreadable for the test's own processes: %v", v)
	}
}

// BenchmarkProcessCollector is one Update of the process collector with a
// group that matches every process, so that its cost per watched process
// shows (ns/proc): over a fixture /proc of 200 processes (stable figures) and
// over the live /proc.
func BenchmarkProcessCollector(b *testing.B) {
	fixture := b.TempDir()
	if err := os.WriteFile(filepath.Join(fixture, "stat"), []byte("btime 1700000000\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	for pid := 1000; pid < 1200; pid++ {
		writeProc(b, fixture, pid, "worker", "worker --pool", uint64(pid), 7, uint64(pid))
	}
	for _, bc := range []struct{ name, proc string }{{"fixture", fixture}, {"live", "/proc"}} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := os.Stat(filepath.Join(bc.proc, "stat")); err != nil {
				b.Skipf("no %s/stat: %v", bc.proc, err)
			}
			cfg := fixtureConfig(bc.proc)
			cfg.Processes = []ProcessConfig{{Name: "all", Comm: "."}}
			col, err := newProcessCollector(cfg)
			if err != nil {
				b.Fatal(err)
			}
			var batch Batch
			ctx := context.Background()
			col.Update(ctx, &batch)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				batch.Reset()
				col.Update(ctx, &batch)
			}
			b.StopTimer()
			if n := samples(&batch)[`perfwatch_process_instances{name="all"}`]; n > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/proc")
				b.ReportMetric(n, "procs")
			}
		})
	}
}

// TestProcessCollectorUnreadableIO: a process whose /proc/<pid>/io cannot be
// read (another user's, without CAP_SYS_PTRACE) is left out of its group's
// I/O byte counters, held at what was last read of it, and counted by
// perfwatch_process_io_unreadable; the group's other counters and the scrape
// are unaffected, and a group none of whose processes was ever readable has
// no I/O byte series.
func TestProcessCollectorUnreadableIO(t *testing.T) {
	proc := t.TempDir()
	if err := os.WriteFile(filepath.Join(proc, "stat"), []byte("btime 1700000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fixtureConfig(proc)
	cfg.Processes = []ProcessConfig{{Name: "app", Comm: "^app$"}, {Name: "other", Comm: "^other$"}}
	c := mustNew(t, newProcessCollector, cfg)
	const (
		appRead, appWrite     = `perfwatch_process_read_bytes_total{name="app"}`, `perfwatch_process_write_bytes_total{name="app"}`
		appCPU, appUnreadable = `perfwatch_process_cpu_seconds_total{name="app"}`, `perfwatch_process_io_unreadable{name="app"}`
		otherUnreadable       = `perfwatch_process_io_unreadable{name="other"}`
	)
	prev := map[string]float64{}
	for i, step := range []struct {
		name   string
		setup  func()
		want   map[string]float64
		absent []string
	}{
		{"all readable but other's", func() {
			writeProc(t, proc, 10, "app", "app", 100, 10, 1)
			writeProc(t, proc, 11, "app", "app", 200, 20, 2)
			writeProc(t, proc, 20, "other", "other", 7, 7, 3)
			writeProcUnreadableIO(t, proc, 20)
		}, map[string]float64{
			appRead: 1024 * 300, appWrite: 4096 * 30, appCPU: 3.3, appUnreadable: 0,
			otherUnreadable: 1, `perfwatch_process_cpu_seconds_total{name="other"}`: 0.14,
			`perfwatch_process_minor_page_faults_total{name="other"}`: 21,
		}, []string{`perfwatch_process_read_bytes_total{name="other"}`, `perfwatch_process_write_bytes_total{name="other"}`}},
		{"11 becomes unreadable: its I/O is held, its CPU still counts", func() {
			writeProc(t, proc, 10, "app", "app", 150, 10, 1)
			writeProc(t, proc, 11, "app", "app", 250, 40, 2)
			writeProcUnreadableIO(t, proc, 11)
		}, map[string]float64{
			appRead: 1024 * (150 + 200), appWrite: 4096 * (10 + 20), appCPU: 4.5, appUnreadable: 1, otherUnreadable: 1,
		}, nil},
		{"11 exits", func() {
			os.RemoveAll(filepath.Join(proc, "11"))
		}, map[string]float64{
			appRead: 1024 * 350, appWrite: 4096 * 30, appCPU: 4.5, appUnreadable: 0,
		}, nil},
		{"12 starts unreadable", func() {
			writeProc(t, proc, 12, "app", "app", 1000, 0, 5)
			writeProcUnreadableIO(t, proc, 12)
		}, map[string]float64{
			appRead: 1024 * 350, appWrite: 4096 * 30, appCPU: 14.5, appUnreadable: 1,
		}, nil},
		{"12 becomes readable: all it did counts from now", func() {
			writeProc(t, proc, 12, "app", "app", 1000, 0, 5)
		}, map[string]float64{
			appRead: 1024 * 1350, appWrite: 4096 * 30, appCPU: 14.5, appUnreadable: 0,
		}, nil},
	} {
		step.setup()
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("step %d (%s): an unreadable io must not fail the scrape: %v", i, step.name, err)
		}
		checkCounters(t, i, got, step.want, prev)
		for _, k := range step.absent {
			if _, ok := got[k]; ok {
				t.Errorf("step %d (%s): %s exported, but no process of the group had a readable io", i, step.name, k)
			}
		}
	}
}
