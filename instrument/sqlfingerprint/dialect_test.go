package sqlfingerprint

import (
	"strings"
	"testing"
)

// The expected shapes below are derived from each database's documented lexical rules,
// cited by section, not from this package's code; docs/sql-fingerprint.md lists the
// same rules.

// PostgreSQL: "4.1. Lexical Structure",
// https://www.postgresql.org/docs/current/sql-syntax-lexical.html
func TestPostgreSQL(t *testing.T) {
	pg := []Dialect{PostgreSQL}
	checkShapes(t, []shapeCase{
		// 4.1.2.1 String Constants: a quote inside is written as two; with
		// standard_conforming_strings on (the default since 9.1, "19.13.1. Previous
		// PostgreSQL Versions") a backslash is an ordinary character.
		{query: `SELECT 'it''s', 'a\' FROM t`, fingerprint: "SELECT ?, ? FROM t", operation: "SELECT", table: "t", dialects: pg},
		{query: `SELECT * FROM users WHERE name LIKE 'x\_%' ESCAPE '\' AND email = 'alice@example.com'`,
			fingerprint: "SELECT * FROM users WHERE name LIKE ? ESCAPE ? AND email = ?", operation: "SELECT", table: "users", dialects: pg},
		{query: `SELECT * FROM users WHERE name = 'trailing\' AND pw = 'hunter2 is my pass'`,
			fingerprint: "SELECT * FROM users WHERE name = ? AND pw = ?", operation: "SELECT", table: "users", dialects: pg},
		// With standard_conforming_strings off, "PostgreSQL recognizes backslash escapes
		// in both regular and escape string constants" (4.1.2.2): a statement that only
		// that reading closes is read so; one that both readings close, differently,
		// keeps nothing from the string where they part.
		{query: `SELECT * FROM t WHERE a = 'it\'s hunter two' AND b = 1`, fingerprint: "SELECT * FROM t WHERE a = ? AND b = ?",
			operation: "SELECT", table: "t", dialects: pg},
		{query: `SELECT 'p\'q', 'r\'s' FROM t`, fingerprint: "SELECT ?", operation: "SELECT", dialects: pg},
		// Two constants separated by whitespace with a newline are one.
		{query: "SELECT 'foo'\n'bar'", fingerprint: "SELECT ? ?", operation: "SELECT", dialects: pg},
		// 4.1.2.2 String Constants With C-Style Escapes: E'…' (or e'…'), where \' and ''
		// are quotes; "E" must be the whole token, so xE'…' is the identifier xE and a
		// standard string.
		{query: `SELECT E'it\'s a secret', e'\\', E'a''b' FROM t`, fingerprint: "SELECT ?, ?, ? FROM t", operation: "SELECT", table: "t", dialects: pg},
		{query: `SELECT xE'a\', 'b'`, fingerprint: "SELECT ?, ?", operation: "SELECT", dialects: pg},
		// 4.1.2.3 String Constants With Unicode Escapes; 4.1.2.5 Bit-String Constants;
		// national character strings N'…'.
		{query: `SELECT U&'d\0061t\+000061', B'1010', X'1F', N'x'`, fingerprint: "SELECT ?, ?, ?, ?", operation: "SELECT", dialects: pg},
		// 4.1.2.4 Dollar-Quoted String Constants: $$…$$ and $tag$…$tag$, inside which
		// nothing is special; a tag never starts with a digit, so $1 is a parameter
		// (4.1.4 Special Characters).
		{query: "SELECT $$it's a secret$$, $tag$a $$ b 'c$tag$, $1 FROM t", fingerprint: "SELECT ?, ?, ? FROM t", operation: "SELECT", table: "t", dialects: pg},
		{query: "SELECT $q$unterminated secret", fingerprint: "SELECT ?", operation: "SELECT", dialects: pg},
		// 4.1.1: '$' may follow the first character of an identifier.
		{query: "SELECT price$usd FROM t", fingerprint: "SELECT price$usd FROM t", operation: "SELECT", table: "t", dialects: pg},
		// 4.1.4: "::" casts.
		{query: "SELECT $1::int, x::text FROM t WHERE y = $2", fingerprint: "SELECT ? :: INT, x :: TEXT FROM t WHERE y = ?",
			operation: "SELECT", table: "t", dialects: pg},
		// 4.1.1 Identifiers: "…" is always an identifier, "" a quote inside it, and a
		// backslash an ordinary character.
		{query: `SELECT "User Name", "a""b" FROM "Items" WHERE "c\" = 'x'`, fingerprint: `SELECT "User Name", ? FROM "Items" WHERE ? = ?`,
			operation: "SELECT", table: "Items", dialects: pg},
		// 4.1.3 Operators: # and ? and @ are operator characters.
		{query: "select data #>> '{a,b}' from docs where data ? 'k' and data ?| array['a'] and x @> y",
			fingerprint: "SELECT data #>> ? FROM docs WHERE data ? ? AND data ?| ARRAY[?] AND x @> y", operation: "SELECT", table: "docs", dialects: pg},
		// 4.1.5 Comments: block comments nest, "as specified in the SQL standard but
		// unlike C"; a -- comment ends at a newline, which the scanner (scan.l:
		// newline [\n\r]) takes to be \n or \r.
		{query: "SELECT 1 /* a /* b */ 'still a comment' */ FROM t", fingerprint: "SELECT ? FROM t", operation: "SELECT", table: "t", dialects: pg},
		{query: "SELECT a -- c\r, b FROM t", fingerprint: "SELECT a, b FROM t", operation: "SELECT", table: "t", dialects: pg},
	})
}

