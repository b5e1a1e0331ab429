package instrumenttest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// dialect is what the behavioural suite needs to know of a database.
type dialect struct {
	name   string
	system string
	p      func(n int) string // the n-th placeholder
	// sleep is a statement that runs for about the given seconds.
	sleep string
	// session returns a statement whose result identifies the connection.
	session string
	schema  string
}

var (
	sqliteDialect = dialect{
		name: "sqlite", system: sqlmon.SystemSQLite,
		p: func(int) string { return "?" },
		// A recursive count that SQLite interrupts when the context ends.
		sleep:   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT max(x) FROM c",
		session: "SELECT count(*) FROM temp.sqlite_master", // temp tables are per connection
		schema:  "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, folder INTEGER)",
	}
	postgresDialect = dialect{
		name: "postgresql", system: sqlmon.SystemPostgreSQL,
		p:       func(n int) string { return fmt.Sprintf("$%d", n) },
		sleep:   "SELECT pg_sleep(30)",
		session: "SELECT pg_backend_pid()",
		schema:  "CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2), folder INTEGER)",
	}
)

// behaviour runs the same operations on db and returns a transcript of everything
// observable: values, column types, errors. It fails t where behaviour is wrong on its
// own; comparing transcripts shows whether wrapping changed anything.
func behaviour(t *testing.T, db *sql.DB, d dialect) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	note := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	p := d.p

	_, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS items")
	must(err, "drop")
	_, err = db.ExecContext(ctx, d.schema)
	must(err, "create")

	// Exec with arguments.
	for i, name := range []string{"apple", "pear", "plum"} {
		res, err := db.ExecContext(ctx, "INSERT INTO items (name, price, folder) VALUES ("+p(1)+", "+p(2)+", "+p(3)+")",
			name, 1.5+float64(i), i%2)
		must(err, "insert")
		n, err := res.RowsAffected()
		must(err, "rows affected")
		note("insert %s: %d row", name, n)
		if _, err := res.LastInsertId(); err != nil {
			note("last insert id: %v", err)
		}
	}

	// Query, column types, scan.
	rows, err := db.QueryContext(ctx, "SELECT id, name, price FROM items WHERE folder = "+p(1)+" ORDER BY id", 0)
	must(err, "query")
	cols, err := rows.Columns()
	must(err, "columns")
	types, err := rows.ColumnTypes()
	must(err, "column types")
	for _, ct := range types {
		nullable, okN := ct.Nullable()
		length, okL := ct.Length()
		prec, scale, okD := ct.DecimalSize()
		note("column %s: db type %q, scan type %v, nullable %v/%v, length %d/%v, decimal %d,%d/%v",
			ct.Name(), ct.DatabaseTypeName(), ct.ScanType(), nullable, okN, length, okL, prec, scale, okD)
	}
	note("columns %v", cols)
	var names []string
	for rows.Next() {
		var id int
		var name string
		var price float64
		must(rows.Scan(&id, &name, &price), "scan")
		names = append(names, fmt.Sprintf("%d:%s:%.2f", id, name, price))
	}
	must(rows.Err(), "rows")
	must(rows.Close(), "close rows")
	note("folder 0: %v", names)
	if want := "[1:apple:1.50 3:plum:3.50]"; fmt.Sprint(names) != want {
		t.Errorf("query returned %v, want %s", names, want)
	}

	// No rows.
	var name string
	err = db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = "+p(1), 99).Scan(&name)
	note("no rows: %v", err)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("QueryRow of a missing id: %v, want sql.ErrNoRows", err)
	}

	// Errors from the database pass through unchanged.
	_, err = db.ExecContext(ctx, "SELEC nonsense")
	note("syntax error: %s", errText(err))
	if err == nil {
		t.Error("a syntax error was not reported")
	}
	_, err = db.ExecContext(ctx, "INSERT INTO items (name) VALUES (NULL)")
	note("not null violated: %s", errText(err))

	// Named arguments: supported by SQLite, refused by pgx; either way the same wrapped.
	err = db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = "+namedOr(d, "id", 1), sql.Named("id", 1)).Scan(&name)
	note("named: %q %v", name, err)

	// Prepared statements, run several times.
	st, err := db.PrepareContext(ctx, "SELECT name FROM items WHERE id = "+p(1))
	must(err, "prepare")
	for id := 1; id <= 3; id++ {
		must(st.QueryRowContext(ctx, id).Scan(&name), "prepared query")
		note("prepared %d: %s", id, name)
	}
	must(st.Close(), "close stmt")
	ins, err := db.PrepareContext(ctx, "UPDATE items SET price = price + "+p(1)+" WHERE id = "+p(2))
	must(err, "prepare update")
	res, err := ins.ExecContext(ctx, 1, 2)
	must(err, "prepared exec")
	n, _ := res.RowsAffected()
	note("prepared update: %d", n)
	must(ins.Close(), "close update")

	// Transactions: rollback undoes, commit keeps.
	count := func() int {
		var c int
		must(db.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&c), "count")
		return c
	}
	before := count()
	tx, err := db.BeginTx(ctx, nil)
	must(err, "begin")
	_, err = tx.ExecContext(ctx, "INSERT INTO items (name) VALUES ("+p(1)+")", "cherry")
	must(err, "insert in tx")
	var inTx int
	must(tx.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&inTx), "count in tx")
	must(tx.Rollback(), "rollback")
	note("rollback: %d in tx, %d before, %d after", inTx, before, count())
	if count() != before || inTx != before+1 {
		t.Errorf("rollback: %d in tx, %d before, %d after", inTx, before, count())
	}
	tx, err = db.BeginTx(ctx, nil)
	must(err, "begin")
	txst, err := tx.PrepareContext(ctx, "INSERT INTO items (name) VALUES ("+p(1)+")")
	must(err, "prepare in tx")
	_, err = txst.ExecContext(ctx, "fig")
	must(err, "prepared insert in tx")
	must(tx.Commit(), "commit")
	note("commit: %d", count())
	if count() != before+1 {
		t.Errorf("commit: %d rows, want %d", count(), before+1)
	}
	rotx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable, ReadOnly: true})
	note("serializable read-only: %v", errText(err))
	if err == nil {
		_, err = rotx.ExecContext(ctx, "INSERT INTO items (name) VALUES ("+p(1)+")", "kiwi")
		note("insert in read-only: %v", err != nil)
		must(rotx.Rollback(), "rollback read-only") // it holds the only connection
	}

	// Context cancellation: before the query, and while it runs.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = db.QueryContext(cctx, "SELECT 1")
	note("cancelled before: %v", errors.Is(err, context.Canceled))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("query with a cancelled context: %v", err)
	}
	tctx, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	start := time.Now()
	var ignored any
	err = db.QueryRowContext(tctx, d.sleep).Scan(&ignored)
	cancel2()
	note("cancelled while running: %v", err != nil)
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("long query with a 100ms deadline: err %v after %v", err, time.Since(start))
	}

	// Connection reuse: one connection, its session state survives.
	var s1, s2 any
	must(db.QueryRowContext(ctx, d.session).Scan(&s1), "session 1")
	for i := 0; i < 20; i++ {
		must(db.QueryRowContext(ctx, "SELECT count(*) FROM items WHERE id = "+p(1), i).Scan(&ignored), "reuse")
	}
	must(db.QueryRowContext(ctx, d.session).Scan(&s2), "session 2")
	st2 := db.Stats()
	note("reuse: same session %v, open %d", fmt.Sprint(s1) == fmt.Sprint(s2), st2.OpenConnections)
	if fmt.Sprint(s1) != fmt.Sprint(s2) || st2.OpenConnections != 1 {
		t.Errorf("connection not reused: session %v then %v, %d open", s1, s2, st2.OpenConnections)
	}
	must(db.PingContext(ctx), "ping")
	return out
}

