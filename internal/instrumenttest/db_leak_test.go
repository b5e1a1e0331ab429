package instrumenttest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// The values that must never reach a metric, a log line or a header.
const (
	secretPassword = "Tr0ub4dor&3-horse-staple"
	secretEmail    = "mallory.leak@example.net"
)

// leakOptions make every warning fire, so that every log line is written.
var leakOptions = sqlmon.DBOptions{
	NPlusOneMinDuration: time.Nanosecond, ExcessiveQueries: 3,
	SlowQueryThreshold: time.Nanosecond, ServerTiming: true,
}

// checkNoLiteralLeaks runs queries that carry a password and an e-mail address, inlined
// as literals in every quoting style, in comments and as arguments, inside requests and
// outside, and searches every metric, log line and response header for them.
func checkNoLiteralLeaks(t *testing.T, a *dbApp, p func(int) string) {
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE IF EXISTS users",
		"CREATE TABLE users (email TEXT PRIMARY KEY, password TEXT)",
	} {
		if _, err := a.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	queries := []struct {
		q    string
		args []any
	}{
		{fmt.Sprintf("INSERT INTO users (email, password) VALUES ('%s', '%s')", secretEmail, secretPassword), nil},
		{fmt.Sprintf("INSERT INTO users (email, password) VALUES ('%s', '%s')", secretEmail, secretPassword), nil}, // fails: duplicate, with the value in the error
		{"INSERT INTO users (email, password) VALUES (" + p(1) + ", " + p(2) + ")", []any{"x" + secretEmail, secretPassword}},
		{fmt.Sprintf("SELECT count(*) FROM users WHERE email = '%s' AND password = E'%s'", secretEmail, secretPassword), nil},
		{fmt.Sprintf("SELECT count(*) FROM users WHERE email = $$%s$$", secretEmail), nil},
		{fmt.Sprintf(`SELECT count(*) FROM users WHERE email = "%s"`, secretEmail), nil}, // MySQL's double-quoted strings
		{fmt.Sprintf("/* user=%s */ SELECT count(*) FROM users -- %s\n", secretEmail, secretPassword), nil},
		{"SELECT count(*) FROM users WHERE email = " + p(1), []any{secretEmail}},
	}
	var headers bytes.Buffer
	a.mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 6; i++ { // repeated: an N+1 pattern, excessive, slow
			for _, q := range queries {
				rows, err := a.db.QueryContext(r.Context(), q.q, q.args...)
				if err == nil {
					rows.Close()
				}
			}
		}
	})
	for i := 0; i < 2; i++ {
		rec := serve(a.h, "GET", "/login")
		_ = rec.Header().Write(&headers)
	}
	for _, q := range queries { // and outside requests
		if rows, err := a.db.QueryContext(ctx, q.q, q.args...); err == nil {
			rows.Close()
		}
	}

	mfs, err := a.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	enc := expfmt.NewEncoder(&metrics, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	logs := a.logs.String()
	for what, text := range map[string]string{"metrics": metrics.String(), "logs": logs, "headers": headers.String()} {
		for _, secret := range []string{secretPassword, secretEmail, "Tr0ub4dor", "mallory", "example.net", "horse-staple"} {
			if strings.Contains(text, secret) {
				t.Errorf("%q appears in the %s", secret, what)
			}
		}
	}
	// The search must have had something to search: the warnings and the series exist.
	for _, want := range []string{"N+1 database queries", "excessive database queries", `"db_query_fingerprint":"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, want := range []string{`db_query_summary="INSERT users"`, `db_query_summary="SELECT users"`, "perfwatch_db_slow_queries_total"} {
		if !strings.Contains(metrics.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestNoLiteralLeaksSQLite(t *testing.T) {
	checkNoLiteralLeaks(t, newSQLiteApp(t, leakOptions), sqliteDialect.p)
}
