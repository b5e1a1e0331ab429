package testtool

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	for _, c := range []struct {
		found, ci bool
		want      Outcome
	}{
		{found: true, ci: false, want: Use},
		{found: true, ci: true, want: Use},
		{found: false, ci: false, want: Skip},
		{found: false, ci: true, want: Fail},
	} {
		if got := Decide(c.found, c.ci); got != c.want {
			t.Errorf("Decide(found=%v, ci=%v) = %v, want %v", c.found, c.ci, got, c.want)
		}
	}
}

func TestCIValues(t *testing.T) {
	for v, want := range map[string]bool{
		"": false, "false": false, "0": false, "FALSE": false, "f": false,
		"true": true, "1": true, "TRUE": true, "yes": true, "github-actions": true,
	} {
		if got := ciOn(v); got != want {
			t.Errorf("CI=%q: on = %v, want %v", v, got, want)
		}
	}
}

// fakeTB records what Need and Missing did to a test; Fatal and Skip end the
// goroutine as the real ones do.
type fakeTB struct {
	testing.TB
	outcome Outcome
	msg     string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatal(args ...any) {
	f.outcome, f.msg = Fail, fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.Fatal(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Skip(args ...any) {
	f.outcome, f.msg = Skip, fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) { f.Skip(fmt.Sprintf(format, args...)) }

// run calls fn on a fake test in a goroutine of its own and returns what happened
// and the path fn returned.
func run(fn func(testing.TB) string) (Outcome, string, string) {
	f := &fakeTB{outcome: Use}
	var path string
	done := make(chan struct{})
	go func() {
		defer close(done)
		path = fn(f)
	}()
	<-done
	return f.outcome, f.msg, path
}

// TestNeed runs Need against a PATH holding one executable, with CI on and off and
// the tool found and missing, and NeedEnv's override.
func TestNeed(t *testing.T) {
	bin := t.TempDir()
	tool := filepath.Join(bin, "perfwatch-fake-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	for _, c := range []struct {
		name      string
		ci        string
		env       string // PERFWATCH_FAKE_TOOL's value
		tool      string
		want      Outcome
		wantPath  string
		wantInMsg string
	}{
		{name: "found, CI off", tool: "perfwatch-fake-tool", want: Use, wantPath: tool},
		{name: "found, CI on", ci: "true", tool: "perfwatch-fake-tool", want: Use, wantPath: tool},
		{name: "found by path", ci: "true", tool: tool, want: Use, wantPath: tool},
		{name: "missing, CI off", tool: "perfwatch-no-such-tool", want: Skip, wantInMsg: "apt-get install fake"},
		{name: "missing, CI=false", ci: "false", tool: "perfwatch-no-such-tool", want: Skip},
		{name: "missing, CI on", ci: "true", tool: "perfwatch-no-such-tool", want: Fail, wantInMsg: "apt-get install fake"},
		{name: "override", env: tool, tool: "perfwatch-no-such-tool", want: Use, wantPath: tool},
		{name: "override names nothing, CI off", env: filepath.Join(bin, "nothing"), tool: "perfwatch-fake-tool", want: Fail, wantInMsg: "PERFWATCH_FAKE_TOOL="},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv("PERFWATCH_FAKE_TOOL", c.env)
			got, msg, path := run(func(tb testing.TB) string {
				return NeedEnv(tb, "PERFWATCH_FAKE_TOOL", c.tool, "apt-get install fake")
			})
			if got != c.want || path != c.wantPath {
				t.Errorf("outcome %v, path %q (%s); want %v, %q", got, path, msg, c.want, c.wantPath)
			}
			if !strings.Contains(msg, c.wantInMsg) {
				t.Errorf("message %q does not say %q", msg, c.wantInMsg)
			}
			if c.env == "" {
				got2, _, path2 := run(func(tb testing.TB) string { return Need(tb, c.tool, "apt-get install fake") })
				if got2 != got || path2 != path {
					t.Errorf("Need: %v %q, NeedEnv with the variable unset: %v %q", got2, path2, got, path)
				}
				mpath, mgot, err := Main(c.tool, "apt-get install fake")
				if mgot != got || mpath != path || (err != nil) != (got != Use) {
					t.Errorf("Main: %v %q %v, Need: %v %q", mgot, mpath, err, got, path)
				}
			}
		})
	}
}