// SQLite: "SQL Language Expressions" (https://www.sqlite.org/lang_expr.html), "SQLite
// Keywords" (https://www.sqlite.org/lang_keywords.html), "SQL Comment Syntax"
// (https://www.sqlite.org/lang_comment.html), "Quirks" (https://www.sqlite.org/quirks.html).
func TestSQLite(t *testing.T) {
	lite := []Dialect{SQLite}
	checkShapes(t, []shapeCase{
		// lang_expr, Literal Values: '' is a quote inside a string; "C-style escapes
		// using the backslash character are not supported because they are not
		// standard SQL".
		{query: `SELECT * FROM users WHERE name LIKE 'x\_%' ESCAPE '\' AND email = 'alice@example.com'`,
			fingerprint: "SELECT * FROM users WHERE name LIKE ? ESCAPE ? AND email = ?", operation: "SELECT", table: "users", dialects: lite},
		{query: `SELECT * FROM users WHERE name = 'trailing\' AND pw = 'hunter2 is my pass'`,
			fingerprint: "SELECT * FROM users WHERE name = ? AND pw = ?", operation: "SELECT", table: "users", dialects: lite},
		{query: `SELECT E'a\', 'b'`, fingerprint: "SELECT ?, ?", operation: "SELECT", dialects: lite},
		// BLOB literals: X'…'.
		{query: "SELECT X'0A1B', x'ff'", fingerprint: "SELECT ?, ?", operation: "SELECT", dialects: lite},
		// lang_keywords: "…", […] and `…` are identifiers; but "if a keyword in double
		// quotes is used in a context where it cannot be resolved to an identifier but
		// where a string literal is allowed, then the token is understood to be a string
		// literal" (quirks, 8: double-quoted string literals are accepted). So "…" is
		// kept only where no string can stand: after FROM, JOIN, INTO, UPDATE, TABLE and
		// around the dot of a qualified name.
		{query: `SELECT * FROM users WHERE name = "hunter two is my pass"`, fingerprint: "SELECT * FROM users WHERE name = ?",
			operation: "SELECT", table: "users", dialects: lite},
		{query: `SELECT "app_item"."id", "name" FROM "app_item" WHERE "app_item"."owner_id" = ?`,
			fingerprint: `SELECT "app_item"."id", ? FROM "app_item" WHERE "app_item"."owner_id" = ?`, operation: "SELECT", table: "app_item", dialects: lite},
		{query: "SELECT [order], `group` FROM [items] JOIN \"tags\" ON 1", fingerprint: "SELECT [order], `group` FROM [items] JOIN \"tags\" ON ?",
			operation: "SELECT", table: "items", dialects: lite},
		// Parameters: ?, ?NNN, :AAAA, @AAAA, $AAAA, where $AAAA "can include one or more
		// occurrences of "::" and a suffix enclosed in "(...)"" (and, in the
		// tokenizer, #AAAA).
		{query: "SELECT ?, ?7, :name, @name, $name, $a::b(c), #v FROM t", fingerprint: "SELECT ?, ?, ?, ?, ?, ?, ? FROM t",
			operation: "SELECT", table: "t", dialects: lite},
		// lang_comment: /* runs "up to and including the next */" (no nesting); --
		// "extend[s] up to and including the next newline character (ASCII 0x0a)".
		{query: "SELECT 1 /* a /* b */, 'x' FROM t", fingerprint: "SELECT ?, ? FROM t", operation: "SELECT", table: "t", dialects: lite},
		{query: "SELECT a -- c\r, 'x'\nFROM t", fingerprint: "SELECT a FROM t", operation: "SELECT", table: "t", dialects: lite},
		// $ starts a parameter, never a dollar-quoted string.
		{query: "SELECT $a$, 'x $a$ y' FROM t", fingerprint: "SELECT ?, ? FROM t", operation: "SELECT", table: "t", dialects: lite},
	})
}

