package sqlfingerprint

import (
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	for _, tc := range []struct {
		query, fingerprint, operation, table string
	}{
		{"SELECT * FROM vault_items WHERE id = 42 AND owner = 'alice@example.com'",
			"SELECT * FROM vault_items WHERE id = ? AND owner = ?", "SELECT", "vault_items"},
		{"select id, name\n\tfrom items where folder_id in (1, 2, 3) order by name limit 10",
			"SELECT id, name FROM items WHERE folder_id IN (?) ORDER BY name LIMIT ?", "SELECT", "items"},
		{"SELECT * FROM t WHERE a IN ($1,$2,$3) AND b IN (?, ?) AND c IN (:x, @p1, $name, ?7)",
			"SELECT * FROM t WHERE a IN (?) AND b IN (?) AND c IN (?)", "SELECT", "t"},
		{"SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE v IN (1, 2))",
			"SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE v IN (?))", "SELECT", "t"},
		{"INSERT INTO items (a, b) VALUES ($1, $2), ($3, $4), ($5, $6) RETURNING id",
			"INSERT INTO items(a, b) VALUES (?, ?) RETURNING id", "INSERT", "items"},
		{"insert into items (a, b) values (1, 'x')",
			"INSERT INTO items(a, b) VALUES (?, ?)", "INSERT", "items"},
		{"INSERT INTO t VALUES (1, 2), (3, lower('x'))",
			"INSERT INTO t VALUES (?, ?), (?, LOWER(?))", "INSERT", "t"},
		{"UPDATE ONLY public.items SET n = n + 1 WHERE id = :id -- owner 'bob'",
			"UPDATE ONLY public.items SET n = n + ? WHERE id = ?", "UPDATE", "public.items"},
		{"/* traceparent='00-abc' */ DELETE FROM \"Items\" WHERE x = -5 AND y=-3.5e-7 AND z = x-1",
			`DELETE FROM "Items" WHERE x = ? AND y = ? AND z = x - ?`, "DELETE", "Items"},
		{"WITH a AS (SELECT * FROM t WHERE z = 1) SELECT count(*) FROM a JOIN b ON a.id = b.id",
			"WITH a AS (SELECT * FROM t WHERE z = ?) SELECT COUNT(*) FROM a JOIN b ON a.id = b.id", "SELECT", "a"},
		{"SELECT $$secret$$, $tag$x$tag$, E'it\\'s', x'DEAD', 0xBEEF, TRUE, null, 'a''b', .5, 1e10",
			"SELECT ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?", "SELECT", ""},
		{"select data #>> '{a,b}' from docs where data ? 'k' and data ?| array['a'] -- done",
			"SELECT data #>> ? FROM docs WHERE data ? ? AND data ?| ARRAY[?]", "SELECT", "docs"},
		{"SELECT x::int, `col` FROM `db`.`tbl` # mysql comment 'x'",
			"SELECT x :: INT, `col` FROM `db`.`tbl`", "SELECT", "db.tbl"},
		{`SELECT * FROM users WHERE email = "carol@example.com"`,
			"SELECT * FROM users WHERE email = ?", "SELECT", "users"},
		{"SELECT * FROM (SELECT 1) AS s", "SELECT * FROM (SELECT ?) AS s", "SELECT", ""},
		{"CREATE TABLE IF NOT EXISTS items (id int)", "CREATE TABLE IF NOT EXISTS items(id INT)", "CREATE", "items"},
		{"DROP TABLE IF EXISTS items", "DROP TABLE IF EXISTS items", "DROP", "items"},
		{"BEGIN", "BEGIN", "BEGIN", ""},
		{"commit;", "COMMIT", "COMMIT", ""},
		{"pragma foreign_keys = on", "PRAGMA foreign_keys = ON", "PRAGMA", ""},
		{"frobnicate the database", "frobnicate the database", OperationOther, ""},
		{"", "", OperationOther, ""},
		{"SELECT 'unterminated", "SELECT ?", "SELECT", ""},
		{"SELECT /* unterminated", "SELECT", "SELECT", ""},
		// Words of eight bytes and more, keywords among them, and words at the very end,
		// which the fast path reads differently.
		{"select distinct rollback_at, updated_at, current_timestamp from Vault_Items_2024 vi where vi.x=true",
			"SELECT DISTINCT rollback_at, updated_at, CURRENT_TIMESTAMP FROM Vault_Items_2024 vi WHERE vi.x = ?",
			"SELECT", "Vault_Items_2024"},
		{"SELECT a$b, $x, $1$2, naïve_col, a.b.c, f(x), count (*) FROM s.t;", "SELECT a$b, ?, ? ?, naïve_col, a.b.c, f(x), COUNT(*) FROM s.t",
			"SELECT", "s.t"},
		{`UPDATE "My Table" SET a=1,b = 2 /* x */ , c=null`, `UPDATE "My Table" SET a = ?, b = ?, c = NULL`, "UPDATE", ""},
		{"select x from t where y in (1,2) and z between 1.5 and 2e3 or w like 'a%' limit 1", "SELECT x FROM t WHERE y IN (?) AND z BETWEEN ? AND ? OR w LIKE ? LIMIT ?",
			"SELECT", "t"},
		{"select a from b where c", "SELECT a FROM b WHERE c", "SELECT", "b"},
	} {
		for _, slow := range []bool{false, true} {
			s := shape(tc.query, slow)
			if s.fingerprint != tc.fingerprint || s.operation != tc.operation || s.table != tc.table {
				t.Errorf("shape(%q, slow %t)\n got %q %s %q\nwant %q %s %q", tc.query, slow,
					s.fingerprint, s.operation, s.table, tc.fingerprint, tc.operation, tc.table)
			}
			if again := shape(s.fingerprint, slow); again != s {
				t.Errorf("not idempotent: %q → %q", s.fingerprint, again.fingerprint)
			}
		}
	}
}

