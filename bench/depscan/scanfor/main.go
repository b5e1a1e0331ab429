// Command scanfor is perfwatch-depscan's offline scan with the advisory load
// narrowed to the scanned packages and indexed (osv.Load with LoadOptions), as
// bench/depscan/perf.sh measures it until cmd/perfwatch-depscan calls osv.Load
// itself. It prints the same JSON report as `perfwatch-depscan scan --format=json`.
//
// Usage: scanfor DIR OSVDB INDEXDIR
//
// With SCANFOR_CPUPROFILE=FILE set it writes a CPU profile there, and with
// SCANFOR_PHASES=1 it prints each phase's wall time to stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/lockfile"
	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: scanfor DIR OSVDB INDEXDIR")
		os.Exit(2)
	}
	if path := os.Getenv("SCANFOR_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "scanfor:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "scanfor:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(context.Background(), os.Args[1], os.Args[2], os.Args[3]); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "scanfor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, root, dbPath, indexDir string) error {
	start := time.Now()
	phase := func(name string) {
		if os.Getenv("SCANFOR_PHASES") != "" {
			fmt.Fprintf(os.Stderr, "%-8s %v\n", name, time.Since(start).Round(time.Millisecond))
		}
		start = time.Now()
	}
	projects, _ := lockfile.Walk(ctx, root) // scan.Run reports the problems
	phase("walk")
	pkgs := []depscan.Package{}
	for _, p := range projects {
		pkgs = append(pkgs, p.Packages...)
	}
	db, err := osv.Load(ctx, dbPath, osv.LoadOptions{Packages: pkgs, IndexDir: indexDir})
	if err != nil {
		return err
	}
	phase("load")
	r, err := scan.Run(ctx, scan.Options{Root: root, DB: db, Now: time.Now()})
	if err != nil {
		return err
	}
	for _, p := range db.Problems() {
		r.Problems = append(r.Problems, p.Error())
	}
	phase("scan")
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	defer phase("report")
	return enc.Encode(r)
}
