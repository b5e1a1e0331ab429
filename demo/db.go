package demo

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// OpenDB opens the demo's SQLite database at path (":memory:" for one that lives as
// long as the process) and prepares its schema and seed data.
func OpenDB(ctx context.Context, path string) (*sql.DB, *Store, error) {
	dsn, conns := path, 4
	if path == ":memory:" {
		conns = 1 // every connection to :memory: would be a database of its own
	} else {
		dsn = "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	st, err := NewStore(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("database %s: %w", path, err)
	}
	return db, st, nil
}