// MySQL 8.4 Reference Manual: "11.1.1 String Literals"
// (https://dev.mysql.com/doc/refman/8.4/en/string-literals.html), "11.2 Schema Object
// Names" (identifiers.html), "11.7 Comments" (comments.html); MariaDB's "Comment
// Syntax" (https://mariadb.com/kb/en/comment-syntax/).
func TestMySQL(t *testing.T) {
	my := []Dialect{MySQL}
	checkShapes(t, []shapeCase{
		// 11.1.1: strings are quoted with ' or " (without ANSI_QUOTES); \' \" \\ and the
		// other escape sequences of Table 11.1, and '' inside '…', "" inside "…".
		{query: `SELECT 'it\'s', 'a''b', "say \"hi\"", "a""b", '\\' FROM t`, fingerprint: "SELECT ?, ?, ?, ?, ? FROM t",
			operation: "SELECT", table: "t", dialects: my},
		{query: `INSERT INTO users (name) VALUES ("Alice Jones", "x")`, fingerprint: "INSERT INTO users(name) VALUES (?, ?)",
			operation: "INSERT", table: "users", dialects: my},
		{query: `SELECT * FROM users WHERE name LIKE 'x\\_%' ESCAPE '\\' AND email = "alice@example.com"`,
			fingerprint: "SELECT * FROM users WHERE name LIKE ? ESCAPE ? AND email = ?", operation: "SELECT", table: "users", dialects: my},
		// With NO_BACKSLASH_ESCAPES a backslash is ordinary: the statements,
		// which read with escapes would leave a string open, are read so.
		{query: `SELECT * FROM users WHERE name LIKE 'x\_%' ESCAPE '\' AND email = 'alice@example.com'`,
			fingerprint: "SELECT * FROM users WHERE name LIKE ? ESCAPE ? AND email = ?", operation: "SELECT", table: "users", dialects: my},
		{query: `SELECT * FROM users WHERE name = 'trailing\' AND pw = 'hunter2 is my pass'`,
			fingerprint: "SELECT * FROM users WHERE name = ? AND pw = ?", operation: "SELECT", table: "users", dialects: my},
		// A statement both readings close, differently, keeps nothing from the string
		// where they part; one that only the default reading closes is read so.
		{query: `SELECT 'O\'Brien\'s', 1 FROM t`, fingerprint: "SELECT ?", operation: "SELECT", dialects: my},
		{query: `SELECT 'it\'s' FROM t`, fingerprint: "SELECT ? FROM t", operation: "SELECT", table: "t", dialects: my},
		// [_charset_name]'string', N'literal', X'…', b'…', 0x….
		{query: "SELECT _utf8mb4'x', N'x', X'1F', b'01', 0x1F", fingerprint: "SELECT ?, ?, ?, ?, ?", operation: "SELECT", dialects: my},
		// 11.2: `…` quotes identifiers, `` a backtick inside; a name may start with '$'
		// (taken as a value: never kept) and there is no dollar quoting.
		{query: "SELECT `a``b`, `c` FROM `db`.`t`", fingerprint: "SELECT ?, `c` FROM `db`.`t`", operation: "SELECT", table: "db.t", dialects: my},
		{query: "SELECT $a$, 'x $a$ y' FROM t", fingerprint: "SELECT ?, ? FROM t", operation: "SELECT", table: "t", dialects: my},
		// 11.7: "From a # character to the end of the line"; "--" needs "at least one
		// whitespace or control character" after it, so 1--1 is 1 - -1; /* … */ does not
		// nest ("Nested comments are not supported").
		{query: "SELECT a FROM t # it's a comment\nWHERE b = 1", fingerprint: "SELECT a FROM t WHERE b = ?", operation: "SELECT", table: "t", dialects: my},
		{query: "SELECT 1--1, 'x'", fingerprint: "SELECT ? - ?, ?", operation: "SELECT", dialects: my},
		{query: "SELECT 1 -- it's\n, 2 --\t'x'\n, 3 --", fingerprint: "SELECT ?, ?, ?", operation: "SELECT", dialects: my},
		{query: "SELECT 1 /* a /* b */, 'x'", fingerprint: "SELECT ?, ?", operation: "SELECT", dialects: my},
		// 11.7: /*! … */ and /*!NNNNN … */ hold SQL that MySQL runs (MariaDB: /*M! … */
		// too), so it is fingerprinted; /*+ … */ optimizer hints are comments here. A
		// token inside that runs past the "*/" is read differently by a server that
		// skips the comment, so nothing is kept from there on.
		{query: "SELECT /*!40001 SQL_NO_CACHE */ * FROM t", fingerprint: "SELECT SQL_NO_CACHE * FROM t", operation: "SELECT", table: "t", dialects: my},
		{query: "SELECT /*M!100100 STRAIGHT_JOIN */ a FROM t", fingerprint: "SELECT STRAIGHT_JOIN a FROM t", operation: "SELECT", table: "t", dialects: my},
		{query: "SELECT /*+ BKA(t1) */ * FROM t1", fingerprint: "SELECT * FROM t1", operation: "SELECT", table: "t1", dialects: my},
		{query: "SELECT /*!50000 'a */ secret' */ 1", fingerprint: "SELECT ?", operation: "SELECT", dialects: my},
		// User and system variables.
		{query: "SELECT @@session.sql_mode, @x", fingerprint: "SELECT @@session.sql_mode, ?", operation: "SELECT", dialects: my},
		// Double quotes are strings, so no name is kept from them.
		{query: `SELECT "app_item"."id" FROM "app_item"`, fingerprint: "SELECT ?.? FROM ?", operation: "SELECT", dialects: my},
	})
}