func namedOr(d dialect, name string, _ int) string {
	if d.name == "sqlite" {
		return ":" + name
	}
	return d.p(1)
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// compareBehaviour runs the suite unwrapped and wrapped and requires equal transcripts.
func compareBehaviour(t *testing.T, d dialect, open func(wrap bool) *sql.DB) *prometheus.Registry {
	var raw, wrapped []string
	t.Run("unwrapped", func(t *testing.T) {
		db := open(false)
		defer db.Close()
		raw = behaviour(t, db, d)
	})
	t.Run("wrapped", func(t *testing.T) {
		db := open(true)
		defer db.Close()
		wrapped = behaviour(t, db, d)
	})
	if testing.Verbose() {
		t.Logf("transcript:\n  %s", strings.Join(raw, "\n  "))
	}
	if strings.Join(raw, "\n") != strings.Join(wrapped, "\n") {
		t.Errorf("wrapped behaves differently:\nunwrapped:\n  %s\nwrapped:\n  %s",
			strings.Join(raw, "\n  "), strings.Join(wrapped, "\n  "))
	}
	return nil
}

func TestSQLiteBehavesTheSameWrapped(t *testing.T) {
	reg := prometheus.NewRegistry()
	mon := newDBMonitor(t, reg)
	n := 0
	compareBehaviour(t, sqliteDialect, func(wrap bool) *sql.DB {
		n++
		dsn := fmt.Sprintf("file:behaviour%d?mode=memory&cache=private", n)
		if !wrap {
			db, err := sql.Open("sqlite", dsn)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		db, err := mon.Open("main", sqlmon.SystemSQLite, "sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
	checkOperations(t, reg, sqlmon.SystemSQLite)
}

// TestPostgreSQL runs, on one real PostgreSQL server: the behavioural suite wrapped
// and unwrapped, N+1 detection with the default thresholds, and the literal-leak check.
func TestPostgreSQL(t *testing.T) {
	dsn := startPostgres(t)
	t.Run("behaves the same wrapped", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		mon := newDBMonitor(t, reg)
		compareBehaviour(t, postgresDialect, func(wrap bool) *sql.DB {
			if !wrap {
				db, err := sql.Open("pgx", dsn)
				if err != nil {
					t.Fatal(err)
				}
				return db
			}
			// The connector path, as applications using pgx's configuration take it.
			c, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(dsn)
			if err != nil {
				t.Fatal(err)
			}
			db, err := mon.OpenDB("main", sqlmon.SystemPostgreSQL, c)
			if err != nil {
				t.Fatal(err)
			}
			return db
		})
		checkOperations(t, reg, sqlmon.SystemPostgreSQL)
		if pool := families(t, reg)["go_sql_open_connections"]; pool == nil || labelsOf(pool.GetMetric()[0]) != "db_name=main" {
			t.Errorf("pool metrics: %v", pool)
		}
	})
	t.Run("N+1 with default thresholds", func(t *testing.T) {
		// A list page reading its 20 rows one by one over loopback: 0.5 to 1.5 ms on this
		// machine, over the networked floor; 84 ms of sleeps before the floor came from
		// measurements (it was 50 ms).
		a := newDBApp(t, dsn, "pgx", sqlmon.SystemPostgreSQL)
		a.mux.HandleFunc("GET /items", listPage(a.db))
		a.mux.HandleFunc("GET /folders/{id}/joined", joined(a.db))
		serve(a.h, "GET", "/items")
		serve(a.h, "GET", "/folders/1/joined")
		got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")
		if fmt.Sprint(got) != "map[http_route=/folders/{id}/joined:0 http_route=/items:1]" {
			t.Errorf("perfwatch_db_n_plus_one_requests_total = %v", got)
		}
		if w := nPlusOneWarnings(t, a); len(w) != 1 || pattern(w[0], 1)["count"] != float64(20) {
			t.Errorf("warnings %v", w)
		}
		_, sums := histogramCounts(t, a.reg, "perfwatch_http_request_db_duration_seconds")
		if s := sums["http_route=/items"]; s < sqlmon.DefaultNetworkedNPlusOneMinDuration.Seconds() || s > 5 {
			t.Errorf("db time of the N+1 request: %vs", s)
		}
	})
	t.Run("transaction statements without a context", func(t *testing.T) {
		checkTxStatements(t, newDBApp(t, dsn, "pgx", sqlmon.SystemPostgreSQL, sqlmon.WithNPlusOne(5, 0)))
		checkTxStatementOwnContext(t, newDBApp(t, dsn, "pgx", sqlmon.SystemPostgreSQL))
		checkAbandonedTransaction(t, newDBApp(t, dsn, "pgx", sqlmon.SystemPostgreSQL))
	})
	t.Run("no literal leaks", func(t *testing.T) {
		checkNoLiteralLeaks(t, newDBApp(t, dsn, "pgx", sqlmon.SystemPostgreSQL, leakOptions()...), postgresDialect)
	})
}

// checkOperations requires the operation histogram to hold what the suite ran.
func checkOperations(t *testing.T, reg *prometheus.Registry, system string) {
	t.Helper()
	got := map[string]uint64{}
	mf := families(t, reg)["db_client_operation_duration_seconds"]
	if mf == nil {
		t.Fatal("no db_client_operation_duration_seconds")
	}
	for _, m := range mf.GetMetric() {
		got[labelsOf(m)] += m.GetHistogram().GetSampleCount()
	}
	key := func(op, summary string) string {
		return "db_operation_name=" + op + ",db_query_summary=" + summary + ",db_system_name=" + system
	}
	for _, w := range []struct {
		op, summary string
		min         uint64
	}{
		{"INSERT", "INSERT items", 5}, // 3 + the failing one + in the rolled-back tx + prepared in tx
		{"SELECT", "SELECT items", 8},
		{"UPDATE", "UPDATE items", 1},
		{"BEGIN", "BEGIN", 2},
		{"ROLLBACK", "ROLLBACK", 1},
		{"COMMIT", "COMMIT", 1},
		{"CREATE", "CREATE items", 1},
		{"DROP", "DROP items", 1},
	} {
		if got[key(w.op, w.summary)] < w.min {
			t.Errorf("%s: %d operations recorded, want at least %d; have %v", key(w.op, w.summary), got[key(w.op, w.summary)], w.min, got)
		}
	}
}

func newDBMonitor(t testing.TB, reg prometheus.Registerer, opts ...sqlmon.Option) *sqlmon.DBMonitor {
	t.Helper()
	m, err := sqlmon.NewDBMonitor(reg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
