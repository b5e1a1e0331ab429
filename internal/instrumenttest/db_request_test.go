package instrumenttest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// dbApp is a small application: a SQLite database behind the middleware with a
// DBMonitor hook, and the logs the monitor writes.
type dbApp struct {
	reg  *prometheus.Registry
	db   *sql.DB
	mon  *sqlmon.DBMonitor
	mux  *http.ServeMux
	h    http.Handler
	logs *syncBuffer
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

func newDBApp(t *testing.T, opts sqlmon.DBOptions, dsn, driverName, system string) *dbApp {
	t.Helper()
	a := &dbApp{reg: prometheus.NewRegistry(), logs: &syncBuffer{}, mux: http.NewServeMux()}
	opts.Logger = slog.New(slog.NewJSONHandler(a.logs, nil))
	a.mon = newDBMonitor(t, a.reg, opts)
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

func newSQLiteApp(t *testing.T, opts sqlmon.DBOptions) *dbApp {
	t.Helper()
	dsn := fmt.Sprintf("file:%s?mode=memory&cache=shared", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	return newDBApp(t, opts, dsn, "sqlite", sqlmon.SystemSQLite)
}

// nPlusOne serves a folder the N+1 way: the ids, then each item on its own.
func nPlusOne(db *sql.DB, inline bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		rows, err := db.QueryContext(ctx, "SELECT id FROM items WHERE folder = $1", r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		var ids []int
		for rows.Next() {
			var id int
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
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

func TestNPlusOneDetected(t *testing.T) {
	// SQLite in memory answers in microseconds: a zero-ish duration floor lets the count
	// decide. The PostgreSQL test covers the default 50 ms floor with real sleeps.
	a := newSQLiteApp(t, sqlmon.DBOptions{NPlusOneMinDuration: time.Nanosecond})
	a.mux.HandleFunc("GET /folders/{id}", nPlusOne(a.db, false))
	a.mux.HandleFunc("GET /inline/{id}", nPlusOne(a.db, true))
	a.mux.HandleFunc("GET /folders/{id}/joined", joined(a.db))

	for _, path := range []string{"/folders/1", "/inline/2", "/folders/1/joined", "/folders/1/joined"} {
		if rec := serve(a.h, "GET", path); rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_total")
	want := map[string]float64{
		"db_query_summary=SELECT items,http_route=/folders/{id}": 1,
		"db_query_summary=SELECT items,http_route=/inline/{id}":  1, // distinct strings, one fingerprint
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("perfwatch_db_n_plus_one_total = %v, want %v (the joined variant must not count)", got, want)
	}

	warnings := 0
	for _, rec := range a.logs.records(t) {
		if rec["msg"] != "N+1 database queries in one request" {
			continue
		}
		warnings++
		if rec["level"] != "WARN" || rec["db_query_summary"] != "SELECT items" ||
			rec["db_query_fingerprint"] != "SELECT name FROM items WHERE id = ?" || rec["count"] != float64(7) {
			t.Errorf("warning %v", rec)
		}
	}
	if warnings != 2 {
		t.Errorf("%d N+1 warnings, want one per N+1 request (2):\n%s", warnings, a.logs)
	}

	counts, sums := histogramCounts(t, a.reg, "perfwatch_http_request_db_queries")
	if counts["http_route=/folders/{id}"] != 1 || sums["http_route=/folders/{id}"] != 8 ||
		counts["http_route=/folders/{id}/joined"] != 2 || sums["http_route=/folders/{id}/joined"] != 2 {
		t.Errorf("queries per request: counts %v sums %v", counts, sums)
	}
}

func TestNPlusOneThresholds(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts sqlmon.DBOptions
		want int
	}{
		{"defaults: fast queries are no N+1", sqlmon.DBOptions{}, 0},
		{"count below the minimum", sqlmon.DBOptions{NPlusOneMinQueries: 8, NPlusOneMinDuration: time.Nanosecond}, 0},
		{"count at the minimum", sqlmon.DBOptions{NPlusOneMinQueries: 7, NPlusOneMinDuration: time.Nanosecond}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newSQLiteApp(t, tc.opts)
			a.mux.HandleFunc("GET /folders/{id}", nPlusOne(a.db, false)) // folder 1 holds 7 items
			serve(a.h, "GET", "/folders/1")
			n := 0
			for _, v := range counterValues(t, a.reg, "perfwatch_db_n_plus_one_total") {
				n += int(v)
			}
			if n != tc.want {
				t.Errorf("%d N+1 detections, want %d", n, tc.want)
			}
		})
	}
}

func TestExcessiveQueriesAndServerTiming(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.DBOptions{ExcessiveQueries: 10, ServerTiming: true})
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
	a := newSQLiteApp(t, sqlmon.DBOptions{})
	a.mux.HandleFunc("GET /x", joined(a.db))
	if st := serve(a.h, "GET", "/x").Header().Values("Server-Timing"); len(st) != 0 {
		t.Errorf("Server-Timing %q without the option", st)
	}
}

// TestConcurrentQueriesInOneRequest runs queries from many goroutines of one request
// (run it with -race): every one is counted once.
func TestConcurrentQueriesInOneRequest(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.DBOptions{NPlusOneMinDuration: time.Nanosecond})
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
	if got := counterValues(t, a.reg, "perfwatch_db_n_plus_one_total")["db_query_summary=SELECT items,http_route=/fanout"]; got != 3 {
		t.Errorf("N+1 detections %v, want 3", got)
	}
}

func TestQueriesOutsideRequests(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.DBOptions{})
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
	a := newSQLiteApp(t, sqlmon.DBOptions{SlowQueryThreshold: time.Nanosecond})
	var n int
	if err := a.db.QueryRowContext(context.Background(), "SELECT count(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	slow := counterValues(t, a.reg, "perfwatch_db_slow_queries_total")
	if slow["db_query_summary=SELECT items"] != 1 || slow["db_query_summary=INSERT items"] != 20 {
		t.Errorf("slow queries with a 1ns threshold: %v", slow)
	}
	b := newSQLiteApp(t, sqlmon.DBOptions{})
	if slow := counterValues(t, b.reg, "perfwatch_db_slow_queries_total"); len(slow) != 0 {
		for k, v := range slow {
			if v != 0 {
				t.Errorf("slow queries with the default threshold: %s %v", k, v)
			}
		}
	}
}

func TestQuerySummaryBound(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.DBOptions{MaxQuerySummaries: 3})
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

func TestDBOptionErrors(t *testing.T) {
	for _, opts := range []sqlmon.DBOptions{
		{NPlusOneMinQueries: -1}, {ExcessiveQueries: -5}, {SlowQueryThreshold: -time.Second}, {MaxRoutes: -1},
	} {
		if _, err := sqlmon.NewDBMonitor(prometheus.NewRegistry(), opts); err == nil {
			t.Errorf("%+v accepted", opts)
		}
	}
	if _, err := sqlmon.NewDBMonitor(nil, sqlmon.DBOptions{}); err == nil {
		t.Error("nil registerer accepted")
	}
	reg := prometheus.NewRegistry()
	newDBMonitor(t, reg, sqlmon.DBOptions{})
	if _, err := sqlmon.NewDBMonitor(reg, sqlmon.DBOptions{}); err == nil || !strings.Contains(err.Error(), "register") {
		t.Errorf("second monitor on one registry: %v", err)
	}
}

func TestRoutePatternsDropped(t *testing.T) {
	a := newSQLiteApp(t, sqlmon.DBOptions{})
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
