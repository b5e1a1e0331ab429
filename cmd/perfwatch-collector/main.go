// Command perfwatch-collector takes error events and browser beacons from applications
// not written in Go: the official Sentry SDKs report to its Sentry-compatible ingest
// (DSN http://<key>@<host>:<port>/<project>), and their events are grouped, counted and
// exposed like those of instrument/errtrack in a Go service; perfwatch's browser snippet
// sends its beacons (web vitals, JavaScript errors, API timings…) to /rum/v1/beacon and
// loads itself from /rum/perfwatch-rum.js (instrument/rum). It has two listeners: the
// ingest, which SDKs and browsers reach, and the admin listener (/metrics, the error
// groups' JSON API and HTML page) behind the exporter-toolkit web configuration.
// docs/errors-ingest.md and docs/rum.md describe it.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	webflag "github.com/prometheus/exporter-toolkit/web/kingpinflag"
	"golang.org/x/sync/errgroup"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/errtrack/errapi"
	"github.com/perfwatch/perfwatch/instrument/errtrack/sentryingest"
	"github.com/perfwatch/perfwatch/instrument/rum"
	"github.com/perfwatch/perfwatch/instrument/rum/snippet"
	"github.com/perfwatch/perfwatch/internal/serve"
	"github.com/perfwatch/perfwatch/internal/yamlstrict"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "perfwatch-collector:", err)
		os.Exit(1)
	}
}

// fileConfig is the --config.file YAML. The Sentry ingest's projects and limits are at
// its top level; the browser beacon ingest is its rum: section. Either may be left out,
// not both.
type fileConfig struct {
	sentryingest.Config `yaml:",inline"`
	// RUM configures the browser beacon ingest under /rum/; nil leaves it out.
	RUM *rum.Config `yaml:"rum"`
}

// validate checks both ingests' sections.
func (c *fileConfig) validate() error {
	if len(c.Projects) > 0 || c.MaxCompressedBytes != 0 || c.MaxDecompressedBytes != 0 || c.Limits != (sentryingest.Limits{}) {
		if err := c.Config.Validate(); err != nil {
			return err
		}
	} else if c.RUM == nil {
		return errors.New("nothing to ingest: want a projects list, a rum section or both")
	}
	if c.RUM != nil {
		if err := c.RUM.Validate(); err != nil {
			return fmt.Errorf("rum.%w", err)
		}
	}
	return nil
}

// loadConfig reads and strictly decodes the configuration file: an unknown field, a
// value of the wrong type or an invalid project is an error naming it.
func loadConfig(path string) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := parseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

func parseConfig(data []byte) (*fileConfig, error) {
	var cfg fileConfig
	if err := yamlstrict.Decode(data, &cfg); err != nil {
		if errors.Is(err, yamlstrict.ErrEmpty) {
			return nil, errors.New("empty file: want a projects list, a rum section or both")
		}
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func run(ctx context.Context, args []string) error {
	app := kingpin.New("perfwatch-collector", "Sentry-compatible ingest of error events and browser beacon ingest, exposed as Prometheus metrics.")
	adminFlags := webflag.AddFlags(app, ":9114") // --web.listen-address, --web.config.file: the admin listener
	metricsPath := app.Flag("web.telemetry-path", "Path of the metrics on the admin listener.").Default("/metrics").String()
	ingestAddr := app.Flag("ingest.listen-address", "Address of the Sentry-compatible ingest the SDKs send to (DSN http://<key>@<host>:<port>/<project>). Authenticated by the projects' DSN keys, not by --web.config.file.").Default(":9115").String()
	configFile := app.Flag("config.file", "YAML file of the Sentry ingest's projects, their DSN keys and allowed browser origins, and its limits; and of the browser beacon ingest (rum:).").Default("perfwatch-collector.yml").String()
	stateFile := app.Flag("errors.state-file", "File the error groups are saved to and restored from across restarts; empty keeps them in memory only.").Default("").String()
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	app.Version(version.Print("perfwatch-collector"))
	app.HelpFlag.Short('h')
	if _, err := app.Parse(args); err != nil {
		return err
	}
	logger := promslog.New(logConfig)
	cfg, err := loadConfig(*configFile)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("perfwatch_collector"),
	)
	topts := []errtrack.Option{errtrack.WithLogger(logger)}
	if *stateFile != "" {
		topts = append(topts, errtrack.WithStateFile(*stateFile))
	}
	tracker, err := errtrack.New(reg, topts...)
	if err != nil {
		return err
	}
	ingest := http.NewServeMux()
	if len(cfg.Projects) > 0 {
		sentry, err := sentryingest.New(reg, tracker, cfg.Config, sentryingest.WithLogger(logger))
		if err != nil {
			return err
		}
		ingest.Handle("/", sentry) // /api/<project>/envelope/ and /store/; it answers other paths
	}
	if cfg.RUM != nil {
		beacons, err := rum.New(reg, tracker, *cfg.RUM, rum.WithLogger(logger), rum.WithScript(snippet.Handler()))
		if err != nil {
			return err
		}
		ingest.Handle(rum.DefaultPrefix, beacons) // v1/beacon and perfwatch-rum.js
		ingest.Handle(rum.DefaultPrefix+snippet.ScriptFile, snippet.ScriptHandler())
	}
	ingestSrv := &http.Server{
		Handler:           ingest,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}

	admin := http.NewServeMux()
	admin.Handle(*metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorLog: slogPrinter{logger}}))
	admin.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	// The error groups: JSON API and HTML page (docs/errors-api.md).
	groups := errapi.Handler(tracker, errapi.WithLogger(logger))
	admin.Handle(errapi.DefaultPrefix, groups)
	admin.Handle(errapi.DefaultHTMLPrefix, groups)
	adminSrv := &http.Server{Handler: admin, ReadHeaderTimeout: 10 * time.Second}

	names := make([]string, 0, len(cfg.Projects))
	for _, p := range cfg.Projects {
		names = append(names, p.ID+"="+p.Name)
	}
	logger.Info("starting perfwatch-collector", "version", version.Info(), "ingest", *ingestAddr,
		"admin", *adminFlags.WebListenAddresses, "projects", strings.Join(names, ","), "rum", cfg.RUM != nil, "state_file", *stateFile)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve.Run(gctx, ingestSrv, serve.Plain(*ingestAddr), logger) })
	g.Go(func() error { return serve.Run(gctx, adminSrv, adminFlags, logger) })
	g.Go(func() error { return tracker.Run(gctx) }) // saves the state file, last at shutdown
	err = g.Wait()
	// Events the ingest took while Run wrote its last state are written now.
	if serr := tracker.Save(context.Background()); serr != nil {
		logger.Error("error groups not saved at shutdown", "err", serr.Error())
		err = errors.Join(err, serr)
	}
	logger.Info("stopped")
	return err
}

// slogPrinter lets promhttp report failed scrapes through the structured logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Error("metrics handler", "err", fmt.Sprint(v...)) }
