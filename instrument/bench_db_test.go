package instrument_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
)

// benchDB opens SQLite in memory, raw or through a DBMonitor, with a small table.
func benchDB(b *testing.B, mon *instrument.DBMonitor, name string) *sql.DB {
	dsn := fmt.Sprintf("file:%s?mode=memory&cache=private", name)
	var db *sql.DB
	var err error
	if mon == nil {
		db, err = sql.Open("sqlite", dsn)
	} else {
		db, err = mon.Open(name, instrument.SystemSQLite, "sqlite", dsn)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // one in-memory database
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 100; i++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", i, fmt.Sprint("item ", i)); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkDBQuery measures one query (QueryRow and Scan) and one Exec on SQLite in
// memory: raw, wrapped outside any request, and wrapped inside a request. The
// difference between raw and wrapped in the same run is the wrapper's cost.
func BenchmarkDBQuery(b *testing.B) {
	quiet := instrument.DBOptions{Logger: slog.New(slog.DiscardHandler)}
	mon := newDBMonitor(b, prometheus.NewRegistry(), quiet)
	query := func(ctx context.Context, db *sql.DB, i int) {
		var name string
		if err := db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = ?", 1+i%100).Scan(&name); err != nil {
			b.Fatal(err)
		}
	}
	exec := func(ctx context.Context, db *sql.DB, i int) {
		if _, err := db.ExecContext(ctx, "UPDATE items SET name = ? WHERE id = ?", "x", 1+i%100); err != nil {
			b.Fatal(err)
		}
	}
	for _, op := range []struct {
		name string
		run  func(context.Context, *sql.DB, int)
	}{{"query", query}, {"exec", exec}} {
		b.Run(op.name+"/raw", func(b *testing.B) {
			db := benchDB(b, nil, "raw_"+op.name)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				op.run(context.Background(), db, i)
				i++
			}
		})
		b.Run(op.name+"/wrapped", func(b *testing.B) {
			db := benchDB(b, mon, "wrapped_"+op.name)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				op.run(context.Background(), db, i)
				i++
			}
		})
		b.Run(op.name+"/wrapped_in_request", func(b *testing.B) {
			reg := prometheus.NewRegistry()
			m := newDBMonitor(b, reg, quiet)
			mw, err := instrument.New(reg, instrument.WithHook(m))
			if err != nil {
				b.Fatal(err)
			}
			db := benchDB(b, m, "request_"+op.name)
			b.ReportAllocs()
			// The whole loop runs in one request, as the queries of an N+1 handler do.
			mw.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				i := 0
				for b.Loop() {
					op.run(r.Context(), db, i)
					i++
				}
			})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		})
	}
}
