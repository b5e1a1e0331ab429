package instrument

import (
	"strings"
)

// A queryShape is all perfwatch keeps of a SQL statement: its fingerprint (the
// statement with every literal and placeholder replaced by ?, comments dropped,
// whitespace and keyword case folded), its operation and its main table. None of them
// can contain a value from the statement.
type queryShape struct {
	fingerprint string
	operation   string // a name from operations, or "other"
	table       string // "" when no main table was found
}

// summary is the db_query_summary of the statement before the bound on distinct values:
// the operation and its main table ("SELECT vault_items"), as OpenTelemetry suggests.
func (q queryShape) summary() string {
	if q.table == "" {
		return q.operation
	}
	return q.operation + " " + q.table
}

// OperationOther is the db_operation_name of statements whose first keyword is not a
// known SQL operation; SummaryOther is the db_query_summary of statements beyond the
// bound on distinct summaries.
const (
	OperationOther = "other"
	SummaryOther   = "other"
)

// Keyword flags: what the fingerprinter needs to know about a word.
const (
	kwKeyword   = 1 << iota // written in upper case
	kwFunc                  // a function name: no space before its '('
	kwOperation             // starts a statement; the db_operation_name
	kwLiteral               // TRUE, FALSE: a value, written as ?
)

// A keyword is a word the fingerprinter knows: its upper-case spelling and its flags.
type keyword struct {
	name  string
	flags uint8
}

// keywords are the words written in upper case. The list need not be complete: a
// keyword missing from it only keeps the case it was written in. It is an open-addressed
// table on a hash of a word's length and three of its bytes, which is several times
// cheaper than a map for the many short words of a statement.
var keywords = func() *keywordTable {
	t := &keywordTable{}
	add := func(flag uint8, words string) {
		for _, w := range strings.Fields(words) {
			t.add(w, kwKeyword|flag)
		}
	}
	add(0, `ALL AND ANY AS ASC BETWEEN BY CASE CAST COLUMN CONFLICT CONSTRAINT CROSS CURRENT_DATE
		CURRENT_TIMESTAMP DEFAULT DESC DISTINCT ELSE END ESCAPE EXCEPT EXISTS FETCH FIRST FOR FOREIGN
		FROM FULL GROUP HAVING IF IGNORE ILIKE IN INDEX INNER INTERSECT INTERVAL INTO IS JOIN KEY LATERAL
		LEFT LIKE LIMIT LOCKED MATERIALIZED NATURAL NEXT NOT NOTHING NOWAIT NULL NULLS OF OFFSET ON ONLY
		OR ORDER OUTER OVER PARTITION PRIMARY RECURSIVE REFERENCES RETURNING RIGHT ROW ROWS SHARE SKIP
		SOME TABLE TEMP TEMPORARY THEN TO UNION UNIQUE USING VIEW WHEN WHERE WINDOW WITH WITHOUT ZONE
		INTEGER INT BIGINT SMALLINT TEXT VARCHAR BOOLEAN TIMESTAMP TIMESTAMPTZ DATE TIME NUMERIC REAL
		SERIAL BIGSERIAL BLOB JSON JSONB UUID ISOLATION LEVEL READ WRITE COMMITTED SERIALIZABLE WORK
		TRANSACTION VALUES`)
	add(kwFunc, `ARRAY AVG COALESCE COUNT GREATEST LEAST LENGTH LOWER MAX MIN NOW NULLIF SUBSTRING SUM
		TRIM UPPER`)
	add(kwOperation, `ALTER ANALYZE BEGIN CALL CLOSE COMMIT COPY CREATE DEALLOCATE DECLARE DELETE DO
		DROP EXECUTE EXPLAIN GRANT INSERT LISTEN LOCK MERGE NOTIFY PRAGMA PREPARE REINDEX RELEASE
		REPLACE RESET REVOKE ROLLBACK SAVEPOINT SELECT SET SHOW START TRUNCATE UNLISTEN UPDATE USE VACUUM`)
	add(kwLiteral, `TRUE FALSE`)
	return t
}()

// maxKeywordLen is the length of the longest keyword, CURRENT_TIMESTAMP.
const maxKeywordLen = 17

const keywordSlots = 1024 // a power of two, several times the number of keywords

type keywordTable struct {
	slots [keywordSlots]keyword
}

func keywordHash(w []byte) uint32 {
	n := len(w)
	return uint32(n)*31 ^ uint32(w[0])<<4 ^ uint32(w[n-1])*7 ^ uint32(w[n/2])<<2
}

