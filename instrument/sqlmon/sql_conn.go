package sqlmon

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"time"
)

// The wrappers below always implement the optional driver interfaces that have a
// fallback in database/sql, and fall back exactly as database/sql would when the
// wrapped value lacks them (ctxutil.go, sql.go): an ExecerContext that returns
// driver.ErrSkip is what database/sql does without one, and so on. Where database/sql
// has no fallback (a Stmt's ColumnConverter, a Driver's DriverContext, a Connector's
// io.Closer) there are two wrapper types, and the one with the interface is used only
// when the wrapped value has it.
var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)

	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
	//lint:ignore SA1019 drivers that still have it get it through the wrapper
	_ driver.ColumnConverter = stmtColumnConverter{}

	_ driver.RowsNextResultSet              = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeLength           = (*rows)(nil)
	_ driver.RowsColumnTypeNullable         = (*rows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*rows)(nil)
)

// conn measures the operations of one driver connection. database/sql never uses a
// connection from two goroutines at once, so what conn keeps for its queries needs no
// lock.
type conn struct {
	c   driver.Conn
	sys *dbSystem

	// The optional interfaces of c, resolved once rather than on every call.
	execCtx   driver.ExecerContext
	exec      driver.Execer //lint:ignore SA1019 database/sql still uses it
	queryCtx  driver.QueryerContext
	query     driver.Queryer //lint:ignore SA1019 database/sql still uses it
	checker   driver.NamedValueChecker
	resetter  driver.SessionResetter
	validator driver.Validator

	// recent are the connection's last query strings and what they cost to record, so
	// that a query repeated on the connection needs neither the shared cache's lock nor
	// a hash of the string.
	recent [recentQueries]recentQuery
	// spare is the rows wrapper of the connection's queries (WithRowsIterationTime),
	// reused once closed; a query run while another's rows are open gets one of its own.
	spare      rows
	spareInUse bool

	// openTx is the connection's transaction from BeginTx until its Commit or Rollback.
	// database/sql runs every statement of a Tx on the Tx's connection, and those
	// without a context (tx.Exec, tx.QueryRow, a tx.Prepare'd statement's Exec) with
	// context.Background(): they count in the request of the BeginTx context.
	openTx *tx
}

// recentQueries is how many query strings a connection remembers (a power of two), and
// recentMaxQuery the longest it remembers: a connection retains at most 8 KiB of query
// text beyond the shared cache's bound.
const (
	recentQueries  = 8
	recentMaxQuery = 1 << 10
)

type recentQuery struct {
	query string
	info  *queryInfo
}

func newConn(c driver.Conn, sys *dbSystem) *conn {
	w := &conn{c: c, sys: sys}
	w.execCtx, _ = c.(driver.ExecerContext)
	w.exec, _ = c.(driver.Execer) //lint:ignore SA1019 database/sql still uses it
	w.queryCtx, _ = c.(driver.QueryerContext)
	w.query, _ = c.(driver.Queryer) //lint:ignore SA1019 database/sql still uses it
	w.checker, _ = c.(driver.NamedValueChecker)
	w.resetter, _ = c.(driver.SessionResetter)
	w.validator, _ = c.(driver.Validator)
	return w
}

// requestOf returns the statistics of the request an operation on the connection
// belongs to: the one of its own context, or else the one its open transaction was
// begun in, or nil.
func (c *conn) requestOf(ctx context.Context) *dbRequest {
	if r := c.sys.requestOf(ctx); r != nil {
		return r
	}
	return c.txRequest()
}

// txRequest returns the statistics of the request the connection's open transaction
// was begun in, or nil.
func (c *conn) txRequest() *dbRequest {
	if c.openTx == nil {
		return nil
	}
	return c.openTx.req
}

