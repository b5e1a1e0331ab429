package instrumenttest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/errtrack/sentryingest"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
	"github.com/perfwatch/perfwatch/internal/metricsdoc"
)

// TestMetricsDocumented keeps docs/metrics.md and the middleware's metrics in step.
func TestMetricsDocumented(t *testing.T) {
	// Every option that adds metrics is on, so everything the package can emit shows.
	m, reg := newMiddleware(t, instrument.WithBodySizes(true), instrument.WithScope())
	serve(m.Handler(http.NotFoundHandler()), "GET", "/")
	serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusSwitchingProtocols) // an upgrade, as websocket libraries write it
	})), "GET", "/ws")
	checkDocumented(t, "HTTP server (`instrument`)", reg)
}

// TestDBMetricsDocumented does the same for the database and cache monitors, with a
// request that makes every one of their series appear.
func TestDBMetricsDocumented(t *testing.T) {
	reg := prometheus.NewRegistry()
	dbm := newDBMonitor(t, reg, sqlmon.WithLogger(slog.New(slog.DiscardHandler)), sqlmon.WithExcessiveQueries(2),
		sqlmon.WithSlowQueryThreshold(0), sqlmon.WithRowsIterationTime(true))
	cm, err := cachemon.NewCacheMonitor(reg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbm.Open("main", sqlmon.SystemSQLite, "sqlite", "file:docs?mode=memory&cache=shared")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE t (x INTEGER)"); err != nil { // outside a request
		t.Fatal(err)
	}
	c := cm.Cache("items")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /n", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 6; i++ {
			if _, err := db.ExecContext(r.Context(), "INSERT INTO t VALUES ($1)", i); err != nil {
				t.Error(err)
			}
		}
		_, _ = c.Get(r.Context(), func() (bool, error) { return false, nil })
		_ = c.Set(r.Context(), func() error { return nil })
	})
	mw, err := instrument.New(prometheus.NewRegistry(), instrument.WithHook(dbm), instrument.WithHook(cm))
	if err != nil {
		t.Fatal(err)
	}
	serve(mw.Handler(mux), "GET", "/n")
	checkDocumented(t, "Database and cache (`instrument`)", reg)
}

// checkDocumented requires the metrics gathered from reg and the table under heading
// in docs/metrics.md to list the same names with the same types.
func checkDocumented(t *testing.T, heading string, reg prometheus.Gatherer) {
	t.Helper()
	documented, err := metricsdoc.Section(metricsdoc.Path(), heading)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{"HISTOGRAM": "histogram", "GAUGE": "gauge", "COUNTER": "counter"}
	var registered []string
	for name, mf := range families(t, reg) {
		registered = append(registered, name)
		row, ok := documented[name]
		if !ok {
			t.Errorf("%s is registered but missing from docs/metrics.md", name)
			continue
		}
		if row.Type != types[mf.GetType().String()] {
			t.Errorf("%s: documented as %s, registered as %s", name, row.Type, mf.GetType())
		}
	}
	sort.Strings(registered)
	for name := range documented {
		if i := sort.SearchStrings(registered, name); i == len(registered) || registered[i] != name {
			t.Errorf("%s is documented but never registered", name)
		}
	}
	if len(registered) == 0 {
		t.Errorf("nothing registered for %s", heading)
	}
}

// TestErrorMetricsDocumented does the same for the error tracker, with events that make
// every one of its series appear.
func TestErrorMetricsDocumented(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr, err := errtrack.New(reg, errtrack.WithLogger(slog.New(slog.DiscardHandler)),
		errtrack.WithStateFile(filepath.Join(t.TempDir(), "errors.json")))
	if err != nil {
		t.Fatal(err)
	}
	mw, err := instrument.New(prometheus.NewRegistry(), instrument.WithHook(tr))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /e", func(w http.ResponseWriter, r *http.Request) {
		tr.Report(r.Context(), errors.New("failed"))
		tr.Report(r.Context(), context.Canceled)
	})
	serve(mw.Handler(mux), "GET", "/e")
	g := tr.Groups(errtrack.Query{Sort: "count"})[0]
	if err := tr.SetState(g.ID, errtrack.StateResolved); err != nil {
		t.Fatal(err)
	}
	serve(mw.Handler(mux), "GET", "/e") // a regression
	if err := tr.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkDocumented(t, "Error tracking (`instrument/errtrack`)", reg)
}

// TestIngestMetricsDocumented does the same for the Sentry-compatible ingest, whose
// series all exist from the start.
func TestIngestMetricsDocumented(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr, err := errtrack.New(prometheus.NewRegistry(), errtrack.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := sentryingest.Config{Projects: []sentryingest.Project{{ID: "1", Name: "p", Keys: []string{"k1"}}}}
	if _, err := sentryingest.New(reg, tr, cfg); err != nil {
		t.Fatal(err)
	}
	checkDocumented(t, "Error ingest (`instrument/errtrack/sentryingest`)", reg)
}
