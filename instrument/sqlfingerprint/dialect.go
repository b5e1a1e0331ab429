package sqlfingerprint

// A Dialect is the set of lexical rules a database system applies to SQL text: which
// quotes delimit strings and which identifiers, and whether a backslash escapes. A
// fingerprint that lexes a statement by the wrong rules can mistake a literal for SQL
// and keep it, so the monitor lexes each statement by its own system's rules.
type Dialect uint8

// The dialects Fingerprint knows. ANSI is the SQL standard's rules, which SQLite,
// PostgreSQL (with standard_conforming_strings on, its default since 9.1), SQL Server
// and Oracle follow for strings.
const (
	ANSI Dialect = iota
	PostgreSQL
	SQLite
	MySQL
	SQLServer
)

// ForSystem returns the dialect of a database system named as OpenTelemetry's
// db.system.name does ("postgresql", "sqlite", "mysql", "mariadb",
// "microsoft.sql_server"); any other name gets ANSI.
func ForSystem(system string) Dialect {
	switch system {
	case "postgresql", "cockroachdb":
		return PostgreSQL
	case "sqlite":
		return SQLite
	case "mysql", "mariadb", "tidb":
		return MySQL
	case "microsoft.sql_server", "mssql":
		return SQLServer
	}
	return ANSI
}

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case PostgreSQL:
		return "postgresql"
	case SQLite:
		return "sqlite"
	case MySQL:
		return "mysql"
	case SQLServer:
		return "sqlserver"
	}
	return "ansi"
}
