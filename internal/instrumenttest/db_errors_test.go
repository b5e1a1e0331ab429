package instrumenttest

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// The database monitor reports failed statements to the error tracker with their query
// summary and operation, never their text or values; rows not found and cancellations
// are not failures.
func TestDBErrorsSQLite(t *testing.T) {
	checkDBErrors(t, "sqlite", "file:dberrors?mode=memory&cache=shared", sqlmon.SystemSQLite)
}

func TestDBErrorsPostgreSQL(t *testing.T) {
	checkDBErrors(t, "pgx", startPostgres(t), sqlmon.SystemPostgreSQL)
}

func checkDBErrors(t *testing.T, driverName, dsn, system string) {
	reg := prometheus.NewRegistry()
	tr, err := errtrack.New(reg, errtrack.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	mon := newDBMonitor(t, reg, sqlmon.WithErrorReporter(tr.ReportDBError))
	db, err := mon.Open("main", system, driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, q := range []string{"DROP TABLE IF EXISTS users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)",
		"INSERT INTO users (id, email) VALUES (1, 'alice.jones@example.org')"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	mw, err := instrument.New(reg, instrument.WithHook(mon), instrument.WithHook(tr))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, err error) {
		if err != nil {
			http.Error(w, "failed", http.StatusInternalServerError)
		}
	}
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		_, err := db.ExecContext(r.Context(), "INSERT INTO users (id, email) VALUES ($1, $2)", 2, "alice.jones@example.org")
		fail(w, err)
	})
	mux.HandleFunc("GET /reports", func(w http.ResponseWriter, r *http.Request) {
		rows, err := db.QueryContext(r.Context(), "SELECT total FROM reports WHERE owner = 'velvet thunder'")
		if err == nil {
			rows.Close()
		}
		fail(w, err)
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var email string
		err := db.QueryRowContext(r.Context(), "SELECT email FROM users WHERE id = $1", 99).Scan(&email)
		if err != sql.ErrNoRows {
			t.Errorf("want no rows, got %v", err)
		}
		canceled, cancel := context.WithCancel(r.Context())
		cancel()
		if _, err := db.ExecContext(canceled, "UPDATE users SET email = 'x' WHERE id = 1"); err == nil {
			t.Error("a canceled statement ran")
		}
	})
	h := mw.Handler(mux)
	for range 3 {
		serve(h, "POST", "/users")
	}
	serve(h, "GET", "/reports")
	serve(h, "GET", "/users/99")

	groups := tr.Groups(errtrack.Query{Sort: "count"})
	if len(groups) != 2 {
		for _, g := range groups {
			t.Logf("group %+v", g)
		}
		t.Fatalf("%d groups, want 2 (the duplicate and the missing table)", len(groups))
	}
	want := []struct {
		count           uint64
		route, op, summ string
	}{
		{3, "/users", "INSERT", "INSERT users"},
		{1, "/reports", "SELECT", "SELECT reports"},
	}
	for i, w := range want {
		g, _ := tr.Group(groups[i].ID)
		x := g.Sample.Extra
		if g.Count != w.count || g.Route != w.route || g.Severity != errtrack.SeverityHigh ||
			x["db.operation.name"] != w.op || x["db.query.summary"] != w.summ || x["db.system.name"] != system {
			t.Errorf("group %d: count %d route %q severity %v extra %v; want %+v", i, g.Count, g.Route, g.Severity, x, w)
		}
		b, _ := json.Marshal(g)
		for _, secret := range []string{"alice", "velvet", "thunder"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("group %d carries %q: %s", i, secret, b)
			}
		}
	}
}
