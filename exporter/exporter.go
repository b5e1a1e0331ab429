package exporter

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// BuildInfo labels perfwatch_exporter_build_info.
type BuildInfo struct {
	Version, Revision, Branch, GoVersion, GoOS, GoArch string
}

// Options configures an Exporter.
type Options struct {
	Build  BuildInfo
	Logger *slog.Logger
	// Self, when set, adds the exporter's own process_* and go_* series
	// (see NewSelfCollector); it gets no duration or success series.
	Self Collector
}

// Exporter runs the enabled collectors for one scrape at a time and adds the
// per-collector duration and success series.
type Exporter struct {
	collectors []NamedCollector
	logger     *slog.Logger
	build      BuildInfo
	self       Collector

	duration, success, buildInfo *Desc

	// mu serialises scrapes: collectors keep buffers and counter state, and
	// a concurrent scrape would only compete for the same two cores.
	mu    sync.Mutex
	batch Batch
}

// New returns an Exporter over the given collectors.
func New(collectors []NamedCollector, opts Options) *Exporter {
	return &Exporter{
		collectors: collectors,
		logger:     loggerOrDiscard(opts.Logger),
		build:      opts.Build,
		self:       opts.Self,
		// node_exporter's names, which dashboards (Node Exporter Full's
		// scrape-time panels) and node-mixin read.
		duration: NewDesc("node_scrape_collector_duration_seconds", "perfwatch-exporter: Duration of a collector scrape.", Gauge, "collector"),
		success:  NewDesc("node_scrape_collector_success", "perfwatch-exporter: Whether a collector succeeded.", Gauge, "collector"),
		buildInfo: NewDesc("perfwatch_exporter_build_info",
			"A metric with a constant '1' value labeled by version, revision, branch, goversion, goos and goarch of perfwatch-exporter.",
			Gauge, "version", "revision", "branch", "goversion", "goos", "goarch"),
	}
}

// Descs lists every family the exporter can emit: its own and its collectors'.
func (e *Exporter) Descs() []*Desc {
	out := []*Desc{e.duration, e.success, e.buildInfo}
	for _, c := range e.collectors {
		out = append(out, c.Collector.Descs()...)
	}
	if e.self != nil {
		out = append(out, e.self.Descs()...)
	}
	return out
}

// AppendText runs one scrape and appends its text exposition to dst.
func (e *Exporter) AppendText(ctx context.Context, dst []byte) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := &e.batch
	b.Reset()
	for _, c := range e.collectors {
		start := time.Now()
		err := c.Collector.Update(ctx, b)
		b.Add(e.duration, time.Since(start).Seconds(), c.Name)
		ok := 1.0
		if err != nil {
			ok = 0
			e.logger.Error("collector failed", "collector", c.Name, "err", err)
		}
		b.Add(e.success, ok, c.Name)
	}
	if e.self != nil {
		if err := e.self.Update(ctx, b); err != nil {
			e.logger.Error("exporter self metrics failed", "err", err)
		}
	}
	bi := &e.build
	b.Add(e.buildInfo, 1, bi.Version, bi.Revision, bi.Branch, bi.GoVersion, bi.GoOS, bi.GoArch)
	return b.AppendText(dst)
}
