package instrumenttest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// TestConnReuse checks what a wrapped connection keeps between queries: the rows
// wrapper it reuses must not be shared by rows open at the same time, and the query
// strings it remembers must each keep their own summary, however many there are.
func TestConnReuse(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newDBMonitor(t, reg, sqlmon.WithLogger(slog.New(slog.DiscardHandler)))
	db, err := m.Open("reuse", sqlmon.SystemSQLite, "sqlite", "file:reuse?mode=memory&cache=private")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const tables = 20 // more than a connection remembers
	for i := range tables {
		if _, err := c.ExecContext(ctx, fmt.Sprintf("CREATE TABLE t%d (id INTEGER)", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, fmt.Sprintf("INSERT INTO t%d VALUES (%d)", i, i)); err != nil {
			t.Fatal(err)
		}
	}

	// Two result sets open at once on one connection, closed in the opposite order.
	first, err := c.QueryContext(ctx, "SELECT id FROM t1")
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.QueryContext(ctx, "SELECT id FROM t2")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		rows *sql.Rows
		want int
	}{{second, 2}, {first, 1}} {
		var id int
		if !r.rows.Next() {
			t.Fatalf("no row: %v", r.rows.Err())
		}
		if err := r.rows.Scan(&id); err != nil || id != r.want {
			t.Fatalf("got %d, %v; want %d", id, err, r.want)
		}
		if err := r.rows.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// Every table queried twice, in an order that makes the remembered strings change.
	for round := range 2 {
		for i := range tables {
			var id int
			if err := c.QueryRowContext(ctx, fmt.Sprintf("SELECT id FROM t%d", i)).Scan(&id); err != nil || id != i {
				t.Fatalf("round %d, t%d: got %d, %v", round, i, id, err)
			}
		}
	}

	got := map[string]uint64{}
	for _, mt := range families(t, reg)["db_client_operation_duration_seconds"].GetMetric() {
		got[labelsOf(mt)] += mt.GetHistogram().GetSampleCount()
	}
	for i := range tables {
		want := uint64(2)
		if i == 1 || i == 2 {
			want = 3
		}
		key := fmt.Sprintf("db_operation_name=SELECT,db_query_summary=SELECT t%d,db_system_name=sqlite", i)
		if got[key] != want {
			t.Errorf("%s: %d operations recorded, want %d", key, got[key], want)
		}
	}
}
