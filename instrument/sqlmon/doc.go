// Package sqlmon measures the database/sql operations of an application and analyses
// them per HTTP request.
//
// A DBMonitor wraps a driver, a connector or a whole *sql.DB (OpenDB, Open,
// WrapConnector, WrapDriver) and times every operation until the driver answers, as
// OpenTelemetry's db.client.operation.duration, labelled by a summary of the statement
// that no literal value reaches (package sqlfingerprint). As a Hook of the HTTP
// middleware (instrument.WithHook) it counts each request's queries, transactions and
// database time by route, flags N+1 patterns and excessive query counts, and writes
// rate-limited warnings that name the statements' fingerprints, never their values.
// Options (With...) change thresholds and bounds; a value given is used as given, zero
// included. docs/metrics.md lists the metrics, docs/database.md the defaults and the
// measurements they come from.
package sqlmon
