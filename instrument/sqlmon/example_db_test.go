package sqlmon_test

import (
	"log"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// Measuring database queries and a cache per request: the monitors are hooks of the
// HTTP middleware, and the *sql.DB comes from the DBMonitor. Handlers pass the
// request's context to their queries (db.QueryContext(r.Context(), ...)), so that each
// query counts in its request. A runnable version with SQLite, whose output is the N+1
// warning, is in the repository's internal/instrumenttest.
func Example() {
	reg := prometheus.NewRegistry()
	dbm, err := sqlmon.NewDBMonitor(reg) // N+1 defaults for each system: DefaultNPlusOne
	if err != nil {
		log.Fatal(err)
	}
	caches, err := cachemon.NewCacheMonitor(reg)
	if err != nil {
		log.Fatal(err)
	}
	m, err := instrument.New(reg, instrument.WithHook(dbm), instrument.WithHook(caches))
	if err != nil {
		log.Fatal(err)
	}
	// Any registered driver: "sqlite" is modernc.org/sqlite's name.
	db, err := dbm.Open("main", sqlmon.SystemSQLite, "sqlite", "file:app.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		var name string
		if err := db.QueryRowContext(r.Context(), "SELECT name FROM items WHERE id = ?", r.PathValue("id")).Scan(&name); err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(name))
	})
	_ = http.ListenAndServe("localhost:8080", m.Handler(mux))
}
