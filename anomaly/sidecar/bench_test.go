package sidecar

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/promread"
)

// memReader serves pre-generated series on a one-minute grid from memory, so that a
// benchmark measures the engine, not the generator or a network.
type memReader struct {
	start  time.Time
	step   time.Duration
	series []promread.Series
}

func (r *memReader) Read(_ context.Context, _ string, start, end time.Time, _ time.Duration) ([]promread.Series, error) {
	lo := max(0, int(start.Sub(r.start)/r.step))
	hi := int(end.Sub(r.start)/r.step) + 1
	out := make([]promread.Series, len(r.series))
	for i, s := range r.series {
		h := min(hi, len(s.Samples))
		out[i] = promread.Series{Labels: s.Labels, Samples: s.Samples[min(lo, h):h]}
	}
	return out, nil
}

// weekOfSeries generates n series of points minutes each: daily and weekly cycles,
// noise, and levels that differ by series.
func weekOfSeries(n, points int, start time.Time) []promread.Series {
	out := make([]promread.Series, n)
	for i := range out {
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		level := 1 + 100*rng.Float64()
		s := make([]model.SamplePair, points)
		for j := range s {
			t := start.Add(time.Duration(j) * time.Minute)
			day := math.Sin(2 * math.Pi * float64(j%1440) / 1440)
			week := 1.0
			if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
				week = 0.6
			}
			s[j] = model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: model.SampleValue(level * week * (1 + 0.3*day + 0.05*rng.NormFloat64()))}
		}
		out[i] = promread.Series{Labels: model.LabelSet{"job": "bench", "series": model.LabelValue(fmt.Sprint(i))}, Samples: s}
	}
	return out
}

// BenchmarkFitScore10k fits the default detector on 10,000 series of one week at one
// minute (the scale) and then scores the hour after it, through the engine, on
// every core; it reports the seconds of one fit and one hour of scoring, and the heap
// kept per modelled series.
//
//	go test -run '^$' -bench FitScore10k -benchtime 1x -count 3 ./anomaly/sidecar/
func BenchmarkFitScore10k(b *testing.B) {
	n, week := benchSeries(), 7*24*60
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	r := &memReader{start: start, step: time.Minute, series: weekOfSeries(n, week+60, start)}
	cfg, err := config.Parse([]byte("schedule: {fit_window: 7d}\nlimits: {max_series: 10000, max_series_per_query: 10000}\nqueries: [{name: bench, expr: bench}]\nmultivariate: {enabled: false}\nprediction: {enabled: false}\nrecommendations: {enabled: false}\n"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		clk := &clock{t: start.Add(time.Duration(week) * time.Minute)}
		e, err := New(Options{Config: cfg, Reader: r, Registerer: prometheus.NewRegistry(), Now: clk.now})
		if err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		if err := e.Fit(context.Background()); err != nil {
			b.Fatal(err)
		}
		fit := time.Since(t0)
		t1 := time.Now()
		for range 60 {
			clk.add(time.Minute)
			if err := e.Infer(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		score := time.Since(t1)
		runtime.GC()
		runtime.ReadMemStats(&after)
		if len(e.series) != n {
			b.Fatalf("%d series modelled", len(e.series))
		}
		b.ReportMetric(fit.Seconds(), "fit-s")
		b.ReportMetric(score.Seconds(), "score-hour-s")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/series")
		runtime.KeepAlive(e)
	}
}

// benchSeries is 10,000, or fewer with -short (for profiling).
func benchSeries() int {
	if testing.Short() {
		return 1000
	}
	return 10000
}