// SQL Server: "Database identifiers"
// (https://learn.microsoft.com/en-us/sql/relational-databases/databases/database-identifiers),
// "Constants (Transact-SQL)" (…/t-sql/data-types/constants-transact-sql), "SET
// QUOTED_IDENTIFIER" (…/t-sql/statements/set-quoted-identifier-transact-sql), "Slash Star
// (Block Comment)" (…/t-sql/language-elements/slash-star-comment-transact-sql), "TOP"
// (…/t-sql/queries/top-transact-sql), QUOTENAME (…/t-sql/functions/quotename-transact-sql).
func TestSQLServer(t *testing.T) {
	ms := []Dialect{SQLServer}
	checkShapes(t, []shapeCase{
		// Constants: '…' with '' for a quote, N'…'; a backslash only continues a line.
		{query: `SELECT * FROM users WHERE name LIKE 'x\_%' ESCAPE '\' AND email = 'alice@example.com'`,
			fingerprint: "SELECT * FROM users WHERE name LIKE ? ESCAPE ? AND email = ?", operation: "SELECT", table: "users", dialects: ms},
		{query: `SELECT * FROM users WHERE name = 'trailing\' AND pw = N'hunter2 is my pass'`,
			fingerprint: "SELECT * FROM users WHERE name = ? AND pw = ?", operation: "SELECT", table: "users", dialects: ms},
		// Constants: money ($12.50) and binary (0x1F).
		{query: "SELECT $12.50, 0x1F", fingerprint: "SELECT ?, ?", operation: "SELECT", dialects: ms},
		// TOP: "Parentheses that delimit expression in TOP are required in INSERT,
		// UPDATE, and DELETE statements"; TOP (n) [PERCENT] is no table.
		{query: "UPDATE TOP (10) orders SET status = N'shipped' WHERE id = @p1", fingerprint: "UPDATE TOP (?) orders SET status = ? WHERE id = ?",
			operation: "UPDATE", table: "orders", dialects: ms},
		{query: "update top (10) percent dbo.orders set x = 1", fingerprint: "UPDATE TOP (?) PERCENT dbo.orders SET x = ?",
			operation: "UPDATE", table: "dbo.orders", dialects: ms},
		{query: "DELETE TOP (5) FROM orders WHERE x = 'y'", fingerprint: "DELETE TOP (?) FROM orders WHERE x = ?", operation: "DELETE", table: "orders", dialects: ms},
		{query: "INSERT TOP (5) INTO t SELECT * FROM s", fingerprint: "INSERT TOP (?) INTO t SELECT * FROM s", operation: "INSERT", table: "t", dialects: ms},
		{query: "MERGE TOP (10) INTO t USING s ON t.id = s.id", fingerprint: "MERGE TOP (?) INTO t USING s ON t.id = s.id", operation: "MERGE", table: "t", dialects: ms},
		{query: "SELECT TOP 10 * FROM orders", fingerprint: "SELECT TOP ? * FROM orders", operation: "SELECT", table: "orders", dialects: ms},
		// Identifiers: […] delimits them, "]]" being a ']' inside (as QUOTENAME writes
		// it); @name is a variable or parameter, @@name a function, #t and ##t
		// temporary tables.
		{query: "SELECT TOP (5) [id], [na]]me] FROM [dbo].[orders] WHERE n = N'secret word'",
			fingerprint: "SELECT TOP (?) [id], ? FROM [dbo].[orders] WHERE n = ?", operation: "SELECT", table: "dbo.orders", dialects: ms},
		{query: "SELECT @@ROWCOUNT, @x FROM #tmp JOIN ##g ON #tmp.id = ##g.id", fingerprint: "SELECT @@ROWCOUNT, ? FROM #tmp JOIN ##g ON #tmp.id = ##g.id",
			operation: "SELECT", dialects: ms},
		// SET QUOTED_IDENTIFIER: "When SET QUOTED_IDENTIFIER is OFF, literal strings in
		// expressions can be delimited by single or double quotation marks", so "…" is
		// kept only where no string can stand.
		{query: `SELECT "hunter two" FROM [t] WHERE "a" = 1`, fingerprint: "SELECT ? FROM [t] WHERE ? = ?", operation: "SELECT", table: "t", dialects: ms},
		{query: `SELECT "t"."c" FROM "t"`, fingerprint: `SELECT "t"."c" FROM "t"`, operation: "SELECT", table: "t", dialects: ms},
		// Slash Star: "Nested comments are supported".
		{query: "SELECT 1 /* a /* b */ 'x' */ FROM t", fingerprint: "SELECT ? FROM t", operation: "SELECT", table: "t", dialects: ms},
	})
}

