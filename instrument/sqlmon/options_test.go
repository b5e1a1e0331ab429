package sqlmon_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opt  sqlmon.Option
		want string
	}{
		{sqlmon.WithNPlusOne(1, 0), "N+1 minimum of 1 queries"},
		{sqlmon.WithNPlusOne(-1, 0), "N+1 minimum of -1 queries"},
		{sqlmon.WithNPlusOne(5, -time.Millisecond), "N+1 minimum duration -1ms: must not be negative"},
		{sqlmon.WithSystemNPlusOne(sqlmon.SystemPostgreSQL, 5, -1), "postgresql: N+1 minimum duration"},
		{sqlmon.WithExcessiveQueries(-5), "excessive queries -5: must not be negative"},
		{sqlmon.WithSlowQueryThreshold(-time.Second), "slow query threshold -1s: must not be negative"},
		{sqlmon.WithMaxQuerySummaries(-1), "max query summaries -1"},
		{sqlmon.WithMaxRoutes(-1), "max routes -1"},
		{sqlmon.WithQueryCacheBytes(-1), "query cache bytes -1"},
		{sqlmon.WithWarningInterval(-time.Minute), "warning interval -1m0s"},
		{sqlmon.WithLogger(nil), "nil logger"},
	} {
		_, err := sqlmon.NewDBMonitor(prometheus.NewRegistry(), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "sqlmon: ") {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
	if _, err := sqlmon.NewDBMonitor(nil); err == nil {
		t.Error("nil registerer accepted")
	}
	// Zero is a value, not "the default".
	for _, opt := range []sqlmon.Option{
		sqlmon.WithNPlusOne(2, 0), sqlmon.WithExcessiveQueries(0), sqlmon.WithSlowQueryThreshold(0),
		sqlmon.WithMaxQuerySummaries(0), sqlmon.WithMaxRoutes(0), sqlmon.WithQueryCacheBytes(0), sqlmon.WithWarningInterval(0),
	} {
		if _, err := sqlmon.NewDBMonitor(prometheus.NewRegistry(), opt); err != nil {
			t.Errorf("a zero option refused: %v", err)
		}
	}
}

func TestDefaultNPlusOne(t *testing.T) {
	sqlite, pg, other := sqlmon.DefaultNPlusOne(sqlmon.SystemSQLite), sqlmon.DefaultNPlusOne(sqlmon.SystemPostgreSQL), sqlmon.DefaultNPlusOne("cockroachdb")
	if sqlite.MinDuration != 0 || sqlite.MinQueries != 5 {
		t.Errorf("SQLite: %+v, want 5 queries and no floor", sqlite)
	}
	if pg != other || pg.MinDuration != sqlmon.DefaultNetworkedNPlusOneMinDuration || pg.MinDuration <= sqlite.MinDuration {
		t.Errorf("networked: %+v and %+v, want the networked floor", pg, other)
	}
}

// TestDuplicateRegistrationNamesTheMetric: a second monitor on one registry fails with
// an error that names the clashing metric (client_golang's says only "duplicate
// metrics collector registration attempted").
func TestDuplicateRegistrationNamesTheMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := sqlmon.NewDBMonitor(reg); err != nil {
		t.Fatal(err)
	}
	_, err := sqlmon.NewDBMonitor(reg)
	if err == nil || !strings.Contains(err.Error(), "db_client_operation_duration_seconds") {
		t.Fatalf("error %v, want one naming db_client_operation_duration_seconds", err)
	}
}
