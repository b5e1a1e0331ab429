package sqlfingerprint

// A Dialect is the set of lexical rules a database system applies to SQL text: which
// quotes delimit strings and which identifiers, and whether a backslash escapes. A
// fingerprint that lexes a statement by the wrong rules can mistake a literal for SQL
// and keep it, so the monitor lexes each statement by its own system's rules.
//
// docs/sql-fingerprint.md gives each dialect's rules with references to its database's
// documentation.
type Dialect uint8

// The dialects Fingerprint knows. ANSI is the SQL standard's rules, for systems that
// are none of the others; where the standard's reading and a common other one part (a
// backslash before a quote, a nested comment), it keeps nothing after that point.
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

// How a dialect reads "…".
const (
	dqIdentifier   = iota // always an identifier (PostgreSQL)
	dqString              // always a string, with the dialect's escapes (MySQL without ANSI_QUOTES)
	dqMaybeLiteral        // an identifier that may be taken as a string (SQLite's double-quoted string literals, SQL Server with QUOTED_IDENTIFIER OFF, unknown systems): kept only where a string cannot go
)

// What '#' starts, outside strings and comments.
const (
	hashOperator = iota // an operator (PostgreSQL's #, #>, #-); not valid SQL in the standard
	hashComment         // a comment to the end of the line (MySQL)
	hashVariable        // a parameter, #name (SQLite)
	hashWord            // a temporary table's name, #t or ##t (SQL Server)
)

// How a dialect compares table names, which the summary folds accordingly (see
// tableName).
const (
	foldUnquoted = iota // unquoted names to lower case, quoted ones as written (PostgreSQL; the standard, which folds to upper case)
	foldAll             // every name to lower case, quoted or not: compared without case (SQLite, SQL Server's default collations)
	foldNone            // as written: compared with case (MySQL and MariaDB with lower_case_table_names=0, the default on Linux)
)

// rules are a dialect's lexical rules, as the fingerprinter applies them.
type rules struct {
	class, props [256]uint8 // byte classes and properties

	backslash       bool // every '…' (and "…" string) takes backslash escapes (MySQL)
	escapeStrings   bool // E'…' takes backslash escapes (PostgreSQL)
	unicodeStrings  bool // U&'…' is one string (PostgreSQL, the standard)
	ambiguousEscape bool // a quote after an odd run of backslashes ends the reading (unknown systems)
	dq              uint8
	backticks       bool // `…` quotes identifiers; elsewhere it is no valid SQL, and read so all the same
	brackets        bool // […] quotes identifiers (SQLite, SQL Server)
	bracketDoubled  bool // "]]" stands for ']' inside them (SQL Server)
	nestedComments  bool // /* /* */ */ nests (PostgreSQL, SQL Server, the standard)
	ambiguousNest   bool // a nested "/*" ends the reading (unknown systems)
	crEndsLine      bool // '\r' ends a -- comment (PostgreSQL)
	ambiguousCR     bool // a lone '\r' in a -- comment ends the reading (unknown systems)
	dashNeedsSpace  bool // "--" starts a comment only before a space, a control character or the end (MySQL)
	execComments    bool // /*! … */ and /*M! … */ hold SQL (MySQL, MariaDB)
	hash            uint8
	dollarQuotes    bool // $$…$$ and $tag$…$tag$ are strings (PostgreSQL, and read so for unknown systems)
	dollarWords     bool // $name is a word, $12.50 money (SQL Server)
	sqliteVariables bool // $name, @name, :name and #name as SQLite's tokenizer reads them
	systemVariables bool // @@name is a word (MySQL, SQL Server)
	jsonbOperators  bool // ?| and ?& are operators (PostgreSQL)
	top             bool // UPDATE TOP (n) t, DELETE TOP (n) FROM t: TOP (n) is no table (SQL Server)
	fold            uint8

	// The rules with backslashes read the other way, for a statement that reads as
	// written for them (MySQL's NO_BACKSLASH_ESCAPES, PostgreSQL's
	// standard_conforming_strings off): see shape.
	otherEscapes *rules
}

// dialectRules are the rules of each Dialect.
var dialectRules = func() (all [SQLServer + 1]rules) {
	all[ANSI] = rules{
		unicodeStrings: true, ambiguousEscape: true, dq: dqMaybeLiteral, backticks: true,
		nestedComments: true, ambiguousNest: true, ambiguousCR: true, hash: hashOperator,
		dollarQuotes: true,
	}
	all[PostgreSQL] = rules{
		escapeStrings: true, unicodeStrings: true, dq: dqIdentifier, backticks: true,
		nestedComments: true, crEndsLine: true, hash: hashOperator, dollarQuotes: true,
		jsonbOperators: true,
	}
	all[SQLite] = rules{
		dq: dqMaybeLiteral, backticks: true, brackets: true, hash: hashVariable,
		sqliteVariables: true, fold: foldAll,
	}
	all[MySQL] = rules{
		backslash: true, dq: dqString, backticks: true, dashNeedsSpace: true,
		execComments: true, hash: hashComment, systemVariables: true, fold: foldNone,
	}
	all[SQLServer] = rules{
		dq: dqMaybeLiteral, backticks: true, brackets: true, bracketDoubled: true,
		nestedComments: true, ambiguousCR: true, hash: hashWord, dollarWords: true,
		systemVariables: true, top: true, fold: foldAll,
	}
	for d := range all {
		all[d].class, all[d].props = baseTables()
		if all[d].brackets {
			all[d].class['['] = cBracketIdent
		}
	}
	// SQL Server's identifiers go on with '@', '#' and '$' after their first character.
	all[SQLServer].props['@'] |= bWordChar
	all[SQLServer].props['#'] |= bWordChar
	noBackslash, pgEscapes := all[MySQL], all[PostgreSQL]
	noBackslash.backslash = false
	pgEscapes.backslash = true
	all[MySQL].otherEscapes, all[PostgreSQL].otherEscapes = &noBackslash, &pgEscapes
	return all
}()

// rulesOf returns d's rules; an unknown Dialect gets ANSI's.
func rulesOf(d Dialect) *rules {
	if int(d) < len(dialectRules) {
		return &dialectRules[d]
	}
	return &dialectRules[ANSI]
}
