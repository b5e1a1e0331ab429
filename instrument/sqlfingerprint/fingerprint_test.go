package sqlfingerprint

import (
	"fmt"
	"strings"
	"testing"
)

// allDialects are the dialects every test runs under.
var allDialects = []Dialect{ANSI, PostgreSQL, SQLite, MySQL, SQLServer}

// shapeCase is a statement and the shape it must have in the dialects listed (all when
// none are).
type shapeCase struct {
	query, fingerprint, operation, table string
	dialects                             []Dialect
}

// checkShapes checks each case in its dialects, and that fingerprinting its fingerprint
// again changes nothing.
func checkShapes(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, tc := range cases {
		ds := tc.dialects
		if ds == nil {
			ds = allDialects
		}
		for _, d := range ds {
			s := Fingerprint(d, tc.query)
			if s.Fingerprint != tc.fingerprint || s.Operation != tc.operation || s.Table != tc.table {
				t.Errorf("%s: Fingerprint(%q)\n got %q %s %q\nwant %q %s %q", d, tc.query,
					s.Fingerprint, s.Operation, s.Table, tc.fingerprint, tc.operation, tc.table)
			}
			if again := Fingerprint(d, s.Fingerprint); again != s {
				t.Errorf("%s: not idempotent: %q → %q", d, s.Fingerprint, again.Fingerprint)
			}
		}
	}
}

