package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	webflag "github.com/prometheus/exporter-toolkit/web/kingpinflag"
	"golang.org/x/sync/errgroup"

	"github.com/perfwatch/perfwatch/depscan/metrics"
	"github.com/perfwatch/perfwatch/depscan/scan"
	"github.com/perfwatch/perfwatch/depscan/service"
	"github.com/perfwatch/perfwatch/internal/serve"
)

// defaultListen is perfwatch-depscan's port, reserved for it in prometheus.yml.
const defaultListen = ":9113"

// serveCommand is `perfwatch-depscan serve`: the scanner as a scraped service.
type serveCommand struct {
	cmd         *kingpin.CmdClause
	web         *web.FlagConfig
	metricsPath *string
	dirs        *[]string
	db          *string
	interval    *time.Duration
	debounce    *time.Duration
	watch       *bool
	maxProjects *int
	sources     *sourceFlags
}

func addServe(app *kingpin.Application) *serveCommand {
	c := &serveCommand{cmd: app.Command("serve", "Rescan on a schedule and on file changes; expose the results on /metrics and "+service.ReportPath+".")}
	c.web = webflag.AddFlags(c.cmd, defaultListen)
	c.metricsPath = c.cmd.Flag("web.telemetry-path", "Path of the metrics.").Default("/metrics").String()
	c.dirs = c.cmd.Flag("scan.dir", "A directory to scan; every project below it is found. Repeatable.").Default(".").Strings()
	c.db = c.cmd.Flag("osv.db", "OSV advisories: a directory of JSON files, an all.zip, or osv-scanner's --local-db-path directory. Reloaded when its files change (with --scan.watch).").Required().String()
	c.interval = c.cmd.Flag("scan.interval", "Time between scheduled scans.").Default(service.DefaultInterval.String()).Duration()
	c.watch = c.cmd.Flag("scan.watch", "Also rescan when a lockfile or manifest under the directories changes (--no-scan.watch: the schedule only).").Default("true").Bool()
	c.debounce = c.cmd.Flag("scan.debounce", "Quiet time after a file change before the rescan.").Default(service.DefaultDebounce.String()).Duration()
	c.maxProjects = addMaxProjects(c.cmd)
	c.sources = addSourceFlags(c.cmd)
	return c
}

// addMaxProjects is the project cap, shared by serve and scan --textfile.
func addMaxProjects(cmd *kingpin.CmdClause) *int {
	return cmd.Flag("scan.max-projects", "Most projects given their own project label; the others are summed into project=\""+metrics.OtherProject+"\".").Default(fmt.Sprint(metrics.DefaultMaxProjects)).Int()
}

func (c *serveCommand) run(ctx context.Context, logger *slog.Logger) error {
	col := metrics.New(metrics.Options{MaxProjects: *c.maxProjects})
	var sources scan.Options
	warn := func(s string) { logger.Warn(s) }
	if err := c.sources.options(ctx, &sources, nil, warn); err != nil {
		return err
	}
	svc, err := service.New(ctx, service.Options{
		Roots: *c.dirs, DBPath: *c.db, Interval: *c.interval, Debounce: *c.debounce, Watch: *c.watch,
		Sources: sources, Metrics: col, Logger: logger,
	})
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("perfwatch_depscan"),
		col,
	)
	mux := http.NewServeMux()
	mux.Handle(*c.metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorLog: slogPrinter{logger}}))
	mux.Handle(service.ReportPath, svc.Handler())
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	logger.Info("starting perfwatch-depscan", "version", version.Info(), "listen", *c.web.WebListenAddresses,
		"dirs", *c.dirs, "osv_db", *c.db, "interval", *c.interval, "watch", *c.watch)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve.Run(gctx, srv, c.web, logger) })
	g.Go(func() error { return svc.Run(gctx) })
	err = g.Wait()
	logger.Info("stopped")
	return err
}

// newLogger is the promslog logger of --log.level and --log.format.
func newLogger(cfg *promslog.Config) *slog.Logger { return promslog.New(cfg) }

// slogPrinter lets promhttp report failed scrapes through the structured logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Error("metrics handler", "err", fmt.Sprint(v...)) }
