package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

// env is the set-up every test shares; TestMain makes it before any test runs.
var env *environment

type environment struct {
	dir     string         // everything the run writes: binaries, configs, data, logs
	bins    string         // perfwatch's binaries, built once
	prom    *prometheus    // the shared Prometheus
	promBin string         // its binary, for tests that need a Prometheus of their own
	depscan *depscanServer // perfwatch-depscan serve, scraped as job perfwatch-depscan

	atExit []func() // run after the last test, before Prometheus stops (shared exporters)
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	promBin, outcome, err := testtool.Main("prometheus", "apt-get install prometheus")
	switch outcome {
	case testtool.Fail:
		fmt.Fprintf(os.Stderr, "e2e: %v; CI is set, so this fails (.ci/run installs Debian's prometheus package)\n", err)
		return 1
	case testtool.Skip:
		fmt.Fprintf(os.Stderr, "e2e: skipping: %v\n", err)
		return 0
	}
	dir, err := os.MkdirTemp("", "perfwatch-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	keep := os.Getenv("PERFWATCH_E2E_KEEP") != ""
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	e := &environment{dir: dir, bins: filepath.Join(dir, "bin"), promBin: promBin}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := e.build(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	e.prom, err = startPrometheus(ctx, promBin, filepath.Join(dir, "prometheus"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer e.prom.stop()
	// The Dependencies dashboard's queries and the depscan rules read this scanner.
	if e.depscan, err = startDepscan(ctx, e.bins, filepath.Join(dir, "depscan"), "depscan"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer e.depscan.stop()
	removeDepscan, err := e.prom.addTargets("perfwatch-depscan", e.depscan.addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	e.atExit = append(e.atExit, removeDepscan)
	env = e
	code := m.Run()
	for i := len(e.atExit) - 1; i >= 0; i-- {
		e.atExit[i]()
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "e2e: logs of the run are in %s (kept with PERFWATCH_E2E_KEEP=1)\n", dir)
	}
	return code
}

// build compiles the perfwatch commands the tests start.
func (e *environment) build(ctx context.Context) error {
	for _, cmd := range []string{"perfwatch-exporter", "perfwatch-demo", "perfwatch-collector", "perfwatch-anomaly", "perfwatch-depscan"} {
		b := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(e.bins, cmd), "../cmd/"+cmd)
		if out, err := b.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", cmd, err, out)
		}
	}
	return nil
}