func (t *keywordTable) add(w string, flags uint8) {
	for h := keywordHash([]byte(w)); ; h++ {
		s := &t.slots[h%keywordSlots]
		if s.name == "" || s.name == w {
			s.name, s.flags = w, s.flags|flags
			return
		}
	}
}

// lookup finds the upper-case word w; ok is false when it is no keyword.
func (t *keywordTable) lookup(w []byte) (keyword, bool) {
	for h := keywordHash(w); ; h++ {
		s := &t.slots[h%keywordSlots]
		if s.name == "" {
			return keyword{}, false
		}
		if s.name == string(w) {
			return *s, true
		}
	}
}

// tableTrigger tells, per operation, after which keyword its main table is named;
// "" means right after the operation keyword itself.
var tableTrigger = map[string]string{
	"SELECT": "FROM", "DELETE": "FROM",
	"INSERT": "INTO", "REPLACE": "INTO", "MERGE": "INTO",
	"UPDATE": "", "TRUNCATE": "", "COPY": "",
	"CREATE": "TABLE", "DROP": "TABLE", "ALTER": "TABLE",
}

// maxTableLen bounds a main table name, as PostgreSQL bounds identifiers (63 bytes).
const maxTableLen = 63

type tokenKind uint8

const (
	tkNone     tokenKind = iota
	tkWord               // identifier, keyword or quoted identifier
	tkValue              // ?: a literal or a placeholder
	tkOpen               // (
	tkClose              // )
	tkComma              // ,
	tkDot                // .
	tkSemi               // ;
	tkLBracket           // [
	tkRBracket           // ]
	tkOperator           // a run of operator characters, or any other byte
)

// Progress of the search for the main table.
const (
	tableNoOperation = iota // no operation keyword yet
	tableWantTrigger        // waiting for the keyword after which the table is named
	tableWantName           // the next word is the table
	tableInName             // inside a dotted name (schema.table)
	tableDone
)

// skippedBeforeTable are the keywords that may stand between an operation's trigger
// and its table: UPDATE ONLY t, DROP TABLE IF EXISTS t, INSERT IGNORE INTO t.
var skippedBeforeTable = map[string]bool{
	"ONLY": true, "IF": true, "NOT": true, "EXISTS": true, "TABLE": true, "IGNORE": true,
	"LATERAL": true, "TEMP": true, "TEMPORARY": true, "INTO": true,
}

// fingerprinter turns a statement into its shape in one pass over the input; the only
// backtracking is on its own output, when an IN list or repeated VALUES rows collapse.
type fingerprinter struct {
	out   []byte
	prev  tokenKind
	flags uint8 // keyword flags of the previous token when it was a word
	in    bool  // the previous token was the keyword IN
	depth int   // parentheses open

	// IN (?, ?, ?) → IN (?): the list being watched.
	inDepth  int // depth inside the list's parentheses; -1 when there is none
	inStart  int // offset in out just after its '('
	inSimple bool

	// VALUES (?, ?), (?, ?) → VALUES (?, ?).
	valDepth    int // depth of the VALUES keyword; -1 when not in a VALUES list
	valExpect   tokenKind
	valRowStart int // offset of this row's '('
	valPrev     int // offset of the previous row's '('; -1 for the first row
	valPrevEnd  int

	// The summary.
	op         string
	table      string
	opDepth    int
	trigger    string
	tableState uint8
	tableStart int
	withClause bool
}

// fingerprint computes the shape of query.
func fingerprint(query string) queryShape {
	f := fingerprinter{out: make([]byte, 0, len(query)+8), inDepth: -1, valDepth: -1}
	f.run(query)
	out := f.out
	for len(out) > 0 && out[len(out)-1] == ';' {
		out = out[:len(out)-1]
	}
	s := queryShape{fingerprint: string(out), operation: f.op, table: f.table}
	if s.operation == "" {
		s.operation = OperationOther
	}
	return s
}

