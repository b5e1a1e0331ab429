package instrumenttest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// benchDB opens SQLite in memory, raw or through a DBMonitor, with a small table.
func benchDB(b *testing.B, mon *sqlmon.DBMonitor, name string) *sql.DB {
	dsn := fmt.Sprintf("file:%s?mode=memory&cache=private", name)
	var db *sql.DB
	var err error
	if mon == nil {
		db, err = sql.Open("sqlite", dsn)
	} else {
		db, err = mon.Open(name, sqlmon.SystemSQLite, "sqlite", dsn)
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
	quiet := sqlmon.WithLogger(slog.New(slog.DiscardHandler))
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
			db := benchDB(b, newDBMonitor(b, prometheus.NewRegistry(), quiet), "wrapped_"+op.name)
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

// nopDriver answers every query at once with one row, so that BenchmarkDBOverhead
// measures the wrapper alone: SQLite's own time varies more between runs than the
// wrapper costs.
type nopDriver struct{}

type nopConn struct{}

type nopRows struct{ done bool }

func (nopDriver) Open(string) (driver.Conn, error)  { return nopConn{}, nil }
func (nopConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (nopConn) Close() error                        { return nil }
func (nopConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }
func (nopConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}
func (nopConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return &nopRows{}, nil
}
func (*nopRows) Columns() []string { return []string{"name"} }
func (*nopRows) Close() error      { return nil }
func (r *nopRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done, dest[0] = true, "item"
	return nil
}

// BenchmarkDBOverhead is BenchmarkDBQuery on a driver that does nothing: the
// difference between raw and wrapped is what the wrapper adds per query.
func BenchmarkDBOverhead(b *testing.B) {
	quiet := sqlmon.WithLogger(slog.New(slog.DiscardHandler))
	const q = "SELECT name FROM items WHERE id = ?"
	// wrapped_iteration also times the rows' iteration (WithRowsIterationTime), which
	// is off by default.
	for _, name := range []string{"raw", "wrapped", "wrapped_iteration"} {
		var c driver.Connector = dsnConnector{}
		switch name {
		case "wrapped":
			c = newDBMonitor(b, prometheus.NewRegistry(), quiet).WrapConnector(sqlmon.SystemOtherSQL, c)
		case "wrapped_iteration":
			c = newDBMonitor(b, prometheus.NewRegistry(), quiet, sqlmon.WithRowsIterationTime(true)).WrapConnector(sqlmon.SystemOtherSQL, c)
		}
		db := sql.OpenDB(c)
		b.Cleanup(func() { db.Close() })
		b.Run("query/"+name, func(b *testing.B) {
			b.ReportAllocs()
			var s string
			for b.Loop() {
				if err := db.QueryRowContext(context.Background(), q, 1).Scan(&s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("exec/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.ExecContext(context.Background(), q, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type dsnConnector struct{}

func (dsnConnector) Connect(context.Context) (driver.Conn, error) { return nopConn{}, nil }
func (dsnConnector) Driver() driver.Driver                        { return nopDriver{} }