// info returns what query costs to record, from the connection's recent queries or
// the system's cache. Comparing a string with itself is cheap: Go compares the
// pointers first, and applications pass the same string constants again and again.
func (c *conn) info(query string) *queryInfo {
	if len(query) > recentMaxQuery || len(query) > c.sys.queries.maxQuery {
		return c.sys.queries.get(query)
	}
	e := &c.recent[shardOf(query)&(recentQueries-1)]
	if e.info == nil || e.query != query {
		e.query, e.info = query, c.sys.queries.get(query)
	}
	return e.info
}

// answered records a query whose driver has answered with rs and returns the rows to
// hand to database/sql: the driver's own, or, to time their iteration, a wrapper (the
// connection's spare one when it is free).
func (c *conn) answered(rs driver.Rows, q *queryInfo, r *dbRequest, start time.Duration) driver.Rows {
	end := c.sys.record(q, r, start)
	if q.iteration == nil {
		return rs
	}
	w := &c.spare
	if c.spareInUse {
		w = new(rows)
	} else {
		c.spareInUse = true
	}
	*w = rows{r: rs, sys: c.sys, info: q, start: end, conn: c}
	return w
}

// Unwrap returns the driver's own connection, for sql.Conn.Raw callers that need it:
// sqlConn.Raw(func(dc any) error { pc := dc.(interface{ Unwrap() driver.Conn }).Unwrap() … }).
func (c *conn) Unwrap() driver.Conn { return c.c }

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	s, err := c.c.Prepare(query)
	if err != nil {
		return nil, err
	}
	return c.wrapStmt(s, query), nil
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var s driver.Stmt
	var err error
	if p, ok := c.c.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, query)
	} else {
		// database/sql's ctxDriverPrepare
		s, err = c.c.Prepare(query)
		if err == nil {
			select {
			default:
			case <-ctx.Done():
				s.Close()
				return nil, ctx.Err()
			}
		}
	}
	if err != nil {
		c.sys.failed(ctx, c.info(query), err) // a statement the database rejected: a syntax error, say
		return nil, err
	}
	return c.wrapStmt(s, query), nil
}

func (c *conn) wrapStmt(s driver.Stmt, query string) driver.Stmt {
	w := &stmt{s: s, conn: c, info: c.info(query)}
	//lint:ignore SA1019 drivers that still have it get it through the wrapper
	if _, ok := s.(driver.ColumnConverter); ok {
		return stmtColumnConverter{w}
	}
	return w
}

func (c *conn) Close() error {
	c.openTx = nil
	return c.c.Close()
}

// Begin is the deprecated form that database/sql no longer calls, as conn has BeginTx.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	r := c.sys.requestOf(ctx)
	start := c.sys.now()
	t, err := c.beginTx(ctx, opts)
	c.sys.record(c.sys.begin, r, start)
	if err != nil {
		return nil, err
	}
	w := &tx{t: t, conn: c, req: r}
	c.openTx = w
	return w, nil
}