// TestFingerprint checks what the rest of perfwatch relies on, whatever the dialect:
// literals and placeholders become ?, IN lists and repeated VALUES rows collapse,
// comments go, keywords are upper case, whitespace is one space, and the operation and
// main table are found.
func TestFingerprint(t *testing.T) {
	notMySQL := []Dialect{ANSI, PostgreSQL, SQLite, SQLServer}
	checkShapes(t, []shapeCase{
		{query: "SELECT * FROM vault_items WHERE id = 42 AND owner = 'alice@example.com'",
			fingerprint: "SELECT * FROM vault_items WHERE id = ? AND owner = ?", operation: "SELECT", table: "vault_items"},
		{query: "select id, name\n\tfrom items where folder_id in (1, 2, 3) order by name limit 10",
			fingerprint: "SELECT id, name FROM items WHERE folder_id IN (?) ORDER BY name LIMIT ?", operation: "SELECT", table: "items"},
		{query: "SELECT * FROM t WHERE a IN ($1,$2,$3) AND b IN (?, ?) AND c IN (:x, @p1, ?7)",
			fingerprint: "SELECT * FROM t WHERE a IN (?) AND b IN (?) AND c IN (?)", operation: "SELECT", table: "t"},
		{query: "SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE v IN (1, 2))",
			fingerprint: "SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE v IN (?))", operation: "SELECT", table: "t"},
		{query: "INSERT INTO items (a, b) VALUES ($1, $2), ($3, $4), ($5, $6) RETURNING id",
			fingerprint: "INSERT INTO items(a, b) VALUES (?, ?) RETURNING id", operation: "INSERT", table: "items"},
		{query: "insert into items (a, b) values (1, 'x')",
			fingerprint: "INSERT INTO items(a, b) VALUES (?, ?)", operation: "INSERT", table: "items"},
		{query: "INSERT INTO t VALUES (1, 2), (3, lower('x'))",
			fingerprint: "INSERT INTO t VALUES (?, ?), (?, LOWER(?))", operation: "INSERT", table: "t"},
		{query: "UPDATE ONLY public.items SET n = n + 1 WHERE id = :id -- owner 'bob'",
			fingerprint: "UPDATE ONLY public.items SET n = n + ? WHERE id = ?", operation: "UPDATE", table: "public.items"},
		{query: "/* traceparent='00-abc' */ DELETE FROM items WHERE x = -5 AND y=-3.5e-7 AND z = x-1",
			fingerprint: "DELETE FROM items WHERE x = ? AND y = ? AND z = x - ?", operation: "DELETE", table: "items"},
		{query: "WITH a AS (SELECT * FROM t WHERE z = 1) SELECT count(*) FROM a JOIN b ON a.id = b.id",
			fingerprint: "WITH a AS (SELECT * FROM t WHERE z = ?) SELECT COUNT(*) FROM a JOIN b ON a.id = b.id", operation: "SELECT", table: "t"},
		{query: "SELECT x'DEAD', 0xBEEF, TRUE, null, 'a''b', .5, 1e10, N'x'",
			fingerprint: "SELECT ?, ?, ?, NULL, ?, ?, ?, ?", operation: "SELECT"},
		{query: "SELECT * FROM (SELECT 1) AS s", fingerprint: "SELECT * FROM (SELECT ?) AS s", operation: "SELECT"},
		{query: "CREATE TABLE IF NOT EXISTS items (id int)", fingerprint: "CREATE TABLE IF NOT EXISTS items(id INT)", operation: "CREATE", table: "items"},
		{query: "DROP TABLE IF EXISTS items", fingerprint: "DROP TABLE IF EXISTS items", operation: "DROP", table: "items"},
		{query: "BEGIN", fingerprint: "BEGIN", operation: "BEGIN"},
		{query: "commit;", fingerprint: "COMMIT", operation: "COMMIT"},
		{query: "pragma foreign_keys = on", fingerprint: "PRAGMA foreign_keys = ON", operation: "PRAGMA"},
		{query: "frobnicate the database", fingerprint: "frobnicate the database", operation: OperationOther},
		{query: "", fingerprint: "", operation: OperationOther},
		{query: "  \n\t ", fingerprint: "", operation: OperationOther},
		{query: "SELECT 'unterminated", fingerprint: "SELECT ?", operation: "SELECT"},
		{query: "SELECT /* unterminated", fingerprint: "SELECT", operation: "SELECT"},
		// The fingerprint keeps a name's case; the summary folds it as the dialect compares
		// names (TestSummaryFoldsTableNames).
		{query: "select distinct rollback_at, updated_at, current_timestamp from Vault_Items_2024 vi where vi.x=true",
			fingerprint: "SELECT DISTINCT rollback_at, updated_at, CURRENT_TIMESTAMP FROM Vault_Items_2024 vi WHERE vi.x = ?",
			operation:   "SELECT", table: "vault_items_2024", dialects: notMySQL},
		{query: "select distinct rollback_at, updated_at, current_timestamp from Vault_Items_2024 vi where vi.x=true",
			fingerprint: "SELECT DISTINCT rollback_at, updated_at, CURRENT_TIMESTAMP FROM Vault_Items_2024 vi WHERE vi.x = ?",
			operation:   "SELECT", table: "Vault_Items_2024", dialects: []Dialect{MySQL}},
		{query: "SELECT naïve_col, a.b.c, f(x), count (*) FROM s.t;", fingerprint: "SELECT naïve_col, a.b.c, f(x), COUNT(*) FROM s.t",
			operation: "SELECT", table: "s.t"},
		{query: `UPDATE items SET a=1,b = 2 /* x */ , c=null`, fingerprint: `UPDATE items SET a = ?, b = ?, c = NULL`, operation: "UPDATE", table: "items"},
		{query: "select x from t where y in (1,2) and z between 1.5 and 2e3 or w like 'a%' limit 1",
			fingerprint: "SELECT x FROM t WHERE y IN (?) AND z BETWEEN ? AND ? OR w LIKE ? LIMIT ?", operation: "SELECT", table: "t"},
		{query: "select a from b where c", fingerprint: "SELECT a FROM b WHERE c", operation: "SELECT", table: "b"},
		{query: "SELECT * FROM t JOIN u USING (id) WHERE t.a = 1 UNION ALL SELECT * FROM v",
			fingerprint: "SELECT * FROM t JOIN u USING (id) WHERE t.a = ? UNION ALL SELECT * FROM v", operation: "SELECT", table: "t"},
		{query: "INSERT IGNORE INTO t (a) VALUES (1)", fingerprint: "INSERT IGNORE INTO t(a) VALUES (?)", operation: "INSERT", table: "t"},
		{query: "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v",
			fingerprint: "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v", operation: "MERGE", table: "t"},
		// Backticks quote identifiers in MySQL and SQLite, and are no valid SQL elsewhere.
		{query: "SELECT `col` FROM `db`.`tbl` WHERE `x` = 1", fingerprint: "SELECT `col` FROM `db`.`tbl` WHERE `x` = ?",
			operation: "SELECT", table: "db.tbl"},
		// A double-quoted name after FROM is an identifier in every dialect but MySQL's.
		{query: `DELETE FROM "Items" WHERE x = 1`, fingerprint: `DELETE FROM "Items" WHERE x = ?`, operation: "DELETE", table: "Items",
			dialects: []Dialect{ANSI, PostgreSQL}},
		{query: `DELETE FROM "Items" WHERE x = 1`, fingerprint: `DELETE FROM "Items" WHERE x = ?`, operation: "DELETE", table: "items",
			dialects: []Dialect{SQLite, SQLServer}},
		{query: `UPDATE "My Table" SET a = 1`, fingerprint: `UPDATE "My Table" SET a = ?`, operation: "UPDATE", dialects: notMySQL},
	})
}

