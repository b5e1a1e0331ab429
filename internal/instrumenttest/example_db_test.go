package instrumenttest

import (
	_ "modernc.org/sqlite" // registers the "sqlite" driver

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

// Example_dB measures database queries and a cache per request as package sqlmon's
// example shows, with a real SQLite driver and its output checked: six queries for six
// items in one request make an N+1 warning, and the second request runs none.
func Example_dB() {
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
	// Output:
	// level=WARN msg="N+1 database queries in one request" http_route=/items patterns=1 pattern_1.db_query_summary="SELECT items" pattern_1.db_query_fingerprint="SELECT name FROM items WHERE id = ?" pattern_1.count=6 pattern_1.suppressed=0
}

// dropTime keeps the example's log output stable.
func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey || a.Key == "duration_seconds" {
		return slog.Attr{}
	}
	return a
}
