package sqlfingerprint

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// literalForms are the ways dialect d's documentation writes s as a string literal,
// each escaped as that form requires (see dialect_test.go for the references). Their
// number does not depend on s.
func literalForms(d Dialect, s string) []string {
	standard := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	doubleQuoted := `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	switch d {
	case PostgreSQL:
		escaped := "E'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
		unicode := "U&'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
		return []string{standard, escaped, unicode, dollarQuote(s), "N" + standard}
	case MySQL:
		quoteEscaped := "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
		quoteDoubled := "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
		dqEscaped := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
		dqDoubled := `"` + strings.NewReplacer(`\`, `\\`, `"`, `""`).Replace(s) + `"`
		return []string{quoteEscaped, quoteDoubled, dqEscaped, dqDoubled, "_utf8mb4" + quoteEscaped, "N" + quoteDoubled}
	case SQLServer:
		// "…" is a string with SET QUOTED_IDENTIFIER OFF.
		return []string{standard, "N" + standard, doubleQuoted}
	case SQLite:
		// "…" is a string where no identifier of that name is found (quirks, 8).
		return []string{standard, doubleQuoted}
	}
	// Systems of no known dialect: the standard's form, "…" (a string in BigQuery and
	// Spanner), and the backslash-escaped form that some of them take (BigQuery,
	// ClickHouse, Snowflake).
	return []string{standard, "N" + standard, doubleQuoted, "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"}
}

// nameBefore are the words after which "…" is a table's name in every dialect, never a
// string: buildStatement writes no secret there in double quotes.
var nameBefore = map[string]bool{"FROM": true}

// A variant is a dialect as one server setting makes it: the statement is written for
// it, and fingerprinted by the dialect's rules.
type variant struct {
	d     Dialect
	forms func(s string) []string
}

// variants are every dialect, and the settings under which PostgreSQL and MySQL read a
// backslash the other way.
var variants = func() []variant {
	var vs []variant
	for _, d := range allDialects {
		vs = append(vs, variant{d, func(s string) []string { return literalForms(d, s) }})
	}
	return append(vs,
		// PostgreSQL with standard_conforming_strings off: "PostgreSQL recognizes
		// backslash escapes in both regular and escape string constants" (4.1.2.2).
		variant{PostgreSQL, func(s string) []string {
			escaped := strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s)
			return []string{"'" + escaped + "'", "E'" + escaped + "'",
				"'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'", dollarQuote(s)}
		}},
		// MySQL with NO_BACKSLASH_ESCAPES: a backslash is an ordinary character.
		variant{MySQL, func(s string) []string {
			return []string{"'" + strings.ReplaceAll(s, "'", "''") + "'", `"` + strings.ReplaceAll(s, `"`, `""`) + `"`,
				"N'" + strings.ReplaceAll(s, "'", "''") + "'"}
		}},
	)
}()

// dollarQuote writes s as a PostgreSQL dollar-quoted string, with a tag whose first
// occurrence in s and the closing tag is the closing tag.
func dollarQuote(s string) string {
	tag := "$q$"
	for k := 0; strings.Index(s+tag, tag) != len(s); k++ {
		tag = "$q" + string(rune('a'+k%26)) + strings.Repeat("z", k/26) + "$"
	}
	return tag + s + tag
}

// A statement is built from fragments, each a valid token or comment of its dialect;
// the secret's slots are marked so that the template can be told from it.
type fragment struct {
	text   string
	secret int // 0: template text; else 1 + the literal form of the secret
	exec   bool
}

// words are the template's plain tokens, valid in every dialect.
var words = []string{"SELECT", "FROM", "WHERE", "users", "t.a", "AND", "OR", "IN", "(", ")", ",", "=", "<>",
	"VALUES", "INSERT INTO t", "UPDATE t SET x =", "DELETE FROM t", "x", "naïve_col", "ключ", "名前", "E", "U", "N",
	"LIKE", "ESCAPE", "IS NULL", "LIMIT", "+", "-", "*", "/", "||", "42", "-1", "1.5e3", "0x1F", "?", "?1", ":name", "@p1", "$1"}

// dialectWords are tokens of one dialect only.
var dialectWords = map[Dialect][]string{
	PostgreSQL: {"::int", "#>", "@>", "?|", "$1", "price$usd"},
	SQLite:     {"[order]", "`group`", "$name", "#v", "?7"},
	MySQL:      {"`group`", "@@session.sql_mode", "1--1", "/*!40101 SQL_NO_CACHE */", "/*+ BKA(t) */"},
	SQLServer:  {"[order]", "TOP (10)", "#tmp", "@@ROWCOUNT", "$12.50"},
}