// ANSI, for systems of no known dialect: ISO/IEC 9075-2, 5.3 <literal> ('…' with ” for
// a quote, no escapes), 5.2 <delimited identifier> ("…" with "") and <comment>
// (bracketed comments nest). Some systems read a backslash as an escape (BigQuery,
// ClickHouse, Snowflake), some "…" as a string, some do not nest comments (Oracle): where
// the readings part, nothing is kept from there on.
func TestANSI(t *testing.T) {
	ansi := []Dialect{ANSI}
	checkShapes(t, []shapeCase{
		{query: `SELECT 'it''s', 'a\\', "Col" FROM "T"`, fingerprint: `SELECT ?, ?, ? FROM "T"`, operation: "SELECT", table: "T", dialects: ansi},
		{query: `SELECT * FROM users WHERE name LIKE 'x\_%' ESCAPE '\' AND email = 'alice@example.com'`,
			fingerprint: "SELECT * FROM users WHERE name LIKE ? ESCAPE ?", operation: "SELECT", table: "users", dialects: ansi},
		{query: `SELECT * FROM users WHERE name = 'trailing\' AND pw = 'hunter2 is my pass'`,
			fingerprint: "SELECT * FROM users WHERE name = ?", operation: "SELECT", table: "users", dialects: ansi},
		{query: `SELECT * FROM t WHERE a = "x\" AND b = 'hunter2 is my pass'`, fingerprint: "SELECT * FROM t WHERE a = ?", operation: "SELECT", table: "t", dialects: ansi},
		{query: "SELECT a /* x /* y */ 'secret' */ FROM t", fingerprint: "SELECT a", operation: "SELECT", dialects: ansi},
		{query: "SELECT a -- c\r'secret'\nFROM t", fingerprint: "SELECT a", operation: "SELECT", dialects: ansi},
		{query: "SELECT a -- c\r\nFROM t", fingerprint: "SELECT a FROM t", operation: "SELECT", table: "t", dialects: ansi},
		{query: "SELECT $$it's$$, U&'d\\0061t' FROM t", fingerprint: "SELECT ?, ? FROM t", operation: "SELECT", table: "t", dialects: ansi},
	})
}

