package exporter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/procfs"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the exporter rather than httptest's buffering.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// benchHandler builds the handler as perfwatch-exporter does with the
// collector set used to compare with node_exporter, or with every default
// collector.
func benchHandler(b *testing.B, self, clientGolang, defaults bool) http.Handler {
	b.Helper()
	enabled := map[string]bool{"cpu": true, "meminfo": true, "filesystem": true, "loadavg": true, "netdev": true}
	if defaults {
		enabled = map[string]bool{}
		for _, f := range Factories() {
			enabled[f.Name] = f.DefaultEnabled
		}
	}
	cols, err := NewCollectors(DefaultConfig(), enabled)
	if err != nil {
		b.Fatal(err)
	}
	opts := HandlerOpts{}
	if clientGolang {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		opts.Extra = reg
	}
	var eo Options
	if self {
		if eo.Self, err = NewSelfCollector("/proc"); err != nil {
			b.Fatal(err)
		}
	}
	return NewHandler(New(cols, eo), opts)
}

// BenchmarkScrape is one full scrape of the live host through the HTTP
// handler: collectors, exposition and (for gzip) compression. "default" is
// what perfwatch-exporter serves; "client_golang" swaps its own process_* and
// go_* series for client_golang's collectors, to show what that costs.
func BenchmarkScrape(b *testing.B) {
	for _, bc := range []struct {
		name               string
		self, clientGolang bool
		gzip               bool
		defaults           bool // every default collector instead of the comparison set
	}{
		{"host_only", false, false, false, false},
		{"default", true, false, false, false},
		{"default_gzip", true, false, true, false},
		{"client_golang", false, true, false, false},
		{"all_defaults", true, false, false, true},
		{"all_defaults_gzip", true, false, true, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := benchHandler(b, bc.self, bc.clientGolang, bc.defaults)
			req := httptest.NewRequest("GET", "/metrics", nil)
			if bc.gzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, req)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w.n = 0
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(w.n), "bytes/scrape")
		})
	}
}

// The parse benchmarks compare procfs with this package's parsers on the
// live /proc files; they are why cpu, meminfo and netdev parse by hand.
func BenchmarkParseStat(b *testing.B) {
	benchParse(b, func(fs procfs.FS) error { _, err := fs.Stat(); return err },
		func(b *testing.B) { benchCollector(b, newCPUCollector) })
}

func BenchmarkParseMeminfo(b *testing.B) {
	benchParse(b, func(fs procfs.FS) error { _, err := fs.Meminfo(); return err },
		func(b *testing.B) { benchCollector(b, newMeminfoCollector) })
}

func BenchmarkParseNetDev(b *testing.B) {
	benchParse(b, func(fs procfs.FS) error { _, err := fs.NetDev(); return err },
		func(b *testing.B) { benchCollector(b, newNetDevCollector) })
}

// benchParse runs the sub-benchmarks "procfs" (read with procfs) and "own".
func benchParse(b *testing.B, read func(procfs.FS) error, own func(*testing.B)) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("procfs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := read(fs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("own", own)
}

func BenchmarkParseMounts(b *testing.B) {
	benchParse(b, func(fs procfs.FS) error { _, err := fs.GetProcMounts(1); return err }, func(b *testing.B) {
		var f fileBuffer
		cfg := DefaultConfig().Filesystem
		path := filepath.Join("/proc", "1", "mounts")
		b.ReportAllocs()
		for b.Loop() {
			data, err := f.read(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := parseMounts(data, "/", cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCollector measures a collector's Update (read, parse, emit) alone.
func benchCollector(b *testing.B, f func(Config) (Collector, error)) {
	c, err := f(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	var batch Batch
	b.ReportAllocs()
	for b.Loop() {
		batch.Reset()
		if err := c.Update(context.Background(), &batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCollector runs each default collector alone on the live host, to
// show where a default scrape's time goes.
func BenchmarkCollector(b *testing.B) {
	for _, f := range Factories() {
		if !f.DefaultEnabled {
			continue
		}
		b.Run(f.Name, func(b *testing.B) {
			c, err := f.New(DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			var batch Batch
			b.ReportAllocs()
			for b.Loop() {
				batch.Reset()
				_ = c.Update(context.Background(), &batch)
			}
			b.ReportMetric(float64(batch.Len()), "samples")
		})
	}
}
