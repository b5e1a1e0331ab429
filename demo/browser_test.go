package demo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

// fakeRUM stands in for the ingest: its snippet sends init's options as a beacon on
// pagehide, and it records the beacons it gets.
type fakeRUM struct {
	mu      sync.Mutex
	beacons []string
}

const fakeSnippet = `export function init(cfg) {
  addEventListener("pagehide", () => navigator.sendBeacon(cfg.endpoint, JSON.stringify(cfg)));
}`

func (f *fakeRUM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/rum/perfwatch-rum.js":
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = io.WriteString(w, fakeSnippet)
	case "/rum/v1/beacon":
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.beacons = append(f.beacons, string(b))
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeRUM) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.beacons)
}

// TestBrowserVisit drives the app in Chromium (Browser.Visit) and checks that every
// step went through: the API calls of both views reached the server, and the page
// started the snippet from /rum/ with the demo's templates and sample rate.
func TestBrowserVisit(t *testing.T) {
	chromium := testtool.NeedEnv(t, "CHROMIUM_BIN", "chromium", "apt-get install chromium")
	rum := &fakeRUM{}
	srv, reg := newTestServer(t, Config{RUM: rum, RUMSampleRate: 0.5}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logf, err := os.Create(filepath.Join(t.TempDir(), "chromium.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	b, err := StartBrowser(ctx, chromium, logf)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Visit(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{"/app/", "/api/users/{id}/vault/joined", "/api/users/{id}", "/api/items/{id}", "/app/static/"} {
		if c := requestCount(t, reg, route, "200"); c == 0 {
			t.Errorf("no request to %s from the browser", route)
		}
	}
	var beacons []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if beacons = rum.received(); len(beacons) > 0 {
			break
		}
	}
	if len(beacons) != 1 {
		t.Fatalf("snippet beacons: %q, want one", beacons)
	}
	var got rumInit
	if err := json.Unmarshal([]byte(beacons[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := rumInit{Endpoint: "/rum/v1/beacon", Pages: PageTemplates, APIRoutes: APIRoutes, SampleRate: 0.5, MeasurePrefix: "perfwatch:"}
	if !slices.Equal(got.Pages, want.Pages) || !slices.Equal(got.APIRoutes, want.APIRoutes) ||
		got.Endpoint != want.Endpoint || got.SampleRate != want.SampleRate || got.MeasurePrefix != want.MeasurePrefix {
		t.Errorf("init options %+v, want %+v", got, want)
	}
	if !b.Alive() {
		t.Error("browser died")
	}
}

// TestBrowserLoadWithoutBrowser checks that the browser visits switch themselves off,
// saying why once, when there is no browser.
func TestBrowserLoadWithoutBrowser(t *testing.T) {
	var log strings.Builder
	l := &BrowserLoad{BaseURL: "http://127.0.0.1:1", Interval: time.Millisecond, ExecPath: "/nonexistent/chromium",
		Logger: slog.New(slog.NewTextHandler(&log, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited for the context instead of returning")
	}
	if n := strings.Count(log.String(), "no headless browser visits"); n != 1 || !strings.Contains(log.String(), "/nonexistent/chromium") {
		t.Errorf("log %q: want one line naming the missing browser", log.String())
	}
	if err := (&BrowserLoad{}).Run(ctx); err == nil {
		t.Error("a zero interval was accepted")
	}
}

// TestBrowserLoadVisits runs the browser visits of the traffic generator for a while
// and checks that the app's page was visited and left (the snippet's beacon arrived)
// more than once with one browser, and that Run returns when its context ends.
func TestBrowserLoadVisits(t *testing.T) {
	chromium := testtool.NeedEnv(t, "CHROMIUM_BIN", "chromium", "apt-get install chromium")
	rum := &fakeRUM{}
	srv, _ := newTestServer(t, Config{RUM: rum, RUMSampleRate: 1}, 0)
	var log strings.Builder
	l := &BrowserLoad{BaseURL: srv.URL, Interval: 200 * time.Millisecond, ExecPath: chromium,
		Logger: slog.New(slog.NewTextHandler(&syncWriter{w: &log}, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	deadline := time.Now().Add(40 * time.Second)
	for len(rum.received()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if n := len(rum.received()); n < 2 {
		t.Errorf("%d visits ended with a beacon, want 2 or more; log:\n%s", n, log.String())
	}
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