func (f *fingerprinter) run(q string) {
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case isWordStart(c):
			end := skipWord(q, i)
			if end < len(q) && q[end] == '\'' {
				i = skipString(q, end) // E'…', N'…', X'…', B'…', _utf8mb4'…'
				f.value()
				break
			}
			f.wordToken(q[i:end])
			i = end
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			i = skipLine(q, i)
		case c == '#' && !(i+1 < len(q) && (q[i+1] == '>' || q[i+1] == '-')):
			i = skipLine(q, i) // MySQL comment; PostgreSQL's #> and #- operators stay
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			i = skipBlockComment(q, i)
		case c == '\'':
			i = skipString(q, i)
			f.value()
		case c == '"' || c == '`':
			end, ok := skipQuoted(q, i, c)
			if ok && identLike(q[i+1:end-1]) {
				f.emit(tkWord, q[i:end], 0)
			} else {
				f.value() // a MySQL string in double quotes, or anything unusual: never kept
			}
			i = end
		case isDigit(c) || (c == '.' && i+1 < len(q) && isDigit(q[i+1])):
			i = skipNumber(q, i)
			f.value()
		case (c == '-' || c == '+') && i+1 < len(q) && isDigit(q[i+1]) && f.signAllowed():
			i = skipNumber(q, i+1)
			f.value()
		case c == '?':
			if i+1 < len(q) && (q[i+1] == '|' || q[i+1] == '&') {
				f.emit(tkOperator, q[i:i+2], 0) // PostgreSQL's jsonb ?| and ?&
				i += 2
				break
			}
			i++
			for i < len(q) && isDigit(q[i]) {
				i++ // SQLite's ?NNN
			}
			f.value()
		case c == '$':
			i = f.dollar(q, i)
		case (c == ':' || c == '@') && i+1 < len(q) && isWordStart(q[i+1]):
			i = skipWord(q, i+1) // :name, @name, @p1
			f.value()
		case c == ':' && i+1 < len(q) && q[i+1] == ':':
			f.emit(tkOperator, "::", 0)
			i += 2
		case c == '(':
			f.emit(tkOpen, "(", 0)
			i++
		case c == ')':
			f.emit(tkClose, ")", 0)
			i++
		case c == ',':
			f.emit(tkComma, ",", 0)
			i++
		case c == '.':
			f.emit(tkDot, ".", 0)
			i++
		case c == ';':
			f.emit(tkSemi, ";", 0)
			i++
		case c == '[':
			f.emit(tkLBracket, "[", 0)
			i++
		case c == ']':
			f.emit(tkRBracket, "]", 0)
			i++
		default:
			end := skipOperator(q, i)
			f.emit(tkOperator, q[i:end], 0)
			i = end
		}
	}
}

// dollar handles what starts with '$': $1 placeholders, $name parameters (SQLite) and
// PostgreSQL's dollar-quoted strings ($$…$$, $tag$…$tag$).
func (f *fingerprinter) dollar(q string, i int) int {
	j := i + 1
	if j < len(q) && isDigit(q[j]) {
		for j < len(q) && isDigit(q[j]) {
			j++
		}
		f.value()
		return j
	}
	for j < len(q) && isWordChar(q[j]) && q[j] != '$' {
		j++
	}
	switch {
	case j < len(q) && q[j] == '$':
		tag := q[i : j+1]
		f.value()
		if k := strings.Index(q[j+1:], tag); k >= 0 {
			return j + 1 + k + len(tag)
		}
		return len(q) // unterminated: the rest is the string
	case j > i+1:
		f.value() // $name
		return j
	}
	f.emit(tkOperator, "$", 0)
	return j
}

func (f *fingerprinter) wordToken(w string) {
	// Keywords are short and plain: anything else is looked up no further.
	var buf [maxKeywordLen]byte
	if len(w) <= maxKeywordLen {
		for k := 0; k < len(w); k++ {
			c := w[k]
			switch {
			case 'a' <= c && c <= 'z':
				c -= 'a' - 'A'
			case 'A' <= c && c <= 'Z' || c == '_':
			default:
				f.emit(tkWord, w, 0)
				return
			}
			buf[k] = c
		}
		if kw, ok := keywords.lookup(buf[:len(w)]); ok {
			if kw.flags&kwLiteral != 0 {
				f.value()
				return
			}
			f.emit(tkWord, kw.name, kw.flags)
			return
		}
	}
	f.emit(tkWord, w, 0)
}

func (f *fingerprinter) value() { f.emit(tkValue, "?", 0) }

// signAllowed tells whether a '+' or '-' before a digit is a sign (x = -1) rather than
// an operator (x-1).
func (f *fingerprinter) signAllowed() bool {
	switch f.prev {
	case tkNone, tkOpen, tkComma, tkOperator, tkSemi, tkLBracket:
		return true
	case tkWord:
		return f.flags&kwKeyword != 0 && f.flags&kwFunc == 0
	}
	return false
}

