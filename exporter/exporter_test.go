package exporter

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

type failingCollector struct{ desc *Desc }

func (f failingCollector) Update(ctx context.Context, b *Batch) error {
	b.Add(f.desc, 42)
	return errors.New("boom")
}
func (f failingCollector) Descs() []*Desc { return []*Desc{f.desc} }

// blockingCollector holds a scrape open until release is closed.
type blockingCollector struct {
	entered chan struct{}
	release chan struct{}
}

func (c blockingCollector) Update(ctx context.Context, b *Batch) error {
	c.entered <- struct{}{}
	<-c.release
	return nil
}
func (c blockingCollector) Descs() []*Desc { return nil }

func TestExporterFailingCollectorDoesNotHideOthers(t *testing.T) {
	load := mustNew(t, newLoadavgCollector, fixtureConfig(fixtureProc))
	exp := New([]NamedCollector{
		{Name: "broken", Collector: failingCollector{NewDesc("test_partial", "p", Gauge)}},
		{Name: "loadavg", Collector: load},
	}, Options{Build: BuildInfo{Version: "1.2.3", GoVersion: "go1.x"}})
	text := exp.AppendText(context.Background(), nil)
	got := familySeries(parseText(t, text))
	for key, want := range map[string]float64{
		`node_scrape_collector_success{collector="broken"}`:  0,
		`node_scrape_collector_success{collector="loadavg"}`: 1,
		"node_load1":   0.5,
		"test_partial": 42,
		`perfwatch_exporter_build_info{branch="",goarch="",goos="",goversion="go1.x",revision="",version="1.2.3"}`: 1,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	for _, c := range []string{"broken", "loadavg"} {
		if _, ok := got[`node_scrape_collector_duration_seconds{collector="`+c+`"}`]; !ok {
			t.Errorf("no duration for %s", c)
		}
	}
}

func TestNewCollectorsRejectsUnknownNames(t *testing.T) {
	_, err := NewCollectors(fixtureConfig(fixtureProc), map[string]bool{"cpu": true, "nosuch": true})
	if err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Fatalf("want an unknown collector error, got %v", err)
	}
	cols, err := NewCollectors(fixtureConfig(fixtureProc), map[string]bool{"netdev": true, "cpu": true})
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 2 || cols[0].Name != "cpu" || cols[1].Name != "netdev" {
		t.Fatalf("want cpu, netdev in Factories order, got %+v", cols)
	}
}

func TestHandlerServesTextAndGzip(t *testing.T) {
	cols, err := NewCollectors(fixtureConfig(fixtureProc), map[string]bool{"cpu": true, "meminfo": true, "loadavg": true, "netdev": true})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	extra := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_extra", Help: "extra"})
	extra.Set(7)
	reg.MustRegister(extra)
	srv := httptest.NewServer(NewHandler(New(cols, Options{}), HandlerOpts{Extra: reg, MaxRequests: 2}))
	defer srv.Close()

	for _, gz := range []bool{false, true} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		} else {
			req.Header.Set("Accept-Encoding", "identity")
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = resp.Body
		if gz {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("gzip requested, Content-Encoding %q", resp.Header.Get("Content-Encoding"))
			}
			if body, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		text, err := io.ReadAll(body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != textContentType {
			t.Errorf("Content-Type %q", ct)
		}
		got := familySeries(parseText(t, text))
		if got["test_extra"] != 7 || got[`node_cpu_seconds_total{cpu="0",mode="idle"}`] != 10 {
			t.Errorf("gzip=%v: missing host or extra series", gz)
		}
	}
}

func TestHandlerCapsConcurrentScrapes(t *testing.T) {
	bc := blockingCollector{entered: make(chan struct{}), release: make(chan struct{})}
	h := NewHandler(New([]NamedCollector{{Name: "block", Collector: bc}}, Options{}), HandlerOpts{MaxRequests: 1})
	srv := httptest.NewServer(h)
	defer srv.Close()

	first := make(chan int)
	go func() {
		resp, err := http.Get(srv.URL)
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-bc.entered // the first scrape holds the only slot
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second concurrent scrape: status %d, want 503", resp.StatusCode)
	}
	close(bc.release)
	if code := <-first; code != http.StatusOK {
		t.Errorf("first scrape: status %d", code)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"gzip": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false, "gzip; q=0.0": false, "identity": false, "": false, "x-gzip": false,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", h, got, want)
		}
	}
}
