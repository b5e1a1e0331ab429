package instrumenttest

import (
	"log"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// setDefaultLogger makes l the default slog logger until the test ends, restoring the
// old default and the log package's output and flags, which slog.SetDefault redirects.
func setDefaultLogger(t *testing.T, l *slog.Logger) {
	t.Helper()
	old, out, flags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(l)
	t.Cleanup(func() {
		slog.SetDefault(old)
		log.SetOutput(out)
		log.SetFlags(flags)
	})
}

// TestWarningsThroughTheDefaultLoggerOfTheMoment: without WithLogger, a warning goes to
// slog.Default() as it is when it is written, so an application that sets its logger
// after creating the monitor (miniflux does) gets them at WARN through its handler.
func TestWarningsThroughTheDefaultLoggerOfTheMoment(t *testing.T) {
	reg := prometheus.NewRegistry()
	mon := newDBMonitor(t, reg)
	db, err := mon.Open("main", sqlmon.SystemSQLite, "sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	m, err := instrument.New(reg, instrument.WithHook(mon))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	setDefaultLogger(t, slog.New(slog.NewTextHandler(&logs, nil))) // after NewDBMonitor, as applications do
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 10 {
			var n int
			if err := db.QueryRowContext(r.Context(), "SELECT 1").Scan(&n); err != nil {
				t.Error(err)
			}
		}
	}))
	serve(h, "GET", "/")
	got := logs.String()
	if !strings.Contains(got, `level=WARN msg="N+1 database queries in one request"`) || strings.Contains(got, "level=INFO") {
		t.Errorf("the N+1 warning did not go through the handler set after NewDBMonitor at WARN: %q", got)
	}
}