// emit appends one token with the space before it, and keeps the state of list
// collapsing and of the summary.
func (f *fingerprinter) emit(k tokenKind, text string, flags uint8) {
	if len(f.out) > 0 && f.spaceBefore(k) {
		f.out = append(f.out, ' ')
	}
	start := len(f.out)
	f.out = append(f.out, text...)
	if f.inDepth >= 0 || k == tkOpen {
		f.trackIn(k, start)
	}
	if f.valDepth >= 0 || flags != 0 {
		f.trackValues(k, flags, text, start)
	}
	switch k {
	case tkOpen:
		f.depth++
	case tkClose:
		if f.depth > 0 {
			f.depth--
		}
	}
	if f.tableState != tableDone {
		f.trackSummary(k, text, flags, start)
	}
	// Strings are compared here, never stored: storing one costs a write barrier.
	f.prev, f.flags, f.in = k, flags, flags != 0 && len(text) == 2 && text == "IN"
}

func (f *fingerprinter) spaceBefore(k tokenKind) bool {
	switch {
	case f.prev == tkOpen || f.prev == tkDot || f.prev == tkLBracket:
		return false
	case k == tkClose || k == tkComma || k == tkDot || k == tkSemi || k == tkRBracket:
		return false
	case (k == tkOpen || k == tkLBracket) && f.prev == tkWord:
		// count(*) and items(a, b), but IN (…), VALUES (…), AS (…)
		return f.flags&kwKeyword != 0 && f.flags&kwFunc == 0
	}
	return true
}

// trackIn collapses a list of values after IN: IN (?, ?, ?) → IN (?). It runs after
// the token at start was written, before the depth changes.
func (f *fingerprinter) trackIn(k tokenKind, start int) {
	switch k {
	case tkOpen:
		if f.inDepth >= 0 {
			f.inSimple = false // a nested group: not a plain list
		}
		if f.in {
			f.inDepth, f.inStart, f.inSimple = f.depth+1, len(f.out), true
		}
	case tkClose:
		if f.inDepth >= 0 && f.depth == f.inDepth {
			if f.inSimple && f.inStart < start {
				f.out = append(f.out[:f.inStart], "?)"...)
			}
			f.inDepth = -1
		}
	case tkValue, tkComma:
	default:
		f.inSimple = false
	}
}

// trackValues collapses repeated rows of a VALUES list, so that VALUES (?, ?), (?, ?)
// and VALUES (?, ?) have one fingerprint whatever the number of rows. It runs after the
// token at start was written, before the depth changes.
func (f *fingerprinter) trackValues(k tokenKind, flags uint8, text string, start int) {
	if k == tkWord && flags != 0 && text == "VALUES" {
		f.valDepth, f.valExpect, f.valPrev = f.depth, tkOpen, -1
		return
	}
	switch {
	case f.valDepth < 0 || f.depth > f.valDepth+1 || (f.depth == f.valDepth+1 && k != tkClose):
		// not in a VALUES list, or inside a row
	case f.depth == f.valDepth+1: // the ')' that ends a row
		row := f.out[f.valRowStart:]
		if f.valPrev >= 0 && f.valRowStart-f.valPrevEnd == 2 && string(f.out[f.valPrev:f.valPrevEnd]) == string(row) {
			f.out = f.out[:f.valPrevEnd]
		} else {
			f.valPrev, f.valPrevEnd = f.valRowStart, len(f.out)
		}
		f.valExpect = tkComma
	case f.depth == f.valDepth && k == tkOpen && f.valExpect == tkOpen:
		f.valRowStart = start
	case f.depth == f.valDepth && k == tkComma && f.valExpect == tkComma:
		f.valExpect = tkOpen
	default:
		f.valDepth = -1
	}
}

// trackSummary finds the operation and the main table. It runs after the depth changed.
func (f *fingerprinter) trackSummary(k tokenKind, text string, flags uint8, start int) {
	switch f.tableState {
	case tableNoOperation:
		switch {
		case k != tkWord:
		case flags == 0:
			if !f.withClause {
				f.tableState = tableDone // no keyword first: no operation
			}
		case text == "WITH" && !f.withClause:
			f.withClause = true // the operation is the first one outside the WITH clause
		case flags&kwOperation != 0 && !(f.withClause && f.depth > 0):
			f.op, f.opDepth = text, f.depth
			trigger, ok := tableTrigger[text]
			switch {
			case !ok:
				f.tableState = tableDone
			case trigger == "":
				f.tableState = tableWantName
			default:
				f.trigger, f.tableState = trigger, tableWantTrigger
			}
		}
	case tableWantTrigger:
		if k == tkWord && f.depth == f.opDepth && text == f.trigger && flags != 0 {
			f.tableState = tableWantName
		} else if k == tkSemi {
			f.tableState = tableDone
		}
	case tableWantName:
		switch {
		case k == tkWord && f.depth == f.opDepth && flags != 0 && skippedBeforeTable[text]:
		case k == tkWord && f.depth == f.opDepth:
			f.tableStart, f.tableState = start, tableInName
			f.setTable()
		default:
			f.tableState = tableDone
		}
	case tableInName:
		// schema.table: the name goes on while dots and words alternate.
		if (k == tkDot && f.prev == tkWord) || (k == tkWord && f.prev == tkDot) {
			f.setTable()
			return
		}
		f.tableState = tableDone
	}
}

