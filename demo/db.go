package demo

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"

	"github.com/perfwatch/perfwatch/instrument/sqlmon"
)

// DBConfig says where the demo's database lives and how it is reached.
type DBConfig struct {
	// Path is the SQLite file; ":memory:" keeps the database in the process.
	Path string
	// Latency is added to every statement as a network round trip would be.
	Latency time.Duration
	// Monitor, when set, measures every statement (and the pool) as "vault".
	Monitor *sqlmon.DBMonitor
}

// OpenDB opens the demo's SQLite database and prepares its schema and seed data.
func OpenDB(ctx context.Context, cfg DBConfig) (*sql.DB, *Store, error) {
	dsn, conns := cfg.Path, 4
	if cfg.Path == ":memory:" {
		conns = 1 // every connection to :memory: would be a database of its own
	} else {
		dsn = "file:" + cfg.Path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	}
	var c driver.Connector = dsnConnector{drv: &sqlite.Driver{}, dsn: dsn}
	latency := new(atomic.Bool)
	if cfg.Latency > 0 {
		c = latencyConnector{Connector: c, delay: cfg.Latency, on: latency}
	}
	var db *sql.DB
	if cfg.Monitor != nil {
		var err error
		if db, err = cfg.Monitor.OpenDB("vault", sqlmon.SystemSQLite, c); err != nil {
			return nil, nil, fmt.Errorf("open database %s: %w", cfg.Path, err)
		}
	} else {
		db = sql.OpenDB(c)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	st, err := NewStore(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("database %s: %w", cfg.Path, err)
	}
	latency.Store(true)
	return db, st, nil
}
