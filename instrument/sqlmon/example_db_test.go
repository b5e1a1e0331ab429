package sqlmon_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/cachemon"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// Measuring database queries and a cache per request: the monitors are hooks of the
// HTTP middleware, and the *sql.DB comes from the DBMonitor.
func Example() {
	reg := prometheus.NewRegistry()
	// SQLite's N+1 default has no time floor: five repetitions of a statement are one.
	dbm, err := sqlmon.NewDBMonitor(reg,
		sqlmon.WithLogger(slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}))))
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
	db, err := dbm.Open("main", sqlmon.SystemSQLite, "sqlite", "file:example?mode=memory&cache=shared")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	db.ExecContext(ctx, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
	for i := 1; i <= 6; i++ {
		db.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", i, fmt.Sprint("item ", i))
	}

	names := caches.Cache("names")
	var mu sync.Mutex
	cached := map[int]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		for id := 1; id <= 6; id++ { // one query per item: an N+1 pattern
			var name string
			found, _ := names.Get(r.Context(), func() (bool, error) {
				mu.Lock()
				defer mu.Unlock()
				name = cached[id]
				return name != "", nil
			})
			if !found {
				db.QueryRowContext(r.Context(), "SELECT name FROM items WHERE id = ?", id).Scan(&name)
				mu.Lock()
				cached[id] = name
				mu.Unlock()
			}
		}
	})
	h := m.Handler(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items", nil)) // all misses: N+1
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items", nil)) // all hits: no query
	// With a driver registered as "sqlite" (modernc.org/sqlite), this prints the N+1
	// warning; internal/instrumenttest runs it so.
}

// dropTime keeps the example's log output stable.
func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey || a.Key == "duration_seconds" { // in groups too
		return slog.Attr{}
	}
	return a
}