func TestSummary(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT * FROM vault_items WHERE id = $1": "SELECT vault_items",
		"SELECT 1":                    "SELECT",
		"insert into logs values (1)": "INSERT logs",
		"nonsense":                    "other",
	} {
		for _, d := range allDialects {
			if got := Fingerprint(d, q).Summary(); got != want {
				t.Errorf("%s: Summary(%q) = %q, want %q", d, q, got, want)
			}
		}
	}
	long := "SELECT * FROM " + strings.Repeat("t", maxTableLen+1)
	if got := Fingerprint(ANSI, long).Summary(); got != "SELECT" {
		t.Errorf("summary of a %d-byte table name = %q, want SELECT", maxTableLen+1, got)
	}
}

// TestSummaryFoldsTableNames: the summary names one table one way however statements
// spell it, as each dialect's systems compare names (docs/sql-fingerprint.md has the
// references): PostgreSQL folds unquoted names to lower case and keeps quoted ones;
// SQLite compares ASCII names without case, quoted or not; SQL Server's default
// collations are case-insensitive; MySQL on Linux (lower_case_table_names=0) compares
// table names with case; the standard folds unquoted names (to upper case, here to lower
// as labels are).
func TestSummaryFoldsTableNames(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  map[Dialect]string
	}{
		// mailpit: one SQLite table, written both ways.
		{"SELECT Name FROM Tags WHERE x = 1", map[Dialect]string{ANSI: "SELECT tags", PostgreSQL: "SELECT tags", SQLite: "SELECT tags", MySQL: "SELECT Tags", SQLServer: "SELECT tags"}},
		{"select name from tags", map[Dialect]string{ANSI: "SELECT tags", PostgreSQL: "SELECT tags", SQLite: "SELECT tags", MySQL: "SELECT tags", SQLServer: "SELECT tags"}},
		{`UPDATE "Tags" SET n = 1`, map[Dialect]string{ANSI: "UPDATE Tags", PostgreSQL: "UPDATE Tags", SQLite: "UPDATE tags", SQLServer: "UPDATE tags"}},
		{`INSERT INTO Public."Users" (a) VALUES (1)`, map[Dialect]string{ANSI: "INSERT public.Users", PostgreSQL: "INSERT public.Users", SQLite: "INSERT public.users", SQLServer: "INSERT public.users"}},
		{"DELETE FROM [Dbo].[Orders] WHERE id = @p1", map[Dialect]string{SQLite: "DELETE dbo.orders", SQLServer: "DELETE dbo.orders"}},
		{"SELECT * FROM `Shop`.`Orders`", map[Dialect]string{MySQL: "SELECT Shop.Orders", SQLite: "SELECT shop.orders"}},
		{"SELECT * FROM ALLCAPS_2", map[Dialect]string{ANSI: "SELECT allcaps_2", PostgreSQL: "SELECT allcaps_2", MySQL: "SELECT ALLCAPS_2"}},
	} {
		for d, want := range tc.want {
			s := Fingerprint(d, tc.query)
			if got := s.Summary(); got != want {
				t.Errorf("%s: Summary(%q) = %q, want %q", d, tc.query, got, want)
			}
			if strings.ToLower(s.Fingerprint) == s.Fingerprint && strings.ToLower(tc.query) != tc.query {
				t.Errorf("%s: the fingerprint %q lost the statement's case", d, s.Fingerprint)
			}
		}
	}
}

