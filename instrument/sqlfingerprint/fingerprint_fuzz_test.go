package sqlfingerprint

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFingerprint checks, for any input, that fingerprinting never panics, is
// idempotent, keeps no quoted string, and yields a summary that is a valid label value;
// and that a literal put into a statement, quoted or as a number, never comes out.
// Run it with: go test -fuzz FuzzFingerprint ./instrument
func FuzzFingerprint(f *testing.F) {
	for _, seed := range []struct {
		query, literal string
	}{
		{"SELECT * FROM users WHERE email = %s AND active = TRUE", "alice@example.com"},
		{"UPDATE accounts SET password = %s WHERE id = 7", "hunter2-Secret!"},
		{"INSERT INTO t (a, b) VALUES (%s, $1), (?, :name)", "4111111111111111"},
		{"SELECT * FROM t WHERE x IN (%s, 2, 3) -- c", "o'brien"},
		{"WITH a AS (SELECT 1) SELECT $$x$$, %s FROM a", `back\slash`},
		{"select data #>> '{a}' from d where data ?| array[%s]", "ключ"},
		{"/* c */ DELETE FROM \"T\" WHERE y = -%s", "12345"},
	} {
		f.Add(seed.query, seed.literal)
	}
	f.Fuzz(func(t *testing.T, query, literal string) {
		s := fingerprint(query)
		if again := fingerprint(s.fingerprint); again != s {
			t.Fatalf("not idempotent:\n%q\n→ %q\n→ %q", query, s.fingerprint, again.fingerprint)
		}
		if strings.Contains(s.fingerprint, "'") {
			t.Fatalf("a quote survived: %q → %q", query, s.fingerprint)
		}
		if sum := s.summary(); !utf8.ValidString(sum) || len(sum) > 80 {
			t.Fatalf("summary %q of %q is no label value", sum, query)
		}

		// A template that cannot open a string, an identifier or a comment, with the
		// literal put in where a value goes.
		template := strings.Map(func(r rune) rune {
			if strings.ContainsRune("'\"`$\\#-/*?:@", r) {
				return ' '
			}
			return r
		}, query)
		if !strings.Contains(template, "%s") {
			template += " = %s"
		}
		secret := strings.TrimSpace(literal)
		if len(secret) < 4 || strings.Contains(template, secret) {
			return
		}
		quoted := "'" + strings.NewReplacer("'", "''", `\`, `\\`).Replace(secret) + "'"
		forms := []string{quoted, "E" + quoted, "$q$" + strings.ReplaceAll(secret, "$q$", "") + "$q$"}
		if _, err := strconv.ParseFloat(secret, 64); err == nil && !strings.ContainsAny(secret, "+-") {
			forms = append(forms, secret) // a bare number
		}
		for _, form := range forms {
			q := strings.Replace(template, "%s", " "+form+" ", 1)
			got := fingerprint(q)
			if strings.Contains(got.fingerprint, secret) || strings.Contains(got.summary(), secret) {
				t.Fatalf("literal %q leaked: %q → %q (%s)", secret, q, got.fingerprint, got.summary())
			}
		}
	})
}

// FuzzFingerprintFastPath checks that scanPlain, the fast path for the common tokens,
// fingerprints every input exactly as run's general path does on its own.
// Run it with: go test -fuzz FuzzFingerprintFastPath ./instrument
func FuzzFingerprintFastPath(f *testing.F) {
	f.Add(benchQuery)
	for _, q := range []string{
		"SELECT vi.id, vi.title FROM vault_items vi WHERE vi.id IN (1, 2) AND x = 'a' -- c",
		"insert into t (a, b) values ($1, ?), (:x, @y) returning id",
		"select distinct current_timestamp, a$b, naïve, E'x', 1.5e3, .5, x::int from s.t;",
		"UPDATE `T` SET a=1,b = 2 /* x /* y */ */ , c=null WHERE d ?| array['k']",
		"with a as (select 1) select * from a where b is not null order by c desc limit 10",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if fast, slow := shape(q, false), shape(q, true); fast != slow {
			t.Fatalf("%q:\nfast %q %s %q\nslow %q %s %q", q, fast.fingerprint, fast.operation, fast.table,
				slow.fingerprint, slow.operation, slow.table)
		}
	})
}
