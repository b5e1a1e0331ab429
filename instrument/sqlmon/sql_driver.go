package sqlmon

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/perfwatch/perfwatch/instrument/internal/register"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// OpenDB opens a *sql.DB on connector c with every operation measured, as sql.OpenDB
// does, and registers the connection pool's metrics (client_golang's
// collectors.NewDBStatsCollector, go_sql_*{db_name=name}). system is the
// db_system_name (SystemPostgreSQL, SystemSQLite, …); name tells pools apart.
func (d *DBMonitor) OpenDB(name, system string, c driver.Connector) (*sql.DB, error) {
	db := sql.OpenDB(d.WrapConnector(system, c))
	if err := register.All(d.reg, collectors.NewDBStatsCollector(db, name)); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlmon: pool metrics of database %q: %w", name, err)
	}
	return db, nil
}

// Open is OpenDB for a driver registered with database/sql under driverName, with a
// data source name as sql.Open takes it.
func (d *DBMonitor) Open(name, system, driverName, dsn string) (*sql.DB, error) {
	raw, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlmon: open database %q: %w", name, err)
	}
	drv := raw.Driver()
	if err := raw.Close(); err != nil {
		return nil, fmt.Errorf("sqlmon: open database %q: %w", name, err)
	}
	var c driver.Connector
	if dc, ok := drv.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, fmt.Errorf("sqlmon: open database %q: %w", name, err)
		}
	} else {
		c = dsnConnector{dsn: dsn, drv: drv}
	}
	return d.OpenDB(name, system, c)
}

// dsnConnector is database/sql's connector for drivers without DriverContext.
type dsnConnector struct {
	dsn string
	drv driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// WrapDriver returns drv with every operation measured, for sql.Register. The wrapped
// driver implements driver.DriverContext exactly when drv does.
func (d *DBMonitor) WrapDriver(system string, drv driver.Driver) driver.Driver {
	w := &wrappedDriver{drv: drv, sys: d.system(system)}
	if _, ok := drv.(driver.DriverContext); ok {
		return wrappedDriverContext{w}
	}
	return w
}

// WrapConnector returns c with every operation measured, for sql.OpenDB. The wrapped
// connector implements io.Closer exactly when c does, so that sql.DB.Close closes it.
func (d *DBMonitor) WrapConnector(system string, c driver.Connector) driver.Connector {
	sys := d.system(system)
	return wrapConnector(c, sys, &wrappedDriver{drv: c.Driver(), sys: sys})
}

func wrapConnector(c driver.Connector, sys *dbSystem, drv driver.Driver) driver.Connector {
	w := &wrappedConnector{c: c, sys: sys, drv: drv}
	if _, ok := c.(io.Closer); ok {
		return closingConnector{w}
	}
	return w
}

type wrappedDriver struct {
	drv driver.Driver
	sys *dbSystem
}

func (d *wrappedDriver) Open(name string) (driver.Conn, error) {
	c, err := d.drv.Open(name)
	if err != nil {
		return nil, err
	}
	return newConn(c, d.sys), nil
}

type wrappedDriverContext struct{ *wrappedDriver }

func (d wrappedDriverContext) OpenConnector(name string) (driver.Connector, error) {
	c, err := d.drv.(driver.DriverContext).OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return wrapConnector(c, d.sys, d), nil
}

type wrappedConnector struct {
	c   driver.Connector
	sys *dbSystem
	drv driver.Driver
}

func (c *wrappedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newConn(dc, c.sys), nil
}

func (c *wrappedConnector) Driver() driver.Driver { return c.drv }

type closingConnector struct{ *wrappedConnector }

func (c closingConnector) Close() error { return c.c.(io.Closer).Close() }
