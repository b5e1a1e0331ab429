// Command perfwatch-demo runs perfwatch's demonstration application: a small vault API
// on SQLite, instrumented with perfwatch, with a built-in traffic generator. Its metrics
// are on a separate admin listener.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
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

	"github.com/perfwatch/perfwatch/demo"
	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/errtrack/errapi"
	"github.com/perfwatch/perfwatch/instrument/errtrack/sentryingest"
	"github.com/perfwatch/perfwatch/instrument/rum"
	"github.com/perfwatch/perfwatch/instrument/rum/snippet"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
	"github.com/perfwatch/perfwatch/internal/serve"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "perfwatch-demo:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	app := kingpin.New("perfwatch-demo", "perfwatch's demonstration application, with traffic.")
	listen := app.Flag("web.app-listen-address", "Address of the application's API.").Default(":8080").String()
	adminFlags := webflag.AddFlags(app, ":9111") // --web.listen-address, --web.config.file: the admin listener
	metricsPath := app.Flag("web.telemetry-path", "Path of the metrics on the admin listener.").Default("/metrics").String()
	dbPath := app.Flag("db.path", `SQLite database file; ":memory:" keeps it in memory.`).Default(":memory:").String()
	dbLatency := app.Flag("db.latency", "Delay added to every statement, standing in for the round trip to a database server.").Default("4ms").Duration()
	slow := app.Flag("slow-request-threshold", "Latency that counts as a slow request.").Default("1s").Duration()
	failures := app.Flag("demo.failure-ratio", "Share of /api/sync requests that fail.").Default("0.15").Float64()
	rps := app.Flag("load.rps", "Requests per second of the built-in traffic generator; 0 switches it off.").Default("0").Float64()
	mix := app.Flag("load.mix", "Weights of the traffic mix, e.g. item=50,vault=20; see demo.DefaultMix for the names.").Default("").String()
	faultRatio := app.Flag("demo.fault-ratio", "Share of the requests to the fault endpoints (a panic, a database error, a timeout, a declined payment) that fail; 0 makes them never fail.").Default("0.25").Float64()
	faultShare := app.Flag("load.fault-share", "Share of the generated requests that go to the fault endpoints; 0 sends none.").Default("0.02").Float64()
	faultMix := app.Flag("load.fault-mix", "Weights of the fault endpoints among the fault requests, e.g. preview=2,search=0; see demo.FaultMix for the names.").Default("").String()
	errorsState := app.Flag("errors.state-file", "File that keeps the error groups across restarts (written atomically); empty keeps them in memory only.").Default("").String()
	errorsRelease := app.Flag("errors.release", "Release recorded with each error event; empty takes the build's version.").Default("").String()
	ingestKey := app.Flag("errors.ingest-key", "DSN public key of the Sentry-compatible ingest on the admin listener (/api/<project>/envelope/ and /store/), for applications reporting through the Sentry SDKs (DSN http://<key>@<admin address>/<project>); empty switches the ingest off. --web.config.file's authentication applies to it too.").Default("").String()
	ingestProject := app.Flag("errors.ingest-project", "Project id of the Sentry-compatible ingest's DSN.").Default("1").String()
	rumSample := app.Flag("rum.sample-rate", "Share of the app's page views (/app/) whose browser snippet sends beacons to the ingest at /rum/ on the app listener: 0 sends none, 1 every one.").Default("1").Float64()
	browserEvery := app.Flag("load.browser-interval", "How often the traffic generator visits the app in a headless Chromium (load, filter, an error, SPA navigation, leave), so that the browser monitoring has real page views; 0 switches it off, and so does a missing browser (logged once).").Default("0").Duration()
	browserPath := app.Flag("load.browser", "Chromium (or Chrome) for --load.browser-interval; empty looks for chromium, chromium-browser or google-chrome in PATH.").Default("").String()
	errorsSave := app.Flag("errors.save-interval", "How often the error groups are written to --errors.state-file while they change.").Default("30s").Duration()
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	app.Version(version.Print("perfwatch-demo"))
	app.HelpFlag.Short('h')
	if _, err := app.Parse(args); err != nil {
		return err
	}
	logger := promslog.New(logConfig)
	if *failures < 0 || *failures > 1 {
		return fmt.Errorf("--demo.failure-ratio %v: must be between 0 and 1", *failures)
	}
	if *faultRatio < 0 || *faultRatio > 1 {
		return fmt.Errorf("--demo.fault-ratio %v: must be between 0 and 1", *faultRatio)
	}
	if *faultShare < 0 || *faultShare > 1 {
		return fmt.Errorf("--load.fault-share %v: must be between 0 and 1", *faultShare)
	}
	if *rumSample < 0 || *rumSample > 1 {
		return fmt.Errorf("--rum.sample-rate %v: must be between 0 and 1", *rumSample)
	}
	if *browserEvery < 0 {
		return fmt.Errorf("--load.browser-interval %v: must not be negative", *browserEvery)
	}
	targets, err := demo.ParseMix(*mix)
	if err != nil {
		return err
	}
	faults, err := demo.ParseFaultMix(*faultMix)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("perfwatch_demo"),
	)
	// The tracker logs through the plain logger; everything else logs through the
	// tracker's handler, so that errors logged at error level become events.
	trackerOpts := []errtrack.Option{errtrack.WithLogger(logger), errtrack.WithSaveInterval(*errorsSave),
		errtrack.WithInAppPrefixes("github.com/perfwatch/perfwatch/demo", "github.com/perfwatch/perfwatch/cmd")}
	if *errorsState != "" {
		trackerOpts = append(trackerOpts, errtrack.WithStateFile(*errorsState))
	}
	if *errorsRelease != "" {
		trackerOpts = append(trackerOpts, errtrack.WithRelease(*errorsRelease))
	}
	tracker, err := errtrack.New(reg, trackerOpts...)
	if err != nil {
		return fmt.Errorf("error tracking: %w", err)
	}
	trackerLogger := logger
	logger = slog.New(tracker.Handler(logger.Handler()))
	dbm, err := sqlmon.NewDBMonitor(reg, sqlmon.WithLogger(logger), sqlmon.WithServerTiming(true))
	if err != nil {
		return err
	}
	caches, err := cachemon.NewCacheMonitor(reg, cachemon.WithServerTiming(true))
	if err != nil {
		return err
	}
	mw, err := instrument.New(reg, instrument.WithSlowRequestThreshold(slow.Seconds()),
		instrument.WithHook(dbm), instrument.WithHook(caches), instrument.WithHook(tracker))
	if err != nil {
		return err
	}
	db, store, err := demo.OpenDB(ctx, demo.DBConfig{Path: *dbPath, Latency: *dbLatency, Monitor: dbm})
	if err != nil {
		return err
	}
	defer db.Close()
	// Browser monitoring: the snippet's beacons, on the app listener (the page's own
	// origin, so no CORS), into the same error tracking as the server's errors.
	beacons, err := rum.New(reg, tracker, rum.Config{Pages: demo.PageTemplates, APIRoutes: demo.APIRoutes,
		Measures: demo.Measures}, rum.WithScript(snippet.Handler()), rum.WithLogger(trackerLogger))
	if err != nil {
		return fmt.Errorf("browser monitoring: %w", err)
	}
	appSrv := &http.Server{
		Handler: demo.NewHandler(demo.Config{Store: store, Metrics: mw, Caches: caches, Logger: logger,
			FailureRatio: *failures, Errors: tracker, FaultRatio: faultRatioConfig(*faultRatio),
			RUM: beacons, RUMSampleRate: *rumSample}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	admin := http.NewServeMux()
	admin.Handle(*metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorLog: slogPrinter{logger}}))
	errorsAPI := errapi.Handler(tracker, errapi.WithLogger(trackerLogger))
	admin.Handle(errapi.DefaultPrefix, errorsAPI)
	admin.Handle(errapi.DefaultHTMLPrefix, errorsAPI)
	if *ingestKey != "" {
		ingest, err := sentryingest.New(reg, tracker, sentryingest.Config{Projects: []sentryingest.Project{
			{ID: *ingestProject, Name: "perfwatch-demo", Keys: []string{*ingestKey}}}}, sentryingest.WithLogger(trackerLogger))
		if err != nil {
			return fmt.Errorf("--errors.ingest-key: %w", err)
		}
		admin.Handle("/api/", ingest) // the errors API's /api/errors/ is more specific
	}
	admin.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	adminSrv := &http.Server{Handler: admin, ReadHeaderTimeout: 10 * time.Second}

	logger.Info("starting perfwatch-demo", "app", *listen, "admin", *adminFlags.WebListenAddresses, "load_rps", *rps,
		"rum_sample_rate", *rumSample, "load_browser_interval", *browserEvery)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve.Run(gctx, appSrv, serve.Plain(*listen), logger) })
	g.Go(func() error { return serve.Run(gctx, adminSrv, adminFlags, logger) })
	g.Go(func() error { return tracker.Run(gctx) })
	if *rps > 0 {
		load := &demo.Load{BaseURL: "http://" + loopback(*listen), RPS: *rps, Mix: targets,
			Faults: faults, FaultShare: *faultShare,
			Client: &http.Client{Timeout: 30 * time.Second}, Logger: trackerLogger}
		g.Go(func() error { return load.Run(gctx) })
	}
	if *browserEvery > 0 {
		browse := &demo.BrowserLoad{BaseURL: "http://" + loopback(*listen), Interval: *browserEvery,
			ExecPath: *browserPath, Logger: trackerLogger}
		g.Go(func() error { return browse.Run(gctx) })
	}
	err = g.Wait()
	logger.Info("stopped")
	return err
}

// faultRatioConfig maps --demo.fault-ratio onto demo.Config.FaultRatio, whose zero
// value means the default.
func faultRatioConfig(r float64) float64 {
	if r == 0 {
		return -1
	}
	return r
}

// slogPrinter lets promhttp report failed scrapes through the structured logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Error("metrics handler", "err", fmt.Sprint(v...)) }

// loopback turns a listen address such as ":8080" into one the traffic generator can dial.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}