var separators = []string{" ", "\n", "\t", "\r\n", "  "}

// sanitize makes text fit inside a comment or quoted identifier that the caller closes:
// it drops every occurrence of what would end or nest one.
func sanitize(text string, drop ...string) string {
	for {
		before := text
		for _, d := range drop {
			text = strings.ReplaceAll(text, d, "")
		}
		if text == before {
			return text
		}
	}
}

// buildStatement turns the fuzzer's plan into fragments of dialect d: words, numbers,
// parameters, string literals and quoted identifiers holding filler, comments holding
// filler, dollar quotes, and the secret as a literal wherever the plan says.
func buildStatement(v variant, plan []byte, secret, filler string) []fragment {
	d := v.d
	var out []fragment
	last := "" // the last fragment but separators
	add := func(text string) {
		out = append(out, fragment{text: text})
		if strings.TrimSpace(text) != "" && !strings.HasPrefix(text, "--") && !strings.HasPrefix(text, "#") && !strings.HasPrefix(text, "/* ") {
			last = text // comments are no tokens
		}
	}
	extra := dialectWords[d]
	for k, b := range plan {
		if k > 0 {
			add(separators[int(b>>5)%len(separators)])
		}
		param := int(b >> 3)
		filler := filler[(k*7)%(len(filler)+1):] // a different part each time
		switch b & 7 {
		case 0, 1:
			add(words[param%len(words)])
		case 2:
			forms := v.forms(secret)
			form := param % len(forms)
			if strings.HasPrefix(forms[form], `"`) && d != MySQL && nameBefore[last] {
				form = 0
			}
			out = append(out, fragment{text: forms[form], secret: 1 + form})
		case 3:
			forms := v.forms(filler)
			add(forms[param%len(forms)])
		case 4:
			line := sanitize(filler, "\n", "\r")
			switch {
			case d == MySQL && param%2 == 0:
				add("#" + line + "\n")
			case d == MySQL:
				add("-- " + line + "\n") // MySQL's -- needs a space
			default:
				add("--" + line + "\n")
			}
		case 5:
			if d == PostgreSQL || d == SQLServer {
				add("/* " + sanitize(filler, "*/", "/*") + " */") // they nest
			} else {
				add("/* " + sanitize(filler, "*/") + " */")
			}
		case 6:
			switch {
			case d == PostgreSQL || d == ANSI:
				if param%2 == 0 {
					add(dollarQuote(filler))
				} else {
					add(`"` + strings.ReplaceAll(filler, `"`, `""`) + `"`)
				}
			case d == MySQL && param%2 == 0:
				// SQL that MySQL runs, holding the secret.
				forms := v.forms(secret)
				add("/*!50000 ")
				out = append(out, fragment{text: forms[param%len(forms)], secret: 1 + param%len(forms), exec: true})
				add(" */")
			case d == MySQL || d == SQLite:
				add("`" + strings.ReplaceAll(filler, "`", "``") + "`")
			case d == SQLServer:
				add("[" + strings.ReplaceAll(filler, "]", "]]") + "]")
			}
		case 7:
			if len(extra) > 0 {
				add(extra[param%len(extra)])
			} else {
				add(words[param%len(words)])
			}
		}
	}
	return out
}

