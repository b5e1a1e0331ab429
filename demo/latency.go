package demo

import (
	"context"
	"database/sql/driver"
	"sync/atomic"
	"time"
)

// latencyConnector adds a fixed delay to every statement, standing in for the network
// round trip to a database server. An embedded SQLite answers in microseconds, so
// without it an N+1 pattern would cost nothing measurable; with a few milliseconds per
// round trip it costs what it costs in production.
type latencyConnector struct {
	driver.Connector
	delay time.Duration
	on    *atomic.Bool // off while the database is seeded
}

func (c latencyConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &latencyConn{conn: conn, delay: c.delay, on: c.on}, nil
}

// dsnConnector opens connections of a driver that has no connector of its own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// latencyConn delays the statements of an underlying connection that supports the
// context-aware driver interfaces (as modernc.org/sqlite does).
type latencyConn struct {
	conn  driver.Conn
	delay time.Duration
	on    *atomic.Bool
}

func (c *latencyConn) wait(ctx context.Context) error {
	if !c.on.Load() {
		return nil
	}
	return sleep(ctx, c.delay)
}

func (c *latencyConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *latencyConn) Close() error                              { return c.conn.Close() }
func (c *latencyConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *latencyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	return c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *latencyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	return c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *latencyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	return c.conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

// ResetSession keeps the underlying driver's session handling.
func (c *latencyConn) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}