// TestLeaks puts secrets made of plain words, and of the characters lexers trip on, into
// statements as each dialect quotes them, and checks that no part of them is kept.
func TestLeaks(t *testing.T) {
	secrets := []string{"hunter two is my pass", "alice@example.com", "correct horse battery staple",
		`back\slash`, "o'brien's", `say "hi"`, "ключ шифрования", "trailing\\"}
	templates := []string{
		"SELECT * FROM users WHERE name LIKE %s ESCAPE %s AND email = %s",
		"UPDATE accounts SET password = %s WHERE id = 7 AND note = %s -- %s",
		"INSERT INTO users (name, email, pw) VALUES (%s, %s, %s), (?, ?, ?)",
		"SELECT * FROM t WHERE x IN (%s, %s) /* c */ AND y = %s",
		"WITH a AS (SELECT %s AS v) SELECT * FROM a WHERE v <> %s OR v = %s",
	}
	for _, d := range allDialects {
		for _, secret := range secrets {
			for _, form := range literalForms(d, secret) {
				for _, tmpl := range templates {
					// The secret in every slot, and alone among harmless values.
					all := strings.ReplaceAll(tmpl, "%s", form)
					one := strings.Replace(strings.Replace(strings.Replace(tmpl, "%s", `'\'`, 1), "%s", form, 1), "%s", "'x'", 1)
					if d == MySQL {
						one = strings.Replace(strings.Replace(strings.Replace(tmpl, "%s", `'\\'`, 1), "%s", form, 1), "%s", "'x'", 1)
					}
					for _, q := range []string{all, one} {
						s := Fingerprint(d, q)
						for _, w := range strings.Fields(strings.NewReplacer(`\`, " ", "'", " ", `"`, " ").Replace(secret)) {
							if len(w) < 3 || strings.Contains(strings.ToLower(tmpl), strings.ToLower(w)) {
								continue // "pass" in password
							}
							if strings.Contains(s.Fingerprint, w) || strings.Contains(s.Summary(), w) {
								t.Errorf("%s: %q leaked: %q → %q (%s)", d, w, q, s.Fingerprint, s.Summary())
							}
						}
					}
				}
			}
		}
	}
}
