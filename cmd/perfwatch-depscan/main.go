// Command perfwatch-depscan scans Go, Python and npm projects for vulnerable
// dependencies against an OSV database on disk and scores their health (issue #16,
// in progress: docs/depscan.md says what works). `perfwatch-depscan scan DIR
// --osv.db=PATH` prints a table or, with --format=json, the versioned JSON report;
// --fail-on=high makes the exit status 3 when a finding is that severe, and
// --textfile=PATH writes the metrics for node_exporter's textfile collector.
// `perfwatch-depscan serve` rescans on a schedule and on change and serves the
// metrics and the report (serve.go).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"

	"github.com/perfwatch/perfwatch/depscan/metrics"
	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/perfwatch/perfwatch/depscan/service"
)

// exitFound is the exit status when --fail-on finds a finding that severe; 1 stays
// for errors, so CI tells a failed scan from a failing one.
const exitFound = 3

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case errors.Is(err, scan.ErrFound):
		fmt.Fprintln(os.Stderr, "perfwatch-depscan:", err)
		os.Exit(exitFound)
	case err != nil:
		fmt.Fprintln(os.Stderr, "perfwatch-depscan:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	app := kingpin.New("perfwatch-depscan", "Vulnerable dependencies of Go, Python and npm projects, from an OSV database on disk.")
	app.Version(version.Print("perfwatch-depscan"))
	app.HelpFlag.Short('h')
	scanCmd := app.Command("scan", "Scan the projects under a directory.")
	root := scanCmd.Arg("dir", "The directory to scan; every project below it is found.").Default(".").String()
	dbPath := scanCmd.Flag("osv.db", "OSV advisories: a directory of JSON files, an all.zip, or osv-scanner's --local-db-path directory.").Required().String()
	format := scanCmd.Flag("format", "table or json.").Default("table").Enum("table", "json")
	failOn := scanCmd.Flag("fail-on", "Exit with status 3 when a finding is at least this severe: critical, high, medium or low.").Default("").String()
	textfile := scanCmd.Flag("textfile", "Also write the metrics `perfwatch-depscan serve` exposes to this file (its name ending in .prom), atomically, for node_exporter's textfile collector.").Default("").String()
	maxProjects := addMaxProjects(scanCmd)
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	srv := addServe(app)
	cmd, err := app.Parse(args)
	if err != nil {
		return err
	}
	if cmd == srv.cmd.FullCommand() {
		return srv.run(ctx, newLogger(logConfig))
	}
	start := time.Now()
	db, err := service.LoadDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	r, err := scan.Run(ctx, scan.Options{Root: *root, DB: db, Now: start})
	if err != nil {
		return err
	}
	if *textfile != "" {
		if err := writeTextfile(*textfile, r, time.Since(start), db.Len(), *maxProjects); err != nil {
			return err
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if err := writeTable(stdout, r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if *failOn != "" {
		return scan.Fail(r, *failOn)
	}
	return nil
}

// writeTextfile writes one scan's metrics as serve exposes them, without the Go and
// process collectors: node_exporter has its own, and a finished process has none.
func writeTextfile(path string, r *scan.Report, took time.Duration, advisories, maxProjects int) error {
	c := metrics.New(metrics.Options{MaxProjects: maxProjects})
	c.Succeeded(r, took, advisories)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	return metrics.WriteTextfile(path, reg)
}

// writeTable prints one line per finding, then each project's health and the
// problems met. Plain text: colours and a TTY progress line are still to come.
func writeTable(w io.Writer, r *scan.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tPACKAGE\tVERSION\tSEVERITY\tID\tFIXED IN\tSOURCE")
	for _, p := range r.Projects {
		for _, f := range p.Findings {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, f.Package, f.Version, f.Severity, f.ID, f.FixedIn, f.Source)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	names := make([]string, 0, len(r.Projects))
	for _, p := range r.Projects {
		names = append(names, fmt.Sprintf("%s: %d packages, %d findings, health %d", p.Name, len(p.Packages), len(p.Findings), p.Health))
	}
	sort.Strings(names)
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.Join(names, "\n"))
	for _, pr := range r.Problems {
		fmt.Fprintln(w, "problem:", pr)
	}
	return nil
}