func (c *conn) beginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.c.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	// database/sql's ctxDriverBegin, with its error messages.
	if opts.Isolation != driver.IsolationLevel(0) {
		return nil, errors.New("sql: driver does not support non-default isolation level")
	}
	if opts.ReadOnly {
		return nil, errors.New("sql: driver does not support read-only transactions")
	}
	if ctx.Done() == nil {
		return c.c.Begin() //lint:ignore SA1019 the fallback database/sql itself uses
	}
	t, err := c.c.Begin() //lint:ignore SA1019 the fallback database/sql itself uses
	if err == nil {
		select {
		default:
		case <-ctx.Done():
			t.Rollback()
			return nil, ctx.Err()
		}
	}
	return t, err
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.execCtx == nil && c.exec == nil {
		return nil, driver.ErrSkip // database/sql prepares the statement instead
	}
	q, r := c.info(query), c.requestOf(ctx)
	start := c.sys.now()
	var res driver.Result
	var err error
	if c.execCtx != nil {
		res, err = c.execCtx.ExecContext(ctx, query, args)
	} else {
		// database/sql's ctxDriverExec
		var vals []driver.Value
		if vals, err = legacyArgs(ctx, args); err != nil {
			return nil, err
		}
		res, err = c.exec.Exec(query, vals)
	}
	if err == driver.ErrSkip {
		return res, err // not run: database/sql prepares it, and the statement is measured
	}
	c.sys.record(q, r, start)
	c.sys.failed(ctx, q, err)
	return res, err
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.queryCtx == nil && c.query == nil {
		return nil, driver.ErrSkip
	}
	q, r := c.info(query), c.requestOf(ctx)
	start := c.sys.now()
	var rs driver.Rows
	var err error
	if c.queryCtx != nil {
		rs, err = c.queryCtx.QueryContext(ctx, query, args)
	} else {
		// database/sql's ctxDriverQuery
		var vals []driver.Value
		if vals, err = legacyArgs(ctx, args); err != nil {
			return nil, err
		}
		rs, err = c.query.Query(query, vals)
	}
	if err == driver.ErrSkip {
		return rs, err
	}
	if err != nil {
		c.sys.record(q, r, start)
		c.sys.failed(ctx, q, err)
		return nil, err
	}
	return c.answered(rs, q, r, start), nil
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.c.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession forgets the request of a transaction that database/sql ended, as
// every Commit and Rollback already does, and resets the driver's session.
func (c *conn) ResetSession(ctx context.Context) error {
	c.openTx = nil
	if c.resetter != nil {
		return c.resetter.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if c.validator != nil {
		return c.validator.IsValid()
	}
	return true
}

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if c.checker != nil {
		return c.checker.CheckNamedValue(nv)
	}
	return driver.ErrSkip // database/sql goes on to the column converter or its default
}

// legacyArgs prepares a call of a method without context as database/sql does
// (ctxDriverExec and its siblings): named arguments are refused, and a context that has
// ended stops the call.
func legacyArgs(ctx context.Context, named []driver.NamedValue) ([]driver.Value, error) {
	vals, err := namedValueToValue(named)
	if err != nil {
		return nil, err
	}
	select {
	default:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return vals, nil
}

// namedValueToValue is database/sql's conversion for drivers without context methods.
func namedValueToValue(named []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(named))
	for i, nv := range named {
		if len(nv.Name) > 0 {
			return nil, errors.New("sql: driver does not support the use of Named Parameters")
		}
		vals[i] = nv.Value
	}
	return vals, nil
}

// stmt measures the executions of a prepared statement.
type stmt struct {
	s    driver.Stmt
	conn *conn
	info *queryInfo
}

// stmtColumnConverter is a stmt whose driver statement has a ColumnConverter.
type stmtColumnConverter struct{ *stmt }

func (s stmtColumnConverter) ColumnConverter(idx int) driver.ValueConverter {
	//lint:ignore SA1019 drivers that still have it get it through the wrapper
	return s.s.(driver.ColumnConverter).ColumnConverter(idx)
}

func (s *stmt) Close() error  { return s.s.Close() }
func (s *stmt) NumInput() int { return s.s.NumInput() }

// Exec is the deprecated form that database/sql no longer calls, as stmt has ExecContext.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	start := s.conn.sys.now()
	res, err := s.s.Exec(args) //lint:ignore SA1019 callers of the deprecated form get it
	s.conn.sys.record(s.info, s.conn.txRequest(), start)
	s.conn.sys.failed(context.Background(), s.info, err)
	return res, err
}

