package instrumenttest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"sync"
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
	// (Only the monitor's own lines count: the log package's output, which
	// slog.SetDefault redirects into the handler at INFO, may hold other tests' lines.)
	if !strings.Contains(got, `level=WARN msg="N+1 database queries in one request"`) || strings.Contains(got, `msg="WARN N+1`) {
		t.Errorf("the N+1 warning did not go through the handler set after NewDBMonitor at WARN: %q", got)
	}
}

// txStatements is a handler that runs 10 reads and 10 updates in a transaction begun
// with the request's context, the statements themselves without one, as miniflux's
// refresh does: database/sql runs them with context.Background().
func txStatements(t *testing.T, db *sql.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tx, err := db.BeginTx(r.Context(), nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer tx.Rollback()
		for i := 1; i <= 10; i++ {
			var name string
			if err := tx.QueryRow("SELECT name FROM items WHERE id = $1", i).Scan(&name); err != nil {
				t.Error(err)
				return
			}
			if _, err := tx.Exec("UPDATE items SET name = $1 WHERE id = $2", name+"!", i); err != nil {
				t.Error(err)
				return
			}
		}
		st, err := tx.Prepare("DELETE FROM items WHERE id = $1") // prepared in the transaction
		if err != nil {
			t.Error(err)
			return
		}
		if _, err := st.Exec(20); err != nil {
			t.Error(err)
		}
		if err := tx.Commit(); err != nil {
			t.Error(err)
		}
	}
}

// checkTxStatements requires the statements of a transaction begun with a request's
// context to count in that request, not outside.
func checkTxStatements(t *testing.T, a *dbApp) {
	t.Helper()
	a.mux.HandleFunc("GET /refresh", txStatements(t, a.db))
	outsideBefore := counterValues(t, a.reg, "perfwatch_db_queries_outside_request_total")
	serve(a.h, "GET", "/refresh")
	_, queries := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	_, txs := histogramCounts(t, a.reg, "perfwatch_http_request_db_transactions")
	if queries["http_route=/refresh"] != 21 || txs["http_route=/refresh"] != 1 {
		t.Errorf("queries %v and transactions %v in the request, want 21 and 1", queries["http_route=/refresh"], txs["http_route=/refresh"])
	}
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")["http_route=/refresh"]; got != 1 {
		t.Errorf("N+1 requests %v, want 1", got)
	}
	patterns := counterValues(t, a.reg, "perfwatch_db_n_plus_one_patterns_total")
	if patterns["db_query_summary=SELECT items"] != 1 || patterns["db_query_summary=UPDATE items"] != 1 {
		t.Errorf("N+1 patterns %v, want SELECT items and UPDATE items once each", patterns)
	}
	for k, v := range counterValues(t, a.reg, "perfwatch_db_queries_outside_request_total") {
		if v != outsideBefore[k] {
			t.Errorf("%s: %v more outside requests, want none", k, v-outsideBefore[k])
		}
	}
}

// TestTransactionStatementsCountInTheirRequest: on SQLite (TestPostgreSQL runs the same
// on PostgreSQL).
func TestTransactionStatementsCountInTheirRequest(t *testing.T) {
	checkTxStatements(t, newSQLiteApp(t, sqlmon.WithNPlusOne(5, 0)))
}

// checkTxStatementOwnContext: a statement of a transaction whose own context belongs to
// another request counts in that one, and one without a context in the transaction's.
func checkTxStatementOwnContext(t *testing.T, a *dbApp) {
	t.Helper()
	handOver, done := make(chan *sql.Tx), make(chan struct{})
	a.mux.HandleFunc("GET /begin", func(w http.ResponseWriter, r *http.Request) {
		tx, err := a.db.BeginTx(r.Context(), nil)
		if err != nil {
			t.Error(err)
			close(handOver)
			return
		}
		handOver <- tx
		<-done
		if err := tx.Commit(); err != nil {
			t.Error(err)
		}
	})
	a.mux.HandleFunc("GET /other", func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		tx := <-handOver
		if tx == nil {
			return
		}
		var n int
		for _, ctx := range []context.Context{r.Context(), r.Context(), context.Background()} {
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
				t.Error(err)
			}
		}
	})
	var wg sync.WaitGroup
	wg.Go(func() { serve(a.h, "GET", "/begin") })
	serve(a.h, "GET", "/other")
	wg.Wait()
	_, queries := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	if queries["http_route=/other"] != 2 || queries["http_route=/begin"] != 1 {
		t.Errorf("queries in /other %v and in /begin %v, want 2 and 1", queries["http_route=/other"], queries["http_route=/begin"])
	}
}

func TestTransactionStatementOwnContext(t *testing.T) {
	checkTxStatementOwnContext(t, newSQLiteApp(t))
}

