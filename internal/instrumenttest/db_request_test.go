package instrumenttest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// dbApp is a small application: a SQLite database behind the middleware with a
// DBMonitor hook, and the logs the monitor writes.
type dbApp struct {
	system string // db_system_name
	reg    *prometheus.Registry
	db     *sql.DB
	mon    *sqlmon.DBMonitor
	mux    *http.ServeMux
	h      http.Handler
	logs   *syncBuffer
}

// syncBuffer is a bytes.Buffer that several goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// records returns the JSON log records written so far.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func newDBApp(t *testing.T, dsn, driverName, system string, opts ...sqlmon.Option) *dbApp {
	t.Helper()
	a := &dbApp{system: system, reg: prometheus.NewRegistry(), logs: &syncBuffer{}, mux: http.NewServeMux()}
	opts = append([]sqlmon.Option{sqlmon.WithLogger(slog.New(slog.NewJSONHandler(a.logs, nil)))}, opts...)
	a.mon = newDBMonitor(t, a.reg, opts...)
	db, err := a.mon.Open("main", system, driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a.db = db
	m, err := instrument.New(a.reg, instrument.WithHook(a.mon))
	if err != nil {
		t.Fatal(err)
	}
	a.h = m.Handler(a.mux)
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE IF EXISTS items",
		"CREATE TABLE items (id INTEGER PRIMARY KEY, folder INTEGER, name TEXT)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 20; i++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO items (id, folder, name) VALUES ($1, $2, $3)", i, i%3, fmt.Sprint("item", i)); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func newSQLiteApp(t *testing.T, opts ...sqlmon.Option) *dbApp {
	t.Helper()
	dsn := fmt.Sprintf("file:%s?mode=memory&cache=shared", strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(t.Name()))
	return newDBApp(t, dsn, "sqlite", sqlmon.SystemSQLite, opts...)
}

// queryIDs runs a query of one integer column and returns its values.
func queryIDs(ctx context.Context, db *sql.DB, q string, args ...any) ([]int, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// nPlusOne serves a folder the N+1 way: the ids, then each item on its own.
func nPlusOne(db *sql.DB, inline bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ids, err := queryIDs(ctx, db, "SELECT id FROM items WHERE folder = $1", r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		for _, id := range ids {
			var name string
			q, args := "SELECT name FROM items WHERE id = $1", []any{id}
			if inline {
				q, args = fmt.Sprintf("SELECT name FROM items WHERE id = %d", id), nil // literals inlined
			}
			if err := db.QueryRowContext(ctx, q, args...).Scan(&name); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		fmt.Fprintf(w, "%d items", len(ids))
	}
}

// joined serves the same folder with one query.
func joined(db *sql.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rows, err := db.QueryContext(r.Context(), "SELECT id, name FROM items WHERE folder = $1", r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		fmt.Fprintf(w, "%d items", n)
	}
}

// counterValues returns a counter family's values keyed by labels.
func counterValues(t *testing.T, reg prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	if mf := families(t, reg)[name]; mf != nil {
		for _, m := range mf.GetMetric() {
			out[labelsOf(m)] = m.GetCounter().GetValue()
		}
	}
	return out
}

// histogramCounts returns a histogram family's sample counts and sums keyed by labels.
func histogramCounts(t *testing.T, reg prometheus.Gatherer, name string) (map[string]uint64, map[string]float64) {
	t.Helper()
	counts, sums := map[string]uint64{}, map[string]float64{}
	if mf := families(t, reg)[name]; mf != nil {
		for _, m := range mf.GetMetric() {
			counts[labelsOf(m)] = m.GetHistogram().GetSampleCount()
			sums[labelsOf(m)] = m.GetHistogram().GetSampleSum()
		}
	}
	return counts, sums
}

// nPlusOneWarnings returns the N+1 warnings logged so far.
func nPlusOneWarnings(t *testing.T, a *dbApp) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, rec := range a.logs.records(t) {
		if rec["msg"] == "N+1 database queries in one request" {
			out = append(out, rec)
		}
	}
	return out
}

// pattern returns the i-th pattern (from 1) an N+1 warning names, or nil.
func pattern(rec map[string]any, i int) map[string]any {
	p, _ := rec[fmt.Sprint("pattern_", i)].(map[string]any)
	return p
}

// listPage serves a list the N+1 way: the ids of every item, then each item on its own
// (20 point reads by primary key).
func listPage(db *sql.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ids, err := queryIDs(r.Context(), db, "SELECT id FROM items ORDER BY id")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		for _, id := range ids {
			var name string
			if err := db.QueryRowContext(r.Context(), "SELECT name FROM items WHERE id = $1", id).Scan(&name); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		fmt.Fprintf(w, "%d items", len(ids))
	}
}

func TestNPlusOneDetected(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithWarningInterval(0))
	a.mux.HandleFunc("GET /folders/{id}", nPlusOne(a.db, false))
	a.mux.HandleFunc("GET /inline/{id}", nPlusOne(a.db, true))
	a.mux.HandleFunc("GET /folders/{id}/joined", joined(a.db))

	for _, path := range []string{"/folders/1", "/inline/2", "/folders/1/joined", "/folders/1/joined"} {
		if rec := serve(a.h, "GET", path); rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")
	want := map[string]float64{
		"http_route=/folders/{id}":        1,
		"http_route=/inline/{id}":         1, // distinct strings, one fingerprint
		"http_route=/folders/{id}/joined": 0,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("perfwatch_db_n_plus_one_requests_total = %v, want %v (the joined variant must not count)", got, want)
	}
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_patterns_total"); got["db_query_summary=SELECT items"] != 2 {
		t.Errorf("perfwatch_db_n_plus_one_patterns_total = %v, want SELECT items twice", got)
	}

	warnings := nPlusOneWarnings(t, a)
	for _, rec := range warnings {
		p := pattern(rec, 1)
		if rec["level"] != "WARN" || rec["patterns"] != float64(1) || p["db_query_summary"] != "SELECT items" ||
			p["db_query_fingerprint"] != "SELECT name FROM items WHERE id = ?" || p["count"] != float64(7) || p["suppressed"] != float64(0) {
			t.Errorf("warning %v", rec)
		}
	}
	if len(warnings) != 2 {
		t.Errorf("%d N+1 warnings, want one per N+1 request (2):\n%s", len(warnings), a.logs)
	}

	counts, sums := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	if counts["http_route=/folders/{id}"] != 1 || sums["http_route=/folders/{id}"] != 8 ||
		counts["http_route=/folders/{id}/joined"] != 2 || sums["http_route=/folders/{id}/joined"] != 2 {
		t.Errorf("queries per request: counts %v sums %v", counts, sums)
	}
}