// FuzzLiteralLeak builds statements of each dialect (and of PostgreSQL and MySQL under
// the settings that read a backslash the other way) from valid tokens, with a secret
// written as one of that dialect's string literals in one or more places, and checks
// that no four bytes of the secret that the rest of the statement does not hold come
// out in the fingerprint or the summary; and, except where a reading may be cut short
// on purpose, that the shape is the one the statement has with another literal there.
// Run it with: go test -fuzz FuzzLiteralLeak ./sqlfingerprint/
func FuzzLiteralLeak(f *testing.F) {
	for _, seed := range []struct {
		d              Dialect
		plan           string
		secret, filler string
	}{
		{PostgreSQL, "\x00\x08\x10\x02\x20\x0a\x04", "hunter two is my pass", `it's \ a "filler"`},
		{SQLite, "\x00\x0a\x02\x05\x12", `trailing\`, "x */ y"},
		{MySQL, "\x00\x02\x04\x1a\x06", `o'brien's \ "pass"`, "#-- */"},
		{SQLServer, "\x07\x02\x0e\x06", "ключ шифрования", "a]]b"},
		{ANSI, "\x00\x02\x03\x02", `x\`, `y\`},
	} {
		f.Add(uint8(seed.d), []byte(seed.plan), seed.secret, seed.filler)
	}
	f.Fuzz(func(t *testing.T, dialect uint8, plan []byte, secret, filler string) {
		v := variants[int(dialect)%len(variants)]
		d := v.d
		if len(plan) > 64 {
			plan = plan[:64]
		}
		frags := buildStatement(v, plan, secret, filler)
		var stmt, neutral, template strings.Builder
		cut := false // a reading is cut short where the secret is: see below
		for _, fr := range frags {
			stmt.WriteString(fr.text)
			if fr.secret == 0 {
				neutral.WriteString(fr.text)
				template.WriteString(fr.text)
				continue
			}
			neutral.WriteString(v.forms("x")[fr.secret-1])
			// Cut short on purpose: an ANSI literal with a backslash; a /*! */ whose
			// secret holds "*/". In PostgreSQL and MySQL, where the readings with and
			// without backslash escapes part (see below), the secret is SQL to one of
			// them, and whatever it holds may decide which is taken.
			cut = cut || d == ANSI && strings.Contains(fr.text, `\`) || fr.exec && strings.Contains(secret, "*/")
		}
		q := stmt.String()
		cut = cut || (d == PostgreSQL || d == MySQL) && strings.Contains(q, `\`)
		got := Fingerprint(d, q)
		base := Fingerprint(d, neutral.String())
		tmpl := template.String()
		for k := 0; k+4 <= len(secret); k++ {
			w := secret[k : k+4]
			if strings.Contains(tmpl, w) || strings.Contains(base.Fingerprint, w) || strings.Contains(base.Summary(), w) {
				continue
			}
			if strings.Contains(got.Fingerprint, w) || strings.Contains(got.Summary(), w) {
				t.Fatalf("%s: %q of the secret %q leaked:\n%q\n→ %q (%s)", d, w, secret, q, got.Fingerprint, got.Summary())
			}
		}
		if !cut && got != base {
			t.Fatalf("%s: the secret changed the shape:\n%q\n→ %q %s %q\nwith x instead:\n%q\n→ %q %s %q", d,
				q, got.Fingerprint, got.Operation, got.Table, neutral.String(), base.Fingerprint, base.Operation, base.Table)
		}
	})
}

// FuzzFingerprint checks, for any input in any dialect, that fingerprinting never
// panics, is idempotent, keeps no quote of a string, and yields a summary that is a
// valid label value.
// Run it with: go test -fuzz FuzzFingerprint ./sqlfingerprint/
func FuzzFingerprint(f *testing.F) {
	for _, q := range []string{
		benchQuery,
		`SELECT * FROM users WHERE name LIKE 'x\_%' ESCAPE '\' AND email = 'alice@example.com'`,
		`INSERT INTO users (name) VALUES ("Alice Jones", "x"), ('it\'s', 'a''b')`,
		"SELECT $$x$$, $t$y$t$, E'z\\'', U&'\\0061' FROM t WHERE a::int = $1 /* a /* b */ */",
		"UPDATE TOP (10) [dbo].[orders] SET [na]]me] = N'x' WHERE id = @p1 -- c\r\n",
		"SELECT /*!40001 SQL_NO_CACHE */ `a` FROM t # c\nWHERE b = 1--1",
		"SELECT $a::b(c), #v, ?7, :n FROM [t] WHERE \"x\" = 'y'",
		"WITH RECURSIVE a(n) AS (SELECT * FROM \"S\".[T] WHERE x IN (1, 2)), B AS (SELECT 1) SELECT * FROM A JOIN b",
	} {
		for _, d := range allDialects {
			f.Add(uint8(d), q)
		}
	}
	f.Fuzz(func(t *testing.T, dialect uint8, q string) {
		d := allDialects[int(dialect)%len(allDialects)]
		s := Fingerprint(d, q)
		if again := Fingerprint(d, s.Fingerprint); again != s {
			t.Fatalf("%s: not idempotent:\n%q\n→ %q %s %q\n→ %q %s %q", d, q, s.Fingerprint, s.Operation, s.Table,
				again.Fingerprint, again.Operation, again.Table)
		}
		if strings.Contains(s.Fingerprint, "'") || d == MySQL && strings.Contains(s.Fingerprint, `"`) {
			t.Fatalf("%s: a quote survived: %q → %q", d, q, s.Fingerprint)
		}
		if sum := s.Summary(); !utf8.ValidString(sum) || len(sum) > 80 || s.Operation == "" {
			t.Fatalf("%s: summary %q of %q is no label value", d, sum, q)
		}
	})
}
