package instrument

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