// TestNPlusOneDefaultsSQLite: a list page that reads its 20 rows one by one is an N+1
// on SQLite with the defaults. The 50 ms floor of old never let it through: the 20
// point reads take about a tenth of a millisecond in process.
func TestNPlusOneDefaultsSQLite(t *testing.T) {
	a := newSQLiteApp(t)
	a.mux.HandleFunc("GET /items", listPage(a.db))
	if rec := serve(a.h, "GET", "/items"); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")["http_route=/items"]; got != 1 {
		t.Errorf("N+1 requests of /items: %v, want 1", got)
	}
	if w := nPlusOneWarnings(t, a); len(w) != 1 || pattern(w[0], 1)["count"] != float64(20) {
		t.Errorf("warnings %v, want one for 20 queries", w)
	}
}

func TestNPlusOneThresholds(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []sqlmon.Option
		want float64
	}{
		{"defaults: seven point reads on SQLite are an N+1", nil, 1},
		{"count below the minimum", []sqlmon.Option{sqlmon.WithNPlusOne(8, 0)}, 0},
		{"count at the minimum, no floor", []sqlmon.Option{sqlmon.WithNPlusOne(7, 0)}, 1},
		{"time floor not reached", []sqlmon.Option{sqlmon.WithNPlusOne(2, time.Hour)}, 0},
		{"another system's thresholds do not apply", []sqlmon.Option{sqlmon.WithSystemNPlusOne(sqlmon.SystemPostgreSQL, 2, time.Hour)}, 1},
		{"the system's own thresholds win", []sqlmon.Option{sqlmon.WithSystemNPlusOne(sqlmon.SystemSQLite, 2, time.Hour), sqlmon.WithNPlusOne(2, 0)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newSQLiteApp(t, tc.opts...)
			a.mux.HandleFunc("GET /folders/{id}", nPlusOne(a.db, false)) // folder 1 holds 7 items
			serve(a.h, "GET", "/folders/1")
			if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")["http_route=/folders/{id}"]; got != tc.want {
				t.Errorf("%v N+1 requests, want %v", got, tc.want)
			}
		})
	}
}