// setTable takes the main table from the output since tableStart: quotes dropped, and
// only plain ASCII names, so that the summary is a sensible label value.
func (f *fingerprinter) setTable() {
	var buf [maxTableLen]byte
	n := 0
	for _, c := range f.out[f.tableStart:] {
		switch {
		case c == '"' || c == '`':
		case (isASCIIWordChar(c) || c == '.') && n < len(buf):
			buf[n] = c
			n++
		default:
			f.table, f.tableState = "", tableDone
			return
		}
	}
	for n > 0 && buf[n-1] == '.' {
		n--
	}
	if string(buf[:n]) != f.table {
		f.table = string(buf[:n])
	}
}

func skipLine(q string, i int) int {
	for i < len(q) && q[i] != '\n' {
		i++
	}
	return i
}

// skipBlockComment skips a /* */ comment, nested as PostgreSQL nests them; an
// unterminated comment runs to the end.
func skipBlockComment(q string, i int) int {
	depth := 0
	for i < len(q) {
		switch {
		case q[i] == '/' && i+1 < len(q) && q[i+1] == '*':
			depth++
			i += 2
		case q[i] == '*' && i+1 < len(q) && q[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return i
}

// skipString skips a single-quoted string starting at q[i]. A doubled quote and a
// backslash both escape a quote: taking a backslash for an escape where the database does not can
// only make the string longer, so a value is never cut short and leaked.
func skipString(q string, i int) int {
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(q) && q[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// skipQuoted skips an identifier quoted with quote ("…" or `…`), doubled quotes inside;
// ok is false when it is not terminated.
func skipQuoted(q string, i int, quote byte) (end int, ok bool) {
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return len(q), false
}

// identLike tells whether the contents of a quoted identifier look like a name, so that
// it is kept. Anything else (an e-mail address in MySQL's double-quoted strings, say)
// becomes ?.
func identLike(s string) bool {
	if s == "" || len(s) > maxTableLen {
		return false
	}
	for k := 0; k < len(s); k++ {
		if !isASCIIWordChar(s[k]) && s[k] != ' ' {
			return false
		}
	}
	return true
}

// skipNumber skips a number: digits, a decimal point, an exponent, and whatever word
// characters follow (0x1F, 1e10, 12abc): all of it is the literal.
func skipNumber(q string, i int) int {
	start := i
	hex := i+1 < len(q) && q[i] == '0' && (q[i+1] == 'x' || q[i+1] == 'X')
	for i < len(q) {
		c := q[i]
		switch {
		case isWordChar(c):
			i++
		case c == '.' && (i+1 == len(q) || !isWordStart(q[i+1])):
			i++ // 1.5, and 1. on its own
		case (c == '+' || c == '-') && !hex && i > start && (q[i-1] == 'e' || q[i-1] == 'E') &&
			i+1 < len(q) && isDigit(q[i+1]):
			i++
		default:
			return i
		}
	}
	return i
}

func skipWord(q string, i int) int {
	for i < len(q) && isWordChar(q[i]) {
		i++
	}
	return i
}

// skipOperator skips a run of operator characters as PostgreSQL lexes them: a run stops
// before a comment, and does not end in + or - unless it holds one of ~!@#%^&|.
func skipOperator(q string, i int) int {
	const opChars = "+-*/<>=~!@#%^&|"
	j := i
	for j < len(q) && strings.IndexByte(opChars, q[j]) >= 0 {
		if j > i && j+1 < len(q) && ((q[j] == '-' && q[j+1] == '-') || (q[j] == '/' && q[j+1] == '*')) {
			break
		}
		j++
	}
	if j == i {
		return i + 1 // any other byte is a token of its own
	}
	if j-i > 1 && !strings.ContainsAny(q[i:j], "~!@#%^&|") {
		for j-i > 1 && (q[j-1] == '+' || q[j-1] == '-') {
			j--
		}
	}
	return j
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWordStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

func isWordChar(c byte) bool { return isWordStart(c) || isDigit(c) || c == '$' }

func isASCIIWordChar(c byte) bool { return c < 0x80 && isWordChar(c) }
