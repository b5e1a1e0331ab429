// Command perfwatch-anomaly is perfwatch's ML sidecar: it reads the configured queries
// from Prometheus's HTTP API (or any server speaking it), fits a seasonal detector per
// series and an Isolation Forest and a latency Random Forest per route, and exposes
// anomaly scores, expected bands, latency predictions with what-ifs, feature
// importances and recommendations as gauges on /metrics, with a JSON API beside them.
// `perfwatch-anomaly backtest` scores a CSV or a saved range query offline.
// docs/anomaly.md describes it.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
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

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/promread"
	"github.com/perfwatch/perfwatch/anomaly/shard"
	"github.com/perfwatch/perfwatch/anomaly/sidecar"
	"github.com/perfwatch/perfwatch/anomaly/store"
	"github.com/perfwatch/perfwatch/internal/serve"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "perfwatch-anomaly:", err)
		os.Exit(1)
	}
}

// run is the command with its arguments; the log goes to stderr.
func run(ctx context.Context, args []string, stdout *os.File, stderr io.Writer) error {
	app := kingpin.New("perfwatch-anomaly", "Anomaly scores, latency predictions and recommendations from Prometheus data, as Prometheus metrics.")
	configFile := app.Flag("config.file", "YAML configuration (docs/anomaly.md); empty uses the defaults, which cover perfwatch's stack.").Default("").String()
	logConfig := &promslog.Config{Writer: stderr}
	promslogflag.AddFlags(app, logConfig)
	app.Version(version.Print("perfwatch-anomaly"))
	app.HelpFlag.Short('h')

	serveCmd := app.Command("serve", "Run the sidecar (the default).").Default()
	webFlags := webflag.AddFlags(serveCmd, ":9112")
	metricsPath := serveCmd.Flag("web.telemetry-path", "Path of the metrics.").Default("/metrics").String()
	promURL := serveCmd.Flag("prometheus.url", "Base URL of the Prometheus HTTP API to read (Prometheus, VictoriaMetrics, Thanos Query…). Give credentials in --prometheus.http-config.file, not here: a URL's password shows in the process list.").Default("http://localhost:9090").String()
	promHTTPConfig := serveCmd.Flag("prometheus.http-config.file", "HTTP client configuration for --prometheus.url (Prometheus's format: basic_auth with password_file, authorization, oauth2, tls_config with ca_file…); empty uses none.").Default("").String()
	maxPoints := serveCmd.Flag("prometheus.max-points", "Most points per series in one range query; longer reads are split.").Default("11000").Int()
	storagePath := serveCmd.Flag("storage.path", "Directory of the fitted models, restored at start so that a restart does not wait for a refit; empty keeps them in memory only. One directory per replica.").Default("data/anomaly").String()
	shardFlag := serveCmd.Flag("shard", "This replica's share of the series, i/n: n replicas with 1/n … n/n model each series exactly once.").Default("1/1").String()

	bt := addBacktest(app)

	cmd, err := app.Parse(args)
	if err != nil {
		return err
	}
	logger := promslog.New(logConfig)
	cfg, err := config.Load(*configFile)
	if err != nil {
		return err
	}
	if cmd == bt.cmd.FullCommand() {
		return bt.run(cfg, stdout)
	}

	sh, err := shard.Parse(*shardFlag)
	if err != nil {
		return err
	}
	pc, err := newPromClient(*promURL, *promHTTPConfig)
	if err != nil {
		return err
	}
	pc.warn(logger)
	reader, err := pc.reader(promread.Options{MaxPoints: *maxPoints, Logger: logger})
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("perfwatch_anomaly"),
	)
	var st *store.Store
	if *storagePath != "" {
		if st, err = store.Open(*storagePath, store.Options{}); err != nil {
			return err
		}
		reg.MustRegister(st.Collector())
	}
	engine, err := sidecar.New(sidecar.Options{Config: cfg, Reader: reader, Shard: sh, Store: st, Logger: logger, Registerer: reg})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	mux := http.NewServeMux()
	mux.Handle(*metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorLog: slogPrinter{logger}}))
	mux.Handle(sidecar.APIPrefix, engine.Handler())
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	logger.Info("starting perfwatch-anomaly", "version", version.Info(), "prometheus", pc.redacted, "prometheus_http_config", *promHTTPConfig,
		"listen", *webFlags.WebListenAddresses, "shard", sh.String(), "storage", *storagePath, "queries", len(cfg.Queries),
		"fit_every", cfg.Schedule.FitEvery, "infer_every", cfg.Schedule.InferEvery, "fit_window", cfg.Schedule.FitWindow)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve.Run(gctx, srv, webFlags, logger) })
	g.Go(func() error { return engine.Run(gctx) })
	err = g.Wait()
	logger.Info("stopped")
	return err
}

// slogPrinter lets promhttp report failed scrapes through the structured logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Error("metrics handler", "err", fmt.Sprint(v...)) }