// TestDBFamiliesPresentFromStart: every perfwatch_db_* and per-request family has its
// series at 0 as soon as its route or statement summary is seen, before any hit, so
// that rates and alerts see 0 rather than nothing.
func TestDBFamiliesPresentFromStart(t *testing.T) {
	a := newSQLiteApp(t)
	a.mux.HandleFunc("GET /nothing", func(http.ResponseWriter, *http.Request) {})
	a.mux.HandleFunc("GET /one", joined(a.db))
	serve(a.h, "GET", "/nothing")
	serve(a.h, "GET", "/one")
	fams := families(t, a.reg)
	has := func(name, labels string) {
		t.Helper()
		for _, m := range fams[name].GetMetric() {
			if labelsOf(m) == labels {
				return
			}
		}
		t.Errorf("%s{%s} absent", name, labels)
	}
	for _, route := range []string{"/nothing", "/one"} {
		for _, name := range []string{"perfwatch_db_n_plus_one_requests_total", "perfwatch_db_excessive_queries_total",
			"perfwatch_http_request_db_queries", "perfwatch_http_request_db_transactions", "perfwatch_http_request_db_duration_seconds"} {
			has(name, "http_route="+route)
		}
	}
	for _, name := range []string{"perfwatch_db_n_plus_one_patterns_total", "perfwatch_db_slow_queries_total", "perfwatch_db_queries_outside_request_total"} {
		has(name, "db_query_summary=SELECT items")
	}
	for name, v := range map[string]float64{
		"perfwatch_db_n_plus_one_requests_total": counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")["http_route=/one"],
		"perfwatch_db_n_plus_one_patterns_total": counterValues(t, a.reg, "perfwatch_db_n_plus_one_patterns_total")["db_query_summary=SELECT items"],
	} {
		if v != 0 {
			t.Errorf("%s = %v, want 0", name, v)
		}
	}
}

// TestNPlusOneCountedOncePerRequest: a request with two N+1 patterns of one summary
// counts once per route and once per summary, and its warning names both patterns.
func TestNPlusOneCountedOncePerRequest(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithWarningInterval(0))
	a.mux.HandleFunc("GET /export", func(w http.ResponseWriter, r *http.Request) {
		for id := 1; id <= 7; id++ {
			var name string
			var folder int
			if err := a.db.QueryRowContext(r.Context(), "SELECT name FROM items WHERE id = $1", id).Scan(&name); err != nil {
				t.Error(err)
			}
			for range 2 { // the costlier pattern: 14 queries
				if err := a.db.QueryRowContext(r.Context(), "SELECT folder FROM items WHERE id = $1", id).Scan(&folder); err != nil {
					t.Error(err)
				}
			}
		}
	})
	serve(a.h, "GET", "/export")
	serve(a.h, "GET", "/export")
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total"); got["http_route=/export"] != 2 {
		t.Errorf("perfwatch_db_n_plus_one_requests_total = %v, want 2 (two requests)", got)
	}
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_patterns_total"); got["db_query_summary=SELECT items"] != 2 {
		t.Errorf("perfwatch_db_n_plus_one_patterns_total = %v, want 2 (two requests, one summary)", got)
	}
	w := nPlusOneWarnings(t, a)
	if len(w) != 2 {
		t.Fatalf("%d warnings, want 2:\n%s", len(w), a.logs)
	}
	// Costlier is more time, which on a loaded machine need not follow the count (the
	// first statement of a request can wait longest): check the order against the
	// durations the warning itself reports.
	p1, p2 := pattern(w[0], 1), pattern(w[0], 2)
	counts := map[any]any{p1["db_query_fingerprint"]: p1["count"], p2["db_query_fingerprint"]: p2["count"]}
	d1, _ := p1["duration_seconds"].(float64)
	d2, _ := p2["duration_seconds"].(float64)
	if w[0]["patterns"] != float64(2) || d1 < d2 ||
		counts["SELECT folder FROM items WHERE id = ?"] != float64(14) || counts["SELECT name FROM items WHERE id = ?"] != float64(7) {
		t.Errorf("warning %v: want both patterns with their counts, the costlier first", w[0])
	}
}

