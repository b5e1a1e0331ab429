package instrumenttest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkNPlusOneLoop measures what sqlmon's N+1 defaults are chosen from: the time of
// a typical N+1 loop, 20 point reads by primary key (QueryRow and Scan each, one after
// the other, as a list page reading its rows one by one), through the drivers
// unwrapped. SQLite runs in process, in memory and in a file (WAL, page cache warm);
// PostgreSQL runs on this machine and is reached over loopback TCP, the closest any
// networked database gets. docs/database.md records the figures and the command.
func BenchmarkNPlusOneLoop(b *testing.B) {
	const reads, rows = 20, 1000
	loop := func(b *testing.B, db *sql.DB, p string) {
		ctx := context.Background()
		for _, q := range []string{
			"DROP TABLE IF EXISTS loop_items",
			"CREATE TABLE loop_items (id INTEGER PRIMARY KEY, folder INTEGER, name TEXT)",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i <= rows; i++ {
			if _, err := tx.ExecContext(ctx, "INSERT INTO loop_items (id, folder, name) VALUES ("+p+"1, "+p+"2, "+p+"3)", i, i%50, fmt.Sprint("item ", i)); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		query := "SELECT name FROM loop_items WHERE id = " + p + "1"
		var name string
		for i := range 200 { // warm the pool, the statement caches and the pages
			if err := db.QueryRowContext(ctx, query, 1+i%rows).Scan(&name); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for range reads {
				n = (n*7 + 13) % rows
				if err := db.QueryRowContext(ctx, query, 1+n%rows).Scan(&name); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/reads, "ns/read")
	}
	b.Run("sqlite_memory", func(b *testing.B) {
		db, err := sql.Open("sqlite", "file:nplusone_loop?mode=memory&cache=private")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1) // one in-memory database
		loop(b, db, "?")
	})
	b.Run("sqlite_file", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "loop.db")
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		loop(b, db, "?")
	})
	b.Run("postgresql_loopback", func(b *testing.B) {
		db, err := sql.Open("pgx", startPostgres(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		loop(b, db, "$")
	})
}