// checkAbandonedTransaction: a transaction whose context ends before Commit is rolled
// back by database/sql, which returns its connection to the pool (sqlmon's connection
// resets its session) or closes it. A statement without a request's context on that
// connection afterwards counts outside any request, even while the request that began
// the transaction still runs.
func checkAbandonedTransaction(t *testing.T, a *dbApp) {
	t.Helper()
	a.db.SetMaxOpenConns(1) // the next statement gets the abandoned transaction's connection
	a.mux.HandleFunc("GET /abandon", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		tx, err := a.db.BeginTx(ctx, nil)
		if err != nil {
			t.Error(err)
			return
		}
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM items").Scan(&n); err != nil {
			t.Error(err)
		}
		cancel() // database/sql rolls back in a goroutine of its own, then frees the connection
		for range 5 {
			if _, err := a.db.Exec("UPDATE items SET name = name WHERE id = 1"); err != nil {
				t.Error(err)
			}
		}
	})
	serve(a.h, "GET", "/abandon")
	_, queries := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	if queries["http_route=/abandon"] != 1 {
		t.Errorf("queries in the request %v, want the one in its transaction", queries["http_route=/abandon"])
	}
	if got := counterValues(t, a.reg, "perfwatch_db_queries_outside_request_total")["db_query_summary=UPDATE items"]; got != 5 {
		t.Errorf("updates outside requests %v, want 5", got)
	}
	ops, _ := histogramCounts(t, a.reg, "db_client_operation_duration_seconds")
	if n := ops[fmt.Sprintf("db_operation_name=ROLLBACK,db_query_summary=ROLLBACK,db_system_name=%s", a.system)]; n != 1 {
		t.Errorf("%d rollbacks timed, want the one database/sql ran for the abandoned transaction", n)
	}
}

func TestAbandonedTransactionLeavesNothing(t *testing.T) {
	checkAbandonedTransaction(t, newSQLiteApp(t))
}

// TestNoRequestContextWarnsOnce: an application whose requests run statements without
// their context is told once why no request has any, and one that passes it never.
func TestNoRequestContextWarnsOnce(t *testing.T) {
	warnings := func(a *dbApp) int {
		return strings.Count(a.logs.String(), `"msg":"sqlmon: no database operation of the first requests has run with a request's context`)
	}
	withoutCtx := func(a *dbApp) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var n int
			if err := a.db.QueryRow("SELECT count(*) FROM items").Scan(&n); err != nil {
				t.Error(err)
			}
		}
	}

	a := newSQLiteApp(t)
	a.mux.HandleFunc("GET /items", withoutCtx(a))
	for range 99 {
		serve(a.h, "GET", "/items")
	}
	if n := warnings(a); n != 0 {
		t.Fatalf("%d warnings after 99 requests", n)
	}
	for range 50 {
		serve(a.h, "GET", "/items")
	}
	if n := warnings(a); n != 1 {
		t.Fatalf("%d warnings after 149 requests without context, want 1:\n%s", n, a.logs.String())
	}
	if !strings.Contains(a.logs.String(), `"level":"WARN"`) || !strings.Contains(a.logs.String(), "pass r.Context() to QueryContext") {
		t.Errorf("the warning does not say what to do: %s", a.logs.String())
	}

	// The path that passes the context comes after the warning (an application that
	// passes it on a rarely used path only, as miniflux's refresh): a second line says
	// the warning no longer holds for every path, once.
	a.mux.HandleFunc("GET /folders/{id}", joined(a.db))
	for range 3 {
		serve(a.h, "GET", "/folders/1")
	}
	if n := strings.Count(a.logs.String(), `"msg":"sqlmon: a database operation has now run with a request's context`); n != 1 {
		t.Errorf("%d follow-ups after the first operation with a request's context, want 1:\n%s", n, a.logs.String())
	}

	// Statements with the request's context now and then: never a warning.
	b := newSQLiteApp(t)
	b.mux.HandleFunc("GET /items", withoutCtx(b))
	b.mux.HandleFunc("GET /folders/{id}", joined(b.db))
	serve(b.h, "GET", "/folders/1")
	for range 200 {
		serve(b.h, "GET", "/items")
	}
	if n := warnings(b); n != 0 {
		t.Errorf("%d warnings from an application that passes the context: %s", n, b.logs.String())
	}

	// Background statements while no request runs (start-up, jobs) are no sign.
	c := newSQLiteApp(t)
	c.mux.HandleFunc("GET /static", func(http.ResponseWriter, *http.Request) {})
	for range 200 {
		if _, err := c.db.Exec("UPDATE items SET name = name WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
	}
	for range 200 {
		serve(c.h, "GET", "/static")
	}
	if n := warnings(c); n != 0 {
		t.Errorf("%d warnings for statements run between requests: %s", n, c.logs.String())
	}
}

// TestNoRequestContextWarningThroughDefaultLogger: the warning goes, like the others,
// to the default logger of the moment.
func TestNoRequestContextWarningThroughDefaultLogger(t *testing.T) {
	reg := prometheus.NewRegistry()
	mon := newDBMonitor(t, reg)
	db, err := mon.Open("main", sqlmon.SystemSQLite, "sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := instrument.New(reg, instrument.WithHook(mon))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	setDefaultLogger(t, slog.New(slog.NewTextHandler(&logs, nil)))
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		if err := db.QueryRow("SELECT 1").Scan(&n); err != nil {
			t.Error(err)
		}
	}))
	for range 100 {
		serve(h, "GET", "/")
	}
	if !strings.Contains(logs.String(), `level=WARN msg="sqlmon: no database operation of the first requests has run with a request's context`) {
		t.Errorf("no warning after 100 requests without context: %q", logs.String())
	}
}