// TestNPlusOneWarningsRateLimited: one warning per route and pattern per interval; the
// next one says how many were held back.
func TestNPlusOneWarningsRateLimited(t *testing.T) {
	a := newSQLiteApp(t) // the default interval, a minute
	a.mux.HandleFunc("GET /folders/{id}", nPlusOne(a.db, false))
	a.mux.HandleFunc("GET /again/{id}", nPlusOne(a.db, false))
	for range 3 {
		serve(a.h, "GET", "/folders/1")
	}
	serve(a.h, "GET", "/again/1")
	w := nPlusOneWarnings(t, a)
	if len(w) != 2 || w[0]["http_route"] != "/folders/{id}" || w[1]["http_route"] != "/again/{id}" {
		t.Errorf("warnings %v, want one per route", w)
	}
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")["http_route=/folders/{id}"]; got != 3 {
		t.Errorf("the metric counts every request: %v, want 3", got)
	}

	// Long enough that three requests on SQLite, a few milliseconds each even under
	// -race on a loaded machine, stay within one interval.
	const interval = 2 * time.Second
	b := newSQLiteApp(t, sqlmon.WithWarningInterval(interval))
	b.mux.HandleFunc("GET /folders/{id}", nPlusOne(b.db, false))
	start := time.Now()
	for range 3 {
		serve(b.h, "GET", "/folders/1")
	}
	if time.Since(start) >= interval {
		t.Fatalf("three requests took %v, longer than the %v interval the test relies on", time.Since(start), interval)
	}
	time.Sleep(interval)
	serve(b.h, "GET", "/folders/1")
	w = nPlusOneWarnings(t, b)
	if len(w) != 2 || pattern(w[1], 1)["suppressed"] != float64(2) {
		t.Errorf("warnings %v, want two, the second with 2 suppressed", w)
	}
}

// TestTransactionControlCountedApart: BEGIN, COMMIT, SAVEPOINT and RELEASE are neither
// queries of the request nor an N+1 pattern; transactions are counted on their own.
func TestTransactionControlCountedApart(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithExcessiveQueries(3), sqlmon.WithServerTiming(true), sqlmon.WithWarningInterval(0))
	a.mux.HandleFunc("GET /tx", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		tx, err := a.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 6 { // six savepoints: as many statements as an N+1 pattern
			for _, q := range []string{fmt.Sprint("SAVEPOINT sp", i), fmt.Sprint("RELEASE sp", i)} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		c, err := a.db.Conn(ctx) // a transaction by statements
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, q := range []string{"BEGIN", "UPDATE items SET name = name WHERE id = 1", "SELECT count(*) FROM items", "COMMIT"} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	})
	rec := serve(a.h, "GET", "/tx")
	_, queries := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	_, txs := histogramCounts(t, a.reg, "perfwatch_http_request_db_transactions")
	if queries["http_route=/tx"] != 3 || txs["http_route=/tx"] != 2 {
		t.Errorf("queries %v, transactions %v; want 3 and 2", queries["http_route=/tx"], txs["http_route=/tx"])
	}
	if got := counterValues(t, a.reg, "perfwatch_db_excessive_queries_total")["http_route=/tx"]; got != 0 {
		t.Errorf("3 queries counted excessive over a threshold of 3")
	}
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")["http_route=/tx"]; got != 0 {
		t.Errorf("savepoints counted as an N+1 pattern")
	}
	if st := rec.Header().Get("Server-Timing"); !strings.HasSuffix(st, `;desc="3 queries, 2 transactions"`) {
		t.Errorf("Server-Timing %q", st)
	}
	// Each statement is still timed, under its own operation.
	counts, _ := histogramCounts(t, a.reg, "db_client_operation_duration_seconds")
	for op, want := range map[string]uint64{"SAVEPOINT": 6, "RELEASE": 6, "BEGIN": 2, "COMMIT": 2} {
		key := fmt.Sprintf("db_operation_name=%s,db_query_summary=%s,db_system_name=sqlite", op, op)
		if counts[key] != want {
			t.Errorf("%s: %d timed, want %d (%v)", op, counts[key], want, counts)
		}
	}
}

