// Command perfwatch-depscan reports the vulnerable, outdated, deprecated and badly
// licensed dependencies of Go, Python and npm projects and scores their health
// (docs/depscan.md). `perfwatch-depscan scan DIR --osv.db=PATH` (or --osv.online)
// prints a table, the versioned JSON report or SARIF (scan.go), with --fix the edits
// that remove the findings (fix.go); --fail-on=high makes the exit status 3 when a
// finding is that severe. `perfwatch-depscan serve` rescans on a schedule and on
// change and serves the metrics and the report (serve.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"

	"github.com/perfwatch/perfwatch/depscan/scan"
)

// exitFound is the exit status when --fail-on finds a finding that severe; 1 stays
// for errors, so CI tells a failed scan from a failing one.
const exitFound = 3

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app := kingpin.New("perfwatch-depscan", "Vulnerable, outdated, deprecated and badly licensed dependencies of Go, Python and npm projects.")
	app.Version(version.Print("perfwatch-depscan"))
	app.HelpFlag.Short('h')
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	sc := addScan(app)
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
	return sc.run(ctx, stdout, stderr)
}
