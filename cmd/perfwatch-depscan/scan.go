package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"

	"github.com/perfwatch/perfwatch/depscan/metrics"
	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/osv/osvapi"
	"github.com/perfwatch/perfwatch/depscan/report"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

// scanCommand is `perfwatch-depscan scan`: one scan, written as a table, JSON or
// SARIF, optionally with the fixes and the textfile metrics.
type scanCommand struct {
	cmd         *kingpin.CmdClause
	root        *string
	dbPath      *string
	online      *bool
	apiURL      *string
	format      *string
	color       *string
	failOn      *string
	textfile    *string
	maxProjects *int
	fix         *fixFlags
	sources     *sourceFlags
}

func addScan(app *kingpin.Application) *scanCommand {
	c := &scanCommand{cmd: app.Command("scan", "Scan the projects under a directory.")}
	c.root = c.cmd.Arg("dir", "The directory to scan; every project below it is found.").Default(".").String()
	c.dbPath = c.cmd.Flag("osv.db", "OSV advisories on disk: a directory of JSON files, an all.zip, or osv-scanner's --local-db-path directory.").String()
	c.online = c.cmd.Flag("osv.online", "Ask the OSV API (--osv.api-url) about the packages found instead of reading --osv.db.").Bool()
	c.apiURL = c.cmd.Flag("osv.api-url", "The OSV API's base URL, for --osv.online.").Default(osvapi.DefaultBaseURL).String()
	c.format = c.cmd.Flag("format", "table, json (the versioned report, report.schema.json) or sarif (SARIF 2.1.0).").Default("table").Enum("table", "json", "sarif")
	c.color = c.cmd.Flag("color", "Colour the table: auto (on a terminal without NO_COLOR), always or never.").Default("auto").Enum("auto", "always", "never")
	c.failOn = c.cmd.Flag("fail-on", "Exit with status 3 when a finding is at least this severe: critical, high, medium or low (unknown counts as medium).").Default("").String()
	c.textfile = c.cmd.Flag("textfile", "Also write the metrics `perfwatch-depscan serve` exposes to this file (its name ending in .prom), atomically, for node_exporter's textfile collector.").Default("").String()
	c.maxProjects = addMaxProjects(c.cmd)
	c.fix = addFixFlags(c.cmd)
	c.sources = addSourceFlags(c.cmd)
	return c
}

func (c *scanCommand) run(ctx context.Context, stdout, stderr io.Writer) error {
	if (*c.dbPath == "") == !*c.online {
		return errors.New("scan: give the advisories with --osv.db=PATH or --osv.online (one of them)")
	}
	start := time.Now()
	found, err := scan.Find(ctx, *c.root)
	if err != nil {
		return err
	}
	db, err := c.advisories(ctx, found)
	if err != nil {
		return err
	}
	progress := report.NewProgress(stderr, isTerminal(stderr), "asking the registries")
	o := scan.Options{Root: *c.root, Found: found, DB: db, Now: start}
	warn := func(s string) { fmt.Fprintln(stderr, "perfwatch-depscan:", s) }
	if err := c.sources.options(ctx, &o, progress.Update, warn); err != nil {
		return err
	}
	r, err := scan.Run(ctx, o)
	if perr := progress.Done(); perr != nil {
		warn(fmt.Sprintf("progress line: %v", perr))
	}
	if err != nil {
		return err
	}
	if *c.textfile != "" {
		if err := writeTextfile(*c.textfile, r, time.Since(start), db.Len(), *c.maxProjects); err != nil {
			return err
		}
	}
	switch *c.format {
	case "json":
		err = report.JSON(stdout, r)
	case "sarif":
		err = report.SARIF(stdout, r, version.Version)
	default:
		err = report.Table(stdout, r, report.TableOptions{Color: c.colour(stdout)})
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if *c.fix.enabled {
		// After a table the fixes read on; after JSON or SARIF they would break
		// the document, so they go to stderr.
		fixOut := stdout
		if *c.format != "table" {
			fixOut = stderr
		}
		if err := c.fix.run(*c.root, r, fixOut); err != nil {
			return err
		}
	}
	if *c.failOn != "" {
		return scan.Fail(r, *c.failOn)
	}
	return nil
}

// advisories loads --osv.db narrowed to the packages found (with the all.zip
// indexes kept under the cache directory), or asks the OSV API about them.
func (c *scanCommand) advisories(ctx context.Context, found *scan.Found) (*osv.DB, error) {
	if *c.online {
		client := &osvapi.Client{BaseURL: *c.apiURL}
		if dir := c.sources.sub("osv-api"); dir != "" {
			client.Cache = osvapi.DirCache{Dir: dir}
		}
		db, err := client.Query(ctx, found.Packages())
		if err != nil {
			return nil, fmt.Errorf("osv.online: %w", err)
		}
		return db, nil
	}
	if _, err := os.Stat(*c.dbPath); err != nil {
		return nil, fmt.Errorf("osv.db: %w", err)
	}
	db, err := osv.Load(ctx, *c.dbPath, osv.LoadOptions{Packages: found.Packages(), IndexDir: c.sources.sub("osv-index")})
	if err != nil {
		return nil, fmt.Errorf("osv.db: %w", err)
	}
	return db, nil
}

// colour decides --color for the table written to w.
func (c *scanCommand) colour(w io.Writer) bool {
	switch *c.color {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := w.(*os.File)
	return ok && report.ColorFor(f, os.Getenv)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && report.IsTerminal(f)
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
