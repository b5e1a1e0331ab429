package service

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan/scan"
)

// fixtures are real OSV entries (depscan/osv/testdata/README): django 3.2.5 has
// PYSEC-2022-213 (with its alias GHSA-p64x-8rxx-wf6q, critical), lodash 4.17.15 has
// GHSA-35jh-r3h4-6jhm and GHSA-p6mc-m468-83gw.
const fixtures = "../osv/testdata/db"

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

const packageLock = `{"name": "web", "lockfileVersion": 3, "packages": {"": {"dependencies": {"lodash": "^4.17.0"}},
 "node_modules/lodash": {"version": "4.17.15", "license": "MIT"}}}`

func findings(r *scan.Report) map[string]int {
	out := map[string]int{}
	for _, p := range r.Projects {
		out[p.Name] = len(p.Findings)
	}
	return out
}

func newService(t *testing.T, o Options) *Service {
	t.Helper()
	if o.DBPath == "" {
		o.DBPath = fixtures
	}
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScanOnce(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	write(t, filepath.Join(a, "requirements.txt"), "django==3.2.5\n")
	write(t, filepath.Join(b, "web", "package-lock.json"), packageLock)
	for _, tt := range []struct {
		name  string
		roots []string
		want  map[string]int
	}{
		{"one root", []string{a}, map[string]int{".": 1}},
		// Two roots' projects are named by root, so two "." stay apart.
		{"two roots", []string{a, b}, map[string]int{filepath.ToSlash(a): 1, filepath.ToSlash(b) + "/web": 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(t, Options{Roots: tt.roots})
			if s.Report() != nil {
				t.Fatal("a report before the first scan")
			}
			if err := s.ScanOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := findings(s.Report())
			if len(got) != len(tt.want) {
				t.Fatalf("findings %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("findings %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "requirements.txt")
	write(t, file, "django==3.2.5\n")
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{DBPath: fixtures}, "no directory"},
		{Options{Roots: []string{filepath.Join(dir, "none")}, DBPath: fixtures}, "no such file"},
		{Options{Roots: []string{file}, DBPath: fixtures}, "not a directory"},
		{Options{Roots: []string{dir}, DBPath: filepath.Join(dir, "none")}, "osv.db"},
	} {
		if _, err := New(context.Background(), tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", tt.o, err, tt.want)
		}
	}
}

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "requirements.txt"), "django==3.2.5\n")
	s := newService(t, Options{Roots: []string{dir}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	get := func() (int, []byte) {
		resp, err := http.Get(srv.URL + ReportPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	if code, _ := get(); code != http.StatusServiceUnavailable {
		t.Errorf("before a scan: status %d, want 503", code)
	}
	if err := s.ScanOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, body := get()
	var r scan.Report
	if err := json.Unmarshal(body, &r); code != http.StatusOK || err != nil || r.Schema != scan.SchemaVersion || findings(&r)["."] != 1 {
		t.Errorf("status %d, %v: %s", code, err, body)
	}
}

// run starts s.Run and stops it when the test ends, failing if it returns an error.
func run(t *testing.T, s *Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

// eventually polls cond for up to 10 s: file events and timers are asynchronous.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunRescansOnChange(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "requirements.txt"), "django==3.2.5\n")
	s := newService(t, Options{Roots: []string{dir}, Watch: true, Debounce: 50 * time.Millisecond})
	run(t, s)
	eventually(t, "the first scan", func() bool { return s.Scans() >= 1 })

	// A project created after start, in a directory that did not exist: watched too.
	write(t, filepath.Join(dir, "web", "package-lock.json"), packageLock)
	eventually(t, "the new project", func() bool { return findings(s.Report())["web"] == 2 })

	// The fixed version: the finding goes.
	write(t, filepath.Join(dir, "requirements.txt"), "django==3.2.14\n")
	eventually(t, "django fixed", func() bool { _, ok := findings(s.Report())["."]; return ok && findings(s.Report())["."] == 0 })

	// An included requirements file is read too: changing it alone rescans.
	write(t, filepath.Join(dir, "base.txt"), "django==3.2.14\n")
	write(t, filepath.Join(dir, "requirements.txt"), "-r base.txt\n")
	eventually(t, "the include", func() bool { return s.Scans() >= 4 })
	write(t, filepath.Join(dir, "base.txt"), "django==3.2.5\n")
	eventually(t, "the included pin", func() bool { return findings(s.Report())["."] == 1 })
	// So is the manifest beside a lockfile (Direct and Dev come from it).
	before := s.Scans()
	write(t, filepath.Join(dir, "web", "package.json"), `{"name":"web","dependencies":{"lodash":"^4.17.0"}}`)
	eventually(t, "the manifest", func() bool { return s.Scans() > before })

	// Files no scan reads do not rescan.
	n := s.Scans()
	write(t, filepath.Join(dir, "README.md"), "hello\n")
	write(t, filepath.Join(dir, "node_modules", "lodash", "package.json"), `{}`)
	time.Sleep(300 * time.Millisecond)
	if got := s.Scans(); got != n {
		t.Errorf("scans %d after unrelated changes, want %d", got, n)
	}
}

func TestRunReloadsDB(t *testing.T) {
	dir, db := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "requirements.txt"), "django==3.2.5\n")
	s := newService(t, Options{Roots: []string{dir}, DBPath: db, Watch: true, Debounce: 50 * time.Millisecond})
	run(t, s)
	eventually(t, "the first scan", func() bool { return s.Scans() >= 1 })
	if got := findings(s.Report())["."]; got != 0 {
		t.Fatalf("%d findings against an empty database", got)
	}
	entry, err := os.ReadFile(filepath.Join(fixtures, "PYSEC-2022-213.json"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(db, "PYSEC-2022-213.json"), string(entry))
	eventually(t, "the reloaded database's finding", func() bool { return findings(s.Report())["."] == 1 })
}

func TestRunSchedule(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "requirements.txt"), "django==3.2.5\n")
	s := newService(t, Options{Roots: []string{dir}, Interval: 30 * time.Millisecond})
	run(t, s)
	eventually(t, "three scans", func() bool { return s.Scans() >= 3 })
}

// TestReloadBrokenDB keeps the database in use when its replacement does not load.
func TestReloadBrokenDB(t *testing.T) {
	dir, db := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "requirements.txt"), "django==3.2.5\n")
	entry, err := os.ReadFile(filepath.Join(fixtures, "PYSEC-2022-213.json"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(db, "PYSEC-2022-213.json"), string(entry))
	s := newService(t, Options{Roots: []string{dir}, DBPath: db})
	if err := os.RemoveAll(db); err != nil {
		t.Fatal(err)
	}
	if err := s.reloadDB(context.Background()); err == nil {
		t.Error("reloading a removed database succeeded")
	}
	if err := s.ScanOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := findings(s.Report())["."]; got != 1 {
		t.Errorf("%d findings, want 1 from the database loaded before", got)
	}
}

// TestRunWatchFails falls back to the schedule when the database cannot be watched
// (it was removed after loading): Run still scans.
func TestRunWatchFails(t *testing.T) {
	dir, db := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "requirements.txt"), "django==3.2.5\n")
	s := newService(t, Options{Roots: []string{dir}, DBPath: db, Watch: true, Interval: 30 * time.Millisecond})
	if err := os.RemoveAll(db); err != nil {
		t.Fatal(err)
	}
	run(t, s)
	eventually(t, "scans on the schedule", func() bool { return s.Scans() >= 2 })
}