// Query is the deprecated form that database/sql no longer calls, as stmt has QueryContext.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	start := s.conn.sys.now()
	rs, err := s.s.Query(args) //lint:ignore SA1019 callers of the deprecated form get it
	r := s.conn.txRequest()
	if err != nil {
		s.conn.sys.record(s.info, r, start)
		s.conn.sys.failed(context.Background(), s.info, err)
		return nil, err
	}
	return s.conn.answered(rs, s.info, r, start), nil
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	r := s.conn.requestOf(ctx)
	start := s.conn.sys.now()
	var res driver.Result
	var err error
	if ec, ok := s.s.(driver.StmtExecContext); ok {
		res, err = ec.ExecContext(ctx, args)
	} else {
		// database/sql's ctxDriverStmtExec
		var vals []driver.Value
		if vals, err = legacyArgs(ctx, args); err != nil {
			return nil, err
		}
		res, err = s.s.Exec(vals) //lint:ignore SA1019 the fallback database/sql itself uses
	}
	s.conn.sys.record(s.info, r, start)
	s.conn.sys.failed(ctx, s.info, err)
	return res, err
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	r := s.conn.requestOf(ctx)
	start := s.conn.sys.now()
	var rs driver.Rows
	var err error
	if qc, ok := s.s.(driver.StmtQueryContext); ok {
		rs, err = qc.QueryContext(ctx, args)
	} else {
		// database/sql's ctxDriverStmtQuery
		var vals []driver.Value
		if vals, err = legacyArgs(ctx, args); err != nil {
			return nil, err
		}
		rs, err = s.s.Query(vals) //lint:ignore SA1019 the fallback database/sql itself uses
	}
	if err != nil {
		s.conn.sys.record(s.info, r, start)
		s.conn.sys.failed(ctx, s.info, err)
		return nil, err
	}
	return s.conn.answered(rs, s.info, r, start), nil
}

// CheckNamedValue asks the statement, then the connection, as database/sql does.
func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.s.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return s.conn.CheckNamedValue(nv)
}

// rows times the iteration of a query's result, from the driver's answer (the end of
// the operation) until the rows are closed: the reading of rows and whatever the
// application does between them. database/sql closes rows when Next reports the end,
// on Scan of a single row, and when the query's context is cancelled.
type rows struct {
	r      driver.Rows
	sys    *dbSystem
	conn   *conn // whose spare wrapper this may be
	info   *queryInfo
	start  time.Duration // the driver's answer, since the monitor's epoch
	closed bool
}

func (r *rows) Columns() []string              { return r.r.Columns() }
func (r *rows) Next(dest []driver.Value) error { return r.r.Next(dest) }

func (r *rows) Close() error {
	err := r.r.Close()
	if !r.closed {
		r.closed = true
		r.info.iteration.Observe((r.sys.now() - r.start).Seconds())
		if r == &r.conn.spare {
			// database/sql calls nothing on rows it has closed: the next query of
			// the connection may have the wrapper.
			r.conn.spareInUse = false
		}
	}
	return err
}

func (r *rows) HasNextResultSet() bool {
	if n, ok := r.r.(driver.RowsNextResultSet); ok {
		return n.HasNextResultSet()
	}
	return false
}

func (r *rows) NextResultSet() error {
	if n, ok := r.r.(driver.RowsNextResultSet); ok {
		return n.NextResultSet()
	}
	return io.EOF
}

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.r.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.r.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rows) ColumnTypeLength(i int) (int64, bool) {
	if c, ok := r.r.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *rows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if c, is := r.r.(driver.RowsColumnTypeNullable); is {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *rows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if c, is := r.r.(driver.RowsColumnTypePrecisionScale); is {
		return c.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

// tx measures COMMIT and ROLLBACK, and is its connection's open transaction until
// one of them.
type tx struct {
	t    driver.Tx
	conn *conn
	req  *dbRequest // of the BeginTx context; nil outside a request
}

func (t *tx) Commit() error {
	t.end()
	sys := t.conn.sys
	start := sys.now()
	err := t.t.Commit()
	sys.record(sys.commit, t.req, start)
	return err
}

// Rollback is also what database/sql calls when the BeginTx context ends first, before
// it returns the connection to the pool or closes it.
func (t *tx) Rollback() error {
	t.end()
	sys := t.conn.sys
	start := sys.now()
	err := t.t.Rollback()
	sys.record(sys.rollback, t.req, start)
	return err
}

// end makes t no longer its connection's open transaction: later statements on the
// connection without a request's context count outside any request.
func (t *tx) end() {
	if t.conn.openTx == t {
		t.conn.openTx = nil
	}
}