// TestSummarySkipsCTENames: a main table that is a name the statement's WITH clause
// defines is no table; the summary names the first table a FROM in the clause reads
// instead, or none.
func TestSummarySkipsCTENames(t *testing.T) {
	for q, want := range map[string]string{
		// miniflux's entry pagination.
		"WITH entry_pagination AS (SELECT e.id, lag(e.id) over (order by e.published_at) AS prev_id FROM entries AS e " +
			"WHERE e.user_id = $1) SELECT prev_id FROM entry_pagination ep WHERE id = $2": "SELECT entries",
		"WITH p AS (SELECT 1) SELECT * FROM p": "SELECT",
		"WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 5) SELECT sum(n) FROM t": "SELECT",
		"WITH a AS (SELECT * FROM public.items), b AS (SELECT * FROM a) SELECT * FROM b":                   "SELECT public.items",
		"WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a":                                     "SELECT",
		"with A as (select * from ONLY Users) select * from a":                                             "SELECT users",
		"WITH a AS (SELECT * FROM t) SELECT * FROM items JOIN a USING (id)":                                "SELECT items",
		"WITH a AS (SELECT * FROM t) SELECT * FROM s.a":                                                    "SELECT s.a",
		"WITH a AS (SELECT id FROM t) INSERT INTO log SELECT * FROM a":                                     "INSERT log",
		"WITH a AS (SELECT id FROM t) UPDATE items SET x = 1 FROM a WHERE a.id = items.id":                 "UPDATE items",
		"WITH a AS (SELECT (SELECT 1 FROM dual) AS x) SELECT * FROM a":                                     "SELECT dual",
		"WITH c AS MATERIALIZED (SELECT * FROM (SELECT 1) AS s) SELECT * FROM c":                           "SELECT",
	} {
		for _, d := range []Dialect{ANSI, PostgreSQL, SQLite, SQLServer} {
			if got := Fingerprint(d, q).Summary(); got != want {
				t.Errorf("%s: Summary(%q) = %q, want %q", d, q, got, want)
			}
		}
	}
	// MySQL compares with case: a reference spelt otherwise is another name.
	if got := Fingerprint(MySQL, "WITH a AS (SELECT * FROM t) SELECT * FROM A").Summary(); got != "SELECT A" {
		t.Errorf("mysql: %q", got)
	}
	if got := Fingerprint(MySQL, "WITH a AS (SELECT * FROM t) SELECT * FROM a").Summary(); got != "SELECT t" {
		t.Errorf("mysql: %q", got)
	}
	// PostgreSQL: a quoted name keeps its case, so "A" is not a.
	if got := Fingerprint(PostgreSQL, `WITH "A" AS (SELECT * FROM t) SELECT * FROM a`).Summary(); got != "SELECT a" {
		t.Errorf("postgresql: %q", got)
	}
	// More names than the clause's bound: those beyond it are kept, as before.
	var b strings.Builder
	b.WriteString("WITH ")
	for i := range maxCTEs + 1 {
		fmt.Fprintf(&b, "c%d AS (SELECT * FROM t%d), ", i, i)
	}
	b.WriteString("z AS (SELECT 1) ")
	for i, want := range map[int]string{0: "SELECT t0", maxCTEs: "SELECT c8"} {
		if got := Fingerprint(PostgreSQL, b.String()+fmt.Sprintf("SELECT * FROM c%d", i)).Summary(); got != want {
			t.Errorf("main table c%d of %d names: %q, want %q", i, maxCTEs+2, got, want)
		}
	}
}

// TestFingerprintLongest checks the queries whose fingerprints grow the most, one token
// per byte and a space before each, around the length where the buffer leaves the stack.
func TestFingerprintLongest(t *testing.T) {
	for _, n := range []int{1, stackQuery/2 - 1, stackQuery / 2, stackQuery/2 + 1, 2 * stackQuery} {
		q := strings.Repeat("=?", n)
		want := strings.TrimSuffix(strings.Repeat("= ? ", n), " ")
		for _, d := range allDialects {
			if got := Fingerprint(d, q).Fingerprint; got != want {
				t.Errorf("%s: fingerprint of %d bytes: got %d bytes, want %d", d, len(q), len(got), len(want))
			}
		}
	}
}

// TestKeywords checks that every keyword is found whatever its case, and that words
// sharing a keyword's first bytes are not.
func TestKeywords(t *testing.T) {
	for i := 1; i < len(keywords) && keywords[i].name != ""; i++ {
		kw := &keywords[i]
		lower := strings.ToLower(kw.name)
		mixed := strings.ToUpper(lower[:1]) + lower[1:]
		for _, w := range []string{kw.name, lower, mixed} {
			if got := lookupKeyword([]byte(w)); got != kw {
				t.Errorf("lookupKeyword(%q) = %q, want %q", w, got.name, kw.name)
			}
			q := "select " + w + " , x from t"
			if got := Fingerprint(PostgreSQL, q).Fingerprint; !strings.Contains(got, " "+kw.name+",") && !strings.Contains(got, " ?,") {
				t.Errorf("Fingerprint(%q) = %q: %s not written in upper case", q, got, kw.name)
			}
		}
		for _, w := range []string{kw.name[:len(kw.name)-1], kw.name + "x", lower + "_1"} {
			if w == "" {
				continue
			}
			if got := lookupKeyword([]byte(w)); got.name != "" && got.name != strings.ToUpper(w) {
				t.Errorf("lookupKeyword(%q) = %q", w, got.name)
			}
		}
	}
}

func TestForSystem(t *testing.T) {
	for system, want := range map[string]Dialect{
		"postgresql": PostgreSQL, "cockroachdb": PostgreSQL, "sqlite": SQLite, "mysql": MySQL,
		"mariadb": MySQL, "tidb": MySQL, "microsoft.sql_server": SQLServer, "mssql": SQLServer,
		"oracle.db": ANSI, "": ANSI, "other_sql": ANSI,
	} {
		if got := ForSystem(system); got != want {
			t.Errorf("ForSystem(%q) = %s, want %s", system, got, want)
		}
	}
	// A Dialect out of range is read as ANSI, not a panic.
	if got, want := Fingerprint(Dialect(200), "SELECT 'a\\' x"), Fingerprint(ANSI, "SELECT 'a\\' x"); got != want {
		t.Errorf("unknown Dialect: %+v, want ANSI's %+v", got, want)
	}
}
