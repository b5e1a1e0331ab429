package errtrack_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/prometheus/client_golang/prometheus"
)

func TestRecover(t *testing.T) {
	for _, c := range []struct {
		name       string
		accept     string
		handler    http.HandlerFunc
		middleware bool
		repanic    bool
		wantStatus int    // 0: the connection is aborted
		wantBody   string // a part of the body
		wantEvent  bool
	}{
		{name: "json", accept: "application/json", middleware: true, wantStatus: 500, wantBody: `"event_id":"`, wantEvent: true,
			handler: func(http.ResponseWriter, *http.Request) { panic("secret panic text") }},
		{name: "html for a browser", accept: "text/html,application/xhtml+xml,*/*;q=0.8", middleware: true, wantStatus: 500, wantBody: "quote this reference", wantEvent: true,
			handler: func(http.ResponseWriter, *http.Request) { panic("secret panic text") }},
		{name: "without middleware", wantStatus: 500, wantBody: `"event_id":"`, wantEvent: true,
			handler: func(http.ResponseWriter, *http.Request) { panic(errors.New("secret panic text")) }},
		{name: "after the header", middleware: true, wantStatus: 0, wantEvent: true,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusOK)
				w.(http.Flusher).Flush()
				panic("secret panic text")
			}},
		{name: "after the header, without middleware", wantStatus: 0, wantEvent: true,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte("partial"))
				w.(http.Flusher).Flush()
				panic("secret panic text")
			}},
		{name: "abort handler is not an error", middleware: true, wantStatus: 0,
			handler: func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }},
		{name: "repanic", middleware: true, repanic: true, wantStatus: 0, wantEvent: true,
			handler: func(http.ResponseWriter, *http.Request) { panic("secret panic text") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			var logs bytes.Buffer
			tr, err := errtrack.New(reg, errtrack.WithRepanic(c.repanic), errtrack.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			if err != nil {
				t.Fatal(err)
			}
			var h http.Handler = tr.Recover(c.handler)
			if c.middleware {
				mw, err := instrument.New(reg, instrument.WithHook(tr))
				if err != nil {
					t.Fatal(err)
				}
				h = mw.Handler(h)
			}
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the aborted and re-panicked requests
			srv.Start()
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			status, body := 0, ""
			if err == nil {
				b, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr == nil {
					status, body = resp.StatusCode, string(b)
				}
			}
			if status != c.wantStatus || !strings.Contains(body, c.wantBody) {
				t.Errorf("answered %d %q (err %v), want %d with %q", status, body, err, c.wantStatus, c.wantBody)
			}
			if strings.Contains(body, "secret panic text") {
				t.Errorf("the panic's text reached the user: %q", body)
			}
			groups := tr.Groups(errtrack.Query{})
			if c.wantEvent != (len(groups) == 1) {
				t.Fatalf("groups %+v, want event %v", groups, c.wantEvent)
			}
			if c.wantEvent {
				g, _ := tr.Group(groups[0].ID)
				if g.Severity != errtrack.SeverityCritical || !g.Sample.Panic {
					t.Errorf("group %+v, want a critical panic", g)
				}
				if f := g.Sample.Frames[0]; !strings.Contains(f.Function, "TestRecover") || !f.InApp {
					t.Errorf("innermost frame %+v, want the panicking handler, in app", f)
				}
				for _, f := range g.Sample.Frames {
					// Recover's closure is inlined into the test and named after it.
					if f.InApp && !strings.HasSuffix(f.File, "_test.go") {
						t.Errorf("frame %s (%s) counted as the application's", f.Function, f.File)
					}
				}
				if id := strings.TrimSuffix(strings.SplitAfter(body, `"event_id":"`)[len(strings.SplitAfter(body, `"event_id":"`))-1], "\"}\n"); c.wantBody == `"event_id":"` && id != g.Recent[0].ID {
					t.Errorf("page's event id %q, recorded %q", id, g.Recent[0].ID)
				}
			}
		})
	}
}

func TestSlogHandler(t *testing.T) {
	tr, _, _ := newTracker(t)
	var out bytes.Buffer
	log := slog.New(tr.Handler(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn})))
	log.Error("sync failed", "err", errors.New("upstream 503 for order 77"), "user", "x")
	log.Error("sync failed", "err", errors.New("upstream 503 for order 78"))
	log.With("error", errors.New("from With")).Error("with attrs")
	log.Error("no error attribute", "err", "just a string")
	log.Warn("a warning", "err", errors.New("not an event"))
	log.Info("dropped by the level")
	groups := tr.Groups(errtrack.Query{Sort: "count"})
	if len(groups) != 2 || groups[0].Count != 2 || groups[0].Message != "upstream <num> for order <num>" {
		t.Fatalf("groups %+v", groups)
	}
	if n := strings.Count(out.String(), "\n"); n != 5 {
		t.Errorf("passed on %d records, want 5:\n%s", n, out.String())
	}
	g, _ := tr.Group(groups[0].ID)
	if g.Sample.Extra["log_message"] != "sync failed" {
		t.Errorf("extra %v", g.Sample.Extra)
	}
	if f := g.Sample.Frames[0]; !strings.HasSuffix(f.Function, "TestSlogHandler") {
		t.Errorf("innermost frame %q, want the logging function", f.Function)
	}
	_ = context.Background
}