// TestOperationTimedToDriverAnswer: a handler that works between rows does not make
// the query slower; the rows' iteration time has a metric of its own when asked for.
func TestOperationTimedToDriverAnswer(t *testing.T) {
	const perRow = 15 * time.Millisecond
	for _, iteration := range []bool{false, true} {
		t.Run(fmt.Sprint("iteration ", iteration), func(t *testing.T) {
			a := newSQLiteApp(t, sqlmon.WithRowsIterationTime(iteration))
			a.mux.HandleFunc("GET /slow-rows", func(w http.ResponseWriter, r *http.Request) {
				rows, err := a.db.QueryContext(r.Context(), "SELECT id FROM items WHERE folder = $1", 1) // 7 rows
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					time.Sleep(perRow) // the application's work on each row
				}
				rows.Close()
			})
			serve(a.h, "GET", "/slow-rows")
			const key = "db_operation_name=SELECT,db_query_summary=SELECT items,db_system_name=sqlite"
			counts, sums := histogramCounts(t, a.reg, "db_client_operation_duration_seconds")
			if counts[key] != 1 || sums[key] >= perRow.Seconds() {
				t.Errorf("operation: %d timed, %.4fs; want 1, well under the %v of one row's work", counts[key], sums[key], perRow)
			}
			if _, db := histogramCounts(t, a.reg, "perfwatch_http_request_db_duration_seconds"); db["http_route=/slow-rows"] >= perRow.Seconds() {
				t.Errorf("database time of the request %.4fs, includes the handler's work", db["http_route=/slow-rows"])
			}
			ic, is := histogramCounts(t, a.reg, "perfwatch_db_client_rows_iteration_duration_seconds")
			switch {
			case !iteration && len(ic) != 0:
				t.Errorf("iteration timed without the option: %v", ic)
			case iteration && (ic[key] != 1 || is[key] < 7*perRow.Seconds()):
				t.Errorf("iteration: %d timed, %.4fs; want 1, at least %v", ic[key], is[key], 7*perRow)
			}
		})
	}
}

// TestWarningFingerprintCutOnCharacter: the logged fingerprint of a long statement
// with non-ASCII identifiers is cut between characters.
func TestWarningFingerprintCutOnCharacter(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithWarningInterval(0))
	col := strings.Repeat("名", 80) // 240 bytes: the cut at 200 falls inside a character
	if _, err := a.db.ExecContext(context.Background(), "CREATE TABLE ラベル (id INTEGER PRIMARY KEY, "+col+" TEXT)"); err != nil {
		t.Fatal(err)
	}
	q := "SELECT " + col + " FROM ラベル WHERE id = $1"
	a.mux.HandleFunc("GET /labels", func(w http.ResponseWriter, r *http.Request) {
		for id := range 6 {
			rows, err := a.db.QueryContext(r.Context(), q, id)
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	})
	serve(a.h, "GET", "/labels")
	w := nPlusOneWarnings(t, a)
	if len(w) != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", len(w), a.logs)
	}
	fp, _ := pattern(w[0], 1)["db_query_fingerprint"].(string)
	// The JSON handler replaces a cut character with U+FFFD, which is in no identifier.
	if !strings.HasSuffix(fp, "…") || strings.ContainsRune(fp, utf8.RuneError) || !strings.HasPrefix(fp, "SELECT") {
		t.Errorf("fingerprint %q: want a cut between characters", fp)
	}
}

