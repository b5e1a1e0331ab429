package instrumenttest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// The values that must never reach a metric, a log line or a header. Secrets made of
// plain words and spaces are the hard case: a lexer that loses track of a literal's
// end sees them as identifiers, which a fingerprint keeps.
const (
	secretPhrase   = "purple elephant dances"
	secretPass     = "hunter two is my pass"
	secretPassword = "Tr0ub4dor&3-horse-staple"
	secretEmail    = "mallory.leak@example.net"
)

// secretWords are searched for one by one: a fingerprint that kept a word of a phrase
// leaks it as surely as one that kept the phrase.
var secretWords = []string{secretPhrase, secretPass, "purple", "elephant", "dances", "hunter",
	secretPassword, secretEmail, "Tr0ub4dor", "mallory", "example.net", "horse-staple"}

// leakOptions make every warning fire for every request, so that every log line there
// can be is written, and every metric there can be exists.
func leakOptions() []sqlmon.Option {
	return []sqlmon.Option{
		sqlmon.WithNPlusOne(5, 0), sqlmon.WithExcessiveQueries(3), sqlmon.WithSlowQueryThreshold(0),
		sqlmon.WithServerTiming(true), sqlmon.WithWarningInterval(0), sqlmon.WithRowsIterationTime(true),
	}
}

type leakQuery struct {
	q    string
	args []any
}

// leakQueries are statements that carry the secrets in every way dialect d allows:
// inlined as string literals (with doubled quotes, double quotes and backslashes
// inside, and backslashes that end a standard string), in comments, as arguments;
// PostgreSQL adds E” strings with backslash escapes, dollar quotes and nested
// comments. MySQL's double-quoted strings are not among them: neither database has
// them (PostgreSQL reads "…" as an identifier, and SQLite only as a fallback).
func leakQueries(d dialect) []leakQuery {
	p := d.p
	qs := []leakQuery{
		{fmt.Sprintf("INSERT INTO users (email, password) VALUES ('%s', '%s')", secretEmail, secretPassword), nil},
		{fmt.Sprintf("INSERT INTO users (email, password) VALUES ('%s', '%s')", secretEmail, secretPassword), nil}, // fails: duplicate, with the value in the error
		{fmt.Sprintf("INSERT INTO users (email, password) VALUES ('%s', '%s')", secretPhrase, secretPass), nil},
		{"INSERT INTO users (email, password) VALUES (" + p(1) + ", " + p(2) + ")", []any{"x " + secretPhrase, secretPass}},
		{"SELECT count(*) FROM users WHERE email = " + p(1), []any{secretPhrase}},
		{fmt.Sprintf("SELECT count(*) FROM users WHERE email = 'it''s %s' AND password = '%s'", secretPhrase, secretPass), nil},
		{fmt.Sprintf(`SELECT count(*) FROM users WHERE email = 'say "%s"' OR email = '"%s"'`, secretPhrase, secretPass), nil},
		// A standard string ends at its quote even after a backslash: 'trailing\' is
		// complete, and what follows is SQL again.
		{fmt.Sprintf(`SELECT count(*) FROM users WHERE email = 'trailing\' AND password = '%s'`, secretPass), nil},
		{fmt.Sprintf(`SELECT count(*) FROM users WHERE email LIKE 'x\_%%' ESCAPE '\' AND password = '%s'`, secretPhrase), nil},
		{fmt.Sprintf(`SELECT count(*) FROM users WHERE email = '\\' AND password = '%s\'`, secretPass), nil},
		{fmt.Sprintf("/* user=%s */ SELECT count(*) FROM users -- %s\n", secretPhrase, secretPass), nil},
		{fmt.Sprintf("SELECT count(*) FROM users WHERE email = '%s' /* %s */", secretEmail, secretPassword), nil},
	}
	if d.name == "postgresql" {
		qs = append(qs,
			leakQuery{fmt.Sprintf(`SELECT count(*) FROM users WHERE email = E'it\'s %s' AND password = e'\\%s'`, secretPhrase, secretPass), nil},
			leakQuery{fmt.Sprintf(`SELECT count(*) FROM users WHERE email = E'\\\' %s' OR email = E'%s\\'`, secretPass, secretPhrase), nil},
			leakQuery{fmt.Sprintf("SELECT count(*) FROM users WHERE email = $$%s$$ AND password = $tag$it's %s$tag$", secretPhrase, secretPass), nil},
			leakQuery{fmt.Sprintf("SELECT count(*) FROM users WHERE email = $a$ $$ %s $$ $a$", secretPhrase), nil},
			leakQuery{fmt.Sprintf("/* outer /* %s */ %s */ SELECT count(*) FROM users", secretPhrase, secretPass), nil},
		)
	}
	return qs
}

// checkNoLiteralLeaks runs the statements of leakQueries, each in requests of its own
// (so that every N+1 warning names it) and outside requests, and searches every metric
// (all families, help texts and label values), every log line and every response
// header for the secrets.
func checkNoLiteralLeaks(t *testing.T, a *dbApp, d dialect) {
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE IF EXISTS users",
		"CREATE TABLE users (email TEXT PRIMARY KEY, password TEXT)",
	} {
		if _, err := a.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	queries := leakQueries(d)
	run := func(ctx context.Context, q leakQuery) {
		rows, err := a.db.QueryContext(ctx, q.q, q.args...)
		if err == nil {
			for rows.Next() {
			}
			rows.Close()
		}
	}
	var headers bytes.Buffer
	a.mux.HandleFunc("GET /login/{i}", func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscan(r.PathValue("i"), &i)
		for range 6 { // repeated: an N+1 pattern, excessive, slow
			run(r.Context(), queries[i])
		}
	})
	for i := range queries {
		rec := serve(a.h, "GET", fmt.Sprint("/login/", i))
		_ = rec.Header().Write(&headers)
	}
	for _, q := range queries { // and outside requests
		run(ctx, q)
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
		for _, secret := range secretWords {
			if i := strings.Index(text, secret); i >= 0 {
				line := text[strings.LastIndexByte(text[:i], '\n')+1:]
				if j := strings.IndexByte(line, '\n'); j >= 0 {
					line = line[:j]
				}
				t.Errorf("%q appears in the %s: %s", secret, what, line)
			}
		}
	}
	// The search must have had something to search: a warning for every statement, and
	// the series.
	if w := nPlusOneWarnings(t, a); len(w) != len(queries) {
		t.Errorf("%d N+1 warnings for %d statements:\n%s", len(w), len(queries), logs)
	}
	for _, want := range []string{"excessive database queries", `"db_query_fingerprint":"`, "Server-Timing: db;dur="} {
		if !strings.Contains(logs+headers.String(), want) {
			t.Errorf("logs and headers lack %q:\n%s", want, logs)
		}
	}
	for _, want := range []string{`db_query_summary="INSERT users"`, `db_query_summary="SELECT users"`, "perfwatch_db_slow_queries_total",
		"perfwatch_db_client_rows_iteration_duration_seconds"} {
		if !strings.Contains(metrics.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestNoLiteralLeaksSQLite(t *testing.T) {
	checkNoLiteralLeaks(t, newSQLiteApp(t, leakOptions()...), sqliteDialect)
}
