// Command timeit runs a command several times and prints one Markdown table row:
// the median wall time, the range, the median CPU time (user + system) and the
// largest peak RSS of the runs, as bench/depscan/perf.sh reports them. On a
// machine shared with other jobs the wall time grows with their load; the CPU
// time much less, so it is the figure to compare across runs. hyperfine is not installed on the benchmark
// machines and /usr/bin/time rounds to 10 ms, too coarse for a 0.1 s target; the
// wall time here is the monotonic clock around each run, the peak RSS the
// kernel's ru_maxrss of the finished child.
//
// Usage: timeit [-n RUNS] [-out PREFIX] NAME -- COMMAND [ARG...]
//
// The command's standard output and error go to PREFIX.out and PREFIX.err (the
// last run's), and each run's "wall-seconds cpu-seconds maxrss-kB" line to
// PREFIX.times. A run that exits
// non-zero is still timed (a scan with --fail-on exits 3 on findings); the
// statuses other than 0 are then printed to standard error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("n", 5, "runs")
	out := flag.String("out", "", "prefix of the .out, .err and .times files; empty discards the output")
	flag.Parse()
	args := flag.Args()
	if len(args) < 3 || args[1] != "--" {
		fmt.Fprintln(os.Stderr, "usage: timeit [-n RUNS] [-out PREFIX] NAME -- COMMAND [ARG...]")
		os.Exit(2)
	}
	if err := run(args[0], args[2:], *runs, *out); err != nil {
		fmt.Fprintln(os.Stderr, "timeit:", err)
		os.Exit(1)
	}
}

func run(name string, argv []string, runs int, prefix string) error {
	var walls, cpus []time.Duration
	var maxRSS int64
	var statuses []int
	var times strings.Builder
	for range max(runs, 1) {
		cmd := exec.Command(argv[0], argv[1:]...)
		var files []*os.File
		if prefix != "" {
			for _, ext := range []string{".out", ".err"} {
				f, err := os.Create(prefix + ext)
				if err != nil {
					return fmt.Errorf("output: %w", err)
				}
				files = append(files, f)
			}
			cmd.Stdout, cmd.Stderr = files[0], files[1]
		}
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		for _, f := range files {
			if cerr := f.Close(); cerr != nil {
				return fmt.Errorf("output: %w", cerr)
			}
		}
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return fmt.Errorf("run %s: %w", name, err)
		}
		rss := int64(0)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss // kB on Linux
		}
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		walls = append(walls, wall)
		cpus = append(cpus, cpu)
		maxRSS = max(maxRSS, rss)
		if code := cmd.ProcessState.ExitCode(); code != 0 && !slices.Contains(statuses, code) {
			statuses = append(statuses, code)
		}
		fmt.Fprintf(&times, "%.4f %.4f %d\n", wall.Seconds(), cpu.Seconds(), rss)
	}
	if prefix != "" {
		if err := os.WriteFile(prefix+".times", []byte(times.String()), 0o644); err != nil {
			return fmt.Errorf("times: %w", err)
		}
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	mid := (len(walls) - 1) / 2
	fmt.Printf("| %-30s | %8s | %8s–%8s | %8s | %7.0f MB |\n", name, secs(walls[mid]), secs(walls[0]), secs(walls[len(walls)-1]), secs(cpus[mid]), float64(maxRSS)/1024)
	if len(statuses) > 0 {
		fmt.Fprintf(os.Stderr, "timeit: %s exited with %v\n", name, statuses)
	}
	return nil
}

// secs prints a duration in seconds with three significant decimals below 10 s.
func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.3f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
