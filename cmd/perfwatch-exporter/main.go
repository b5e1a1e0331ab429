// Command perfwatch-exporter exposes host metrics (CPU, memory, filesystems,
// load, network devices, watched processes) for Prometheus, with
// node_exporter's names for the series both provide.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sort"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	webflag "github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/perfwatch/perfwatch/exporter"
	"github.com/perfwatch/perfwatch/internal/serve"
)

const defaultListenAddress = ":9110"

// defaultGCPercent applies when GOGC is not set, as Prometheus does. The
// exporter keeps well under 1 MiB live, so Go's default (100, with a 4 MiB
// minimum heap goal) let the heap grow to four times what it needs between
// collections; at 25 the goal is about 1.5 MiB, and the extra collections cost
// no measurable CPU per scrape (docs/benchmarks.md).
const defaultGCPercent = 25

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "perfwatch-exporter:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
	app := kingpin.New("perfwatch-exporter", "Host metrics for Prometheus, compatible with node_exporter's names.")
	webFlags := webflag.AddFlags(app, defaultListenAddress)
	metricsPath := app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String()
	maxRequests := app.Flag("web.max-requests", "Maximum number of concurrent scrapes; 0 means no limit.").Default("40").Int()
	disableExporterMetrics := app.Flag("web.disable-exporter-metrics", "Exclude the exporter's own go_* and process_* metrics.").Bool()
	// As node_exporter: one P is plenty for scrapes that the exporter
	// serialises anyway, and each further P keeps its own span caches and
	// thread (about 1 MiB of resident memory on this exporter).
	maxProcs := app.Flag("runtime.gomaxprocs", "The target number of CPUs Go will run on (GOMAXPROCS).").Envar("GOMAXPROCS").Default("1").Int()
	collectorFlags := addCollectorFlags(app)
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	app.Version(version.Print("perfwatch-exporter"))
	app.HelpFlag.Short('h')
	if _, err := app.Parse(args); err != nil {
		return err
	}
	logger := promslog.New(logConfig)
	runtime.GOMAXPROCS(*maxProcs)

	cfg, enabled, err := collectorFlags.config()
	if err != nil {
		return err
	}
	cfg.Logger = logger
	cols, err := exporter.NewCollectors(cfg, enabled)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(cols))
	for _, c := range cols {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	logger.Info("starting perfwatch-exporter", "version", buildInfo().Version, "collectors", names)

	expOpts := exporter.Options{Build: buildInfo(), Logger: logger}
	if !*disableExporterMetrics {
		// Always this process's own /proc: under --path.procfs=/host/proc
		// "self" may not resolve from another PID namespace.
		if expOpts.Self, err = exporter.NewSelfCollector("/proc"); err != nil {
			return err
		}
	}
	exp := exporter.New(cols, expOpts)
	mux := http.NewServeMux()
	mux.Handle(*metricsPath, exporter.NewHandler(exp, exporter.HandlerOpts{MaxRequests: *maxRequests, Logger: logger}))
	if *metricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "perfwatch-exporter",
			Description: "Host metrics for Prometheus (perfwatch)",
			Version:     version.Info(),
			Links:       []web.LandingLinks{{Address: *metricsPath, Text: "Metrics"}},
		})
		if err != nil {
			return fmt.Errorf("landing page: %w", err)
		}
		mux.Handle("/", landing)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return serve.Run(ctx, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, webFlags, logger)
}

// buildInfo prefers the version stamped by -ldflags and falls back to the
// module information Go records in every binary.
func buildInfo() exporter.BuildInfo {
	bi := exporter.BuildInfo{
		Version: version.Version, Revision: version.GetRevision(), Branch: version.Branch,
		GoVersion: version.GoVersion, GoOS: version.GoOS, GoArch: version.GoArch,
	}
	if bi.Version == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			bi.Version = info.Main.Version
		}
	}
	return bi
}