// TestHandlerPanicsMidQuery: a handler that panics with a transaction and its rows open
// leaves neither the request's statistics nor the pool wrong. net/http recovers the
// panic and cancels the request's context, on which database/sql closes the rows and
// rolls the transaction back.
func TestHandlerPanicsMidQuery(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithRowsIterationTime(true))
	a.db.SetMaxOpenConns(2)
	a.mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var n int
		if err := a.db.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
			t.Error(err)
		}
		tx, err := a.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, "SELECT id FROM items WHERE folder = $1", 1)
		if err != nil {
			t.Fatal(err)
		}
		rows.Next()
		panic("a bug in the handler, mid-iteration")
	})
	a.mux.HandleFunc("GET /ok", joined(a.db))
	srv := httptest.NewUnstartedServer(a.h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // net/http logs the recovered panic
	srv.Start()
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/panic"); err == nil {
		resp.Body.Close()
		t.Fatalf("the panicking request answered %d", resp.StatusCode)
	}
	inUse := func() float64 {
		for _, m := range families(t, a.reg)["go_sql_in_use_connections"].GetMetric() {
			return m.GetGauge().GetValue()
		}
		return -1
	}
	deadline := time.Now().Add(5 * time.Second)
	for inUse() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := inUse(); n != 0 {
		t.Errorf("%v connections in use after the panic, want 0", n)
	}
	for range 3 {
		resp, err := http.Get(srv.URL + "/ok")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("after the panic: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	counts, queries := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	_, txs := histogramCounts(t, a.reg, "perfwatch_http_request_db_transactions")
	if counts["http_route=/panic"] != 1 || queries["http_route=/panic"] != 2 || txs["http_route=/panic"] != 1 {
		t.Errorf("the panicking request: %d recorded with %v queries and %v transactions; want 1, 2 and 1",
			counts["http_route=/panic"], queries["http_route=/panic"], txs["http_route=/panic"])
	}
	if counts["http_route=/ok"] != 3 || queries["http_route=/ok"] != 3 {
		t.Errorf("requests after the panic: %d recorded with %v queries; want 3 and 3", counts["http_route=/ok"], queries["http_route=/ok"])
	}
	// The query the handler panicked in was answered inside its request: not outside.
	if got := counterValues(t, a.reg, "perfwatch_db_queries_outside_request_total")["db_query_summary=SELECT items"]; got != 0 {
		t.Errorf("%v SELECT items counted outside requests, want 0", got)
	}
	ops, _ := histogramCounts(t, a.reg, "db_client_operation_duration_seconds")
	if n := ops["db_operation_name=ROLLBACK,db_query_summary=ROLLBACK,db_system_name=sqlite"]; n != 1 {
		t.Errorf("%d rollbacks timed, want the one database/sql ran for the abandoned transaction", n)
	}
	if ic, _ := histogramCounts(t, a.reg, "perfwatch_db_client_rows_iteration_duration_seconds"); ic["db_operation_name=SELECT,db_query_summary=SELECT items,db_system_name=sqlite"] != 5 {
		t.Errorf("iterations %v: want the abandoned rows' and four others", ic)
	}
}

func TestExcessiveQueriesAndServerTiming(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithExcessiveQueries(10), sqlmon.WithServerTiming(true))
	queries := func(n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < n; i++ {
				var c int
				if err := a.db.QueryRowContext(r.Context(), "SELECT count(*) FROM items WHERE folder = $1", i%3).Scan(&c); err != nil {
					t.Error(err)
				}
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
	a.mux.HandleFunc("GET /many", queries(11))
	a.mux.HandleFunc("GET /few", queries(10))
	a.mux.HandleFunc("GET /one", queries(1))
	rec := serve(a.h, "GET", "/many")
	serve(a.h, "GET", "/few")
	one := serve(a.h, "GET", "/one")

	// Every route has the counter from its first request, so that rates start at zero.
	if got := counterValues(t, a.reg, "perfwatch_db_excessive_queries_total"); fmt.Sprint(got) != "map[http_route=/few:0 http_route=/many:1 http_route=/one:0]" {
		t.Errorf("perfwatch_db_excessive_queries_total = %v, want /many once", got)
	}
	st := rec.Header().Get("Server-Timing")
	if !strings.HasPrefix(st, "db;dur=") || !strings.HasSuffix(st, `;desc="11 queries"`) {
		t.Errorf("Server-Timing %q", st)
	}
	if st := one.Header().Get("Server-Timing"); !strings.HasSuffix(st, `;desc="1 query"`) {
		t.Errorf("Server-Timing %q", st)
	}
	found := false
	for _, r := range a.logs.records(t) {
		if r["msg"] == "excessive database queries in one request" {
			found = found || (r["http_route"] == "/many" && r["db_queries"] == float64(11))
		}
	}
	if !found {
		t.Errorf("no excessive-queries warning for /many:\n%s", a.logs)
	}
}

func TestServerTimingOffByDefault(t *testing.T) {
	a := newSQLiteApp(t)
	a.mux.HandleFunc("GET /x", joined(a.db))
	if st := serve(a.h, "GET", "/x").Header().Values("Server-Timing"); len(st) != 0 {
		t.Errorf("Server-Timing %q without the option", st)
	}
}

// TestConcurrentQueriesInOneRequest runs queries from many goroutines of one request
// (run it with -race): every one is counted once.
func TestConcurrentQueriesInOneRequest(t *testing.T) {
	a := newSQLiteApp(t)
	const workers, each = 8, 25
	a.mux.HandleFunc("GET /fanout", func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		for g := 0; g < workers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					var name string
					if err := a.db.QueryRowContext(r.Context(), "SELECT name FROM items WHERE id = $1", 1+(g*each+i)%20).Scan(&name); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	})
	for i := 0; i < 3; i++ {
		serve(a.h, "GET", "/fanout")
	}
	counts, sums := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	if counts["http_route=/fanout"] != 3 || sums["http_route=/fanout"] != 3*workers*each {
		t.Errorf("queries per request: %d requests, %v queries; want 3 and %d", counts["http_route=/fanout"], sums["http_route=/fanout"], 3*workers*each)
	}
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_requests_total")["http_route=/fanout"]; got != 3 {
		t.Errorf("N+1 detections %v, want 3", got)
	}
}