func TestQuerySummary(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT * FROM vault_items WHERE id = $1": "SELECT vault_items",
		"SELECT 1":                    "SELECT",
		"insert into logs values (1)": "INSERT logs",
		"nonsense":                    "other",
	} {
		if got := fingerprint(q).summary(); got != want {
			t.Errorf("summary(%q) = %q, want %q", q, got, want)
		}
	}
	long := "SELECT * FROM " + strings.Repeat("t", maxTableLen+1)
	if got := fingerprint(long).summary(); got != "SELECT" {
		t.Errorf("summary of a %d-byte table name = %q, want SELECT", maxTableLen+1, got)
	}
}

// TestFingerprintLongest checks the queries whose fingerprints grow the most, one token
// per byte and a space before each, around the length where the buffer leaves the stack.
func TestFingerprintLongest(t *testing.T) {
	for _, n := range []int{1, stackQuery/2 - 1, stackQuery / 2, stackQuery/2 + 1, 2 * stackQuery} {
		q := strings.Repeat("=?", n)
		want := strings.TrimSuffix(strings.Repeat("= ? ", n), " ")
		if got := fingerprint(q).fingerprint; got != want {
			t.Errorf("fingerprint of %d bytes: got %d bytes, want %d", len(q), len(got), len(want))
		}
	}
}

// TestKeywords checks that every keyword is found whatever its case, by the general
// path and the fast one, and that words sharing a keyword's first bytes are not.
func TestKeywords(t *testing.T) {
	for i := 1; i < len(keywords) && keywords[i].name != ""; i++ {
		kw := &keywords[i]
		lower := strings.ToLower(kw.name)
		mixed := strings.ToUpper(lower[:1]) + lower[1:]
		for _, w := range []string{kw.name, lower, mixed} {
			if got := lookupKeyword([]byte(w)); got != kw {
				t.Errorf("lookupKeyword(%q) = %q, want %q", w, got.name, kw.name)
			}
			for _, slow := range []bool{false, true} {
				q := "select " + w + " , x from t"
				if got := shape(q, slow).fingerprint; !strings.Contains(got, " "+kw.name+",") && !strings.Contains(got, " ?,") {
					t.Errorf("shape(%q, slow %t) = %q: %s not written in upper case", q, slow, got, kw.name)
				}
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