func TestQueriesOutsideRequests(t *testing.T) {
	a := newSQLiteApp(t)
	before := counterValues(t, a.reg, "perfwatch_db_queries_outside_request_total")["db_query_summary=INSERT items"]
	if before != 20 { // newDBApp's seed rows
		t.Errorf("seed inserts outside requests: %v, want 20", before)
	}
	late := make(chan context.Context, 1)
	a.mux.HandleFunc("GET /spawn", func(w http.ResponseWriter, r *http.Request) {
		late <- r.Context() // a goroutine that outlives the request keeps its context
	})
	serve(a.h, "GET", "/spawn")
	var n int
	if err := a.db.QueryRowContext(<-late, "SELECT count(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got := counterValues(t, a.reg, "perfwatch_db_queries_outside_request_total")["db_query_summary=SELECT items"]; got != 1 {
		t.Errorf("a query after its request ended: outside = %v, want 1", got)
	}
	counts, sums := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	if counts["http_route=/spawn"] != 1 || sums["http_route=/spawn"] != 0 {
		t.Errorf("the request itself ran no query: %v %v", counts, sums)
	}
}

func TestSlowQueries(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithSlowQueryThreshold(0))
	var n int
	if err := a.db.QueryRowContext(context.Background(), "SELECT count(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	slow := counterValues(t, a.reg, "perfwatch_db_slow_queries_total")
	if slow["db_query_summary=SELECT items"] != 1 || slow["db_query_summary=INSERT items"] != 20 {
		t.Errorf("slow queries with a threshold of 0 (every operation): %v", slow)
	}
	b := newSQLiteApp(t)
	if slow := counterValues(t, b.reg, "perfwatch_db_slow_queries_total"); len(slow) != 0 {
		for k, v := range slow {
			if v != 0 {
				t.Errorf("slow queries with the default threshold: %s %v", k, v)
			}
		}
	}
}

func TestQuerySummaryBound(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.WithMaxQuerySummaries(3))
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if _, err := a.db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE t%d (x INTEGER)", i)); err != nil {
			t.Fatal(err)
		}
	}
	counts, _ := histogramCounts(t, a.reg, "db_client_operation_duration_seconds")
	summaries := map[string]bool{}
	for k := range counts {
		for _, l := range strings.Split(k, ",") {
			if v, ok := strings.CutPrefix(l, "db_query_summary="); ok {
				summaries[v] = true
			}
		}
	}
	// DROP items, CREATE items, INSERT items took the three places.
	if len(summaries) != 4 || !summaries["other"] || summaries["CREATE t9"] {
		t.Errorf("summaries %v: want three and other", summaries)
	}
}

func TestRoutePatternsDropped(t *testing.T) {
	a := newSQLiteApp(t)
	m, err := instrument.New(prometheus.NewRegistry(), instrument.WithHook(a.mon),
		instrument.WithRouteFunc(func(*http.Request) string { return "/items/{id:[0-9]+}" }))
	if err != nil {
		t.Fatal(err)
	}
	serve(m.Handler(joined(a.db)), "GET", "/items/1")
	if counts, _ := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries"); counts["http_route=/items/{id}"] != 1 {
		t.Errorf("queries per request by route: %v, want the middleware's label /items/{id}", counts)
	}
}
