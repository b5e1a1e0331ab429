package sqlfingerprint

import "strings"

// OperationOther is the operation of statements whose first keyword is not a known
// SQL operation.
const OperationOther = "other"

// maxTableLen bounds a main table name, as PostgreSQL bounds identifiers (63 bytes).
const maxTableLen = 63

// Progress of the search for the main table.
const (
	tableNoOperation = iota // no operation keyword yet
	tableWantTrigger        // waiting for the keyword after which the table is named
	tableWantName           // the next word is the table
	tableInName             // inside a dotted name (schema.table)
	tableDone
)

// fingerprinter keeps the state of fingerprinting beyond the current token: the
// dialect, depth, list collapsing and the search for the summary. The main loop in run
// keeps the rest in variables, and calls track only for tokens that may change this
// state.
type fingerprinter struct {
	r     *rules
	depth int   // parentheses open
	mask  token // the tokens track must see: see run

	// MySQL's /*! … */: the offset in the query of the "*/" that ends the one being read,
	// or -1.
	execEnd int

	// The readings with and without backslash escapes parted at a quote (first in the
	// string that starts at q[partAt]), and a string was left open: see shape.
	parted, unclosed bool
	partAt           int

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
	opDepth    int
	trigger    uint32 // flag of the keyword after which the table is named, while waiting for it
	tableState uint8
	inTop      bool // after SQL Server's TOP, before the table
	withClause bool
	tableStart int // offsets in out of the table's name: see tableName
	tableEnd   int

	// A leading WITH clause: the names it defines and the tables its FROMs name, as
	// offsets in out, for a main table that is one of those names (see realTable).
	cteNames     [maxCTEs]span
	cteFroms     [maxCTEs]span
	cteNameCount uint8
	cteFromCount uint8
	cteFrom      uint8 // progress of the table after a FROM in the clause
}

// span is the offsets in out of a name, from start up to end.
type span struct{ start, end int32 }

// maxCTEs bounds the names of a WITH clause, and the tables its FROMs name, that the
// summary looks at: a main table that is a later name is kept.
const maxCTEs = 8

// Progress of the table after a FROM in a WITH clause.
const (
	cteIdle     = iota
	cteWantName // the next word is the table
	cteInName   // inside a dotted name
)

// stackQuery is the longest query whose fingerprint is built on the stack.
const stackQuery = 512

// shape computes the shape of query by the rules r. For queries up to stackQuery bytes
// it allocates the fingerprint and nothing else.
func shape(r *rules, query string) Shape {
	// Each token adds at most one space to its input bytes, so a fingerprint is at most
	// twice as long as its query: run writes into out by index and never grows it.
	var stack [2 * stackQuery]byte
	out := stack[:]
	if len(query) > stackQuery {
		out = make([]byte, 2*len(query))
	}
	query = trimSpaceRight(query)
	f := fingerprinter{r: r, inDepth: -1, valDepth: -1, execEnd: -1, mask: trackAll}
	n := f.run(query, out)
	if f.parted && r.otherEscapes != nil {
		// A backslash stood before a quote, where the reading with backslash escapes
		// and the one without part: MySQL's NO_BACKSLASH_ESCAPES and PostgreSQL's
		// standard_conforming_strings off read the statement the other way. A reading
		// that cannot close its strings is not the server's; if both can, or neither,
		// nothing is kept from the string where they part.
		g := fingerprinter{r: r.otherEscapes, inDepth: -1, valDepth: -1, execEnd: -1, mask: trackAll}
		other := make([]byte, len(out))
		m := g.run(query, other)
		switch {
		case f.unclosed && !g.unclosed:
			f, n, out = g, m, other
		case f.unclosed == g.unclosed:
			// The same up to the parting string, which with all after it becomes one
			// ?: the reading of an unclosed string that starts there.
			cut := query[:f.partAt] + "'"
			f = fingerprinter{r: r, inDepth: -1, valDepth: -1, execEnd: -1, mask: trackAll}
			n = f.run(cut, out)
		}
	}
	for n > 0 && out[n-1] == ';' {
		n--
	}
	s := Shape{Fingerprint: string(out[:n]), Operation: f.op}
	if s.Operation == "" {
		s.Operation = OperationOther
	}
	if f.tableEnd <= len(s.Fingerprint) {
		s.Table = tableName(s.Fingerprint[f.tableStart:f.tableEnd], f.r.fold)
		if f.cteNameCount > 0 && s.Table != "" {
			s.Table = f.realTable(s.Fingerprint, s.Table)
		}
	}
	return s
}

// realTable returns table, the main table of a statement with a WITH clause, unless it
// is one of the names the clause defines; then the first table a FROM in the clause
// names that is none of them (WITH p AS (SELECT … FROM posts) SELECT … FROM p reads
// posts), or "" if there is none.
func (f *fingerprinter) realTable(fp, table string) string {
	if !f.isCTE(fp, table) {
		return table
	}
	for _, sp := range f.cteFroms[:f.cteFromCount] {
		if t := spanTable(fp, sp, f.r.fold); t != "" && !f.isCTE(fp, t) {
			return t
		}
	}
	return ""
}

// isCTE reports whether table is one of the names the WITH clause defines, as the
// dialect compares names.
func (f *fingerprinter) isCTE(fp, table string) bool {
	for _, sp := range f.cteNames[:f.cteNameCount] {
		if spanTable(fp, sp, f.r.fold) == table {
			return true
		}
	}
	return false
}

// spanTable is tableName of the name at sp in the fingerprint fp, or "" if a list that
// collapsed after it was read has cut it off.
func spanTable(fp string, sp span, fold uint8) string {
	if int(sp.end) > len(fp) {
		return ""
	}
	return tableName(fp[sp.start:sp.end], fold)
}

// tableName makes the main table's name, as the fingerprint writes it, a sensible label
// value: quotes dropped, only plain ASCII names of up to maxTableLen bytes, no trailing
// dot, and letters folded to lower case as the dialect's systems compare names (fold),
// so that one table has one name however a statement spells it. The usual name needs
// no change and is shared with the fingerprint.
func tableName(name string, fold uint8) string {
	quotes, upper := 0, false
	for k := 0; k < len(name); k++ {
		if c := name[k]; byteBits[c]&bTableName == 0 {
			if byteBits[c]&bIdentQuote == 0 {
				return ""
			}
			quotes++
		} else if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if len(name)-quotes > maxTableLen {
		return ""
	}
	if quotes > 0 || upper && fold != foldNone {
		kept := 0
		var b [maxTableLen]byte
		quoted := false // inside "…", `…` or […]: no quote can stand inside one (see identLike)
		for k := 0; k < len(name); k++ {
			c := name[k]
			if byteBits[c]&bIdentQuote != 0 {
				switch c {
				case '[':
					quoted = true
				case ']':
					quoted = false
				default:
					quoted = !quoted
				}
				continue
			}
			if 'A' <= c && c <= 'Z' && (fold == foldAll || fold == foldUnquoted && !quoted) {
				c += 'a' - 'A'
			}
			b[kept] = c
			kept++
		}
		name = string(b[:kept])
	}
	for len(name) > 0 && name[len(name)-1] == '.' {
		name = name[:len(name)-1]
	}
	return name
}

// run fingerprints q into out in one pass over its bytes and returns the length
// written; the only backtracking is on out, when an IN list or repeated VALUES rows
// collapse. Each token is written with the space before it, then track sees it if it
// may matter to the lists or the summary: when it is of a kind or has a flag in mask.
//
// Whatever cannot be read for sure by the dialect's rules (an unterminated string, or a
// construct that the dialect's systems read in two ways) runs to the end of q and is
// written as one ?, so that no reading can see a literal outside a ?.
func (f *fingerprinter) run(q string, out []byte) int {
	r := f.r
	n, i := 0, 0
	prev := tNone
	mask := f.mask
	for i < len(q) {
		c := q[i]
		cl := r.class[c]
		if cl == cSpace {
			i++
			continue
		}
		if i == f.execEnd { // the "*/" that ends MySQL's /*! … */
			i += 2
			f.execEnd = -1
			continue
		}
		before := n
		if n > 0 && (spaceBefore(prev, cl, q, i) || cl == cRBracket && r.bracketDoubled && out[n-1] == ']') {
			// (A ']' right after [name] would make "]]", a ']' inside it.)
			out[n] = ' '
			n++
		}
		start := n
		tok := tValue
		end := i + 1
		switch cl {
		case cWord:
			// Copied as it is scanned, and keyed for the keyword table (see packWord) on
			// the way: most words are no keywords.
			var key uint64
			j := i
			for j < len(q) && r.props[q[j]]&bWordChar != 0 {
				if k := j - i; k < 8 {
					key |= uint64(q[j]&0xDF) << (8 * k)
				}
				out[n] = q[j]
				n++
				j++
			}
			end = j
			if j < len(q) && q[j] == '\'' {
				// A prefixed string: E'…', N'…', X'…', B'…', _utf8mb4'…'; in PostgreSQL only
				// E'…' (and e'…') takes backslash escapes.
				if e := r.escapeStrings && j == i+1 && c|0x20 == 'e'; e || r.backslash {
					end = f.skipEscaped(q, j, '\'', e)
				} else {
					end = f.skipString(q, j, '\'')
				}
				n = start
				out[n] = '?'
				n++
				break
			}
			if r.unicodeStrings && j == i+1 && c|0x20 == 'u' && byteAt(q, j) == '&' && byteAt(q, j+1) == '\'' {
				end = f.skipString(q, j+1, '\'') // U&'…': quotes doubled only
				n = start
				out[n] = '?'
				n++
				break
			}
			tok = tWord
			kw := findWord(key, out[start:n])
			if kw.tok == 0 {
				break
			}
			if kw.tok&token(kwLiteral) != 0 {
				tok, n = tValue, start
				out[n] = '?'
				n++
				break
			}
			copy(out[start:n], kw.name)
			tok |= kw.tok
		case cDigit:
			end = skipNumber(q, i)
			out[n] = '?'
			n++
		case cQuote:
			if r.backslash {
				end = f.skipEscaped(q, i, '\'', false)
			} else {
				end = f.skipString(q, i, '\'')
			}
			out[n] = '?'
			n++
		case cDQuote:
			closed := false
			switch {
			case r.dq != dqString:
				end, closed, _ = skipQuoted(q, i, '"', r.ambiguousEscape)
			case r.backslash:
				end = f.skipEscaped(q, i, '"', false)
			default:
				end = f.skipString(q, i, '"')
			}
			if closed && identLike(q[i+1:end-1]) && (r.dq == dqIdentifier || nameGoesHere(prev, q, end)) {
				tok = tWord
				n += copy(out[n:], q[i:end])
			} else {
				out[n] = '?'
				n++
			}
		case cBacktick, cBracketIdent:
			var closed bool
			if cl == cBacktick {
				end, closed, _ = skipQuoted(q, i, '`', r.ambiguousEscape)
			} else {
				end, closed = skipBracketed(q, i, r.bracketDoubled)
			}
			if closed && identLike(q[i+1:end-1]) {
				tok = tWord
				n += copy(out[n:], q[i:end])
			} else {
				out[n] = '?' // anything unusual: never kept
				n++
			}
		case cOpen, cClose, cComma, cSemi, cLBracket, cRBracket:
			tok = punctuation[cl]
			out[n] = c
			n++
		case cDot:
			if i+1 < len(q) && isDigit(q[i+1]) {
				end = skipNumber(q, i)
				out[n] = '?'
			} else {
				tok = tDot
				out[n] = '.'
			}
			n++
		default:
			tok, end = f.otherToken(q, i, prev)
			switch tok {
			case 0: // a comment, which is no token
				if f.execEnd >= 0 && end > f.execEnd && i < f.execEnd {
					out[start] = '?'
					return start + 1
				}
				i, n = end, before
				continue
			case tValue:
				out[n] = '?'
				n++
			default:
				n += copy(out[n:], q[i:end])
			}
		}
		if f.execEnd >= 0 && end > f.execEnd {
			// A token that runs past the "*/" of a /*! … */: a server that skips the
			// comment (its version is too low) reads what follows otherwise.
			out[start] = '?'
			return start + 1
		}
		i = end
		if tok&mask != 0 {
			n = f.track(out, n, tok, start, prev)
			mask = f.mask
		}
		prev = tok
	}
	return n
}

// skipString skips a string without backslash escapes, and notes for shape whether it
// was left open and whether a backslash stood before a quote in it.
func (f *fingerprinter) skipString(q string, i int, quote byte) int {
	end, closed, parted := skipQuoted(q, i, quote, f.r.ambiguousEscape)
	f.noteParted(parted, i)
	f.unclosed = f.unclosed || !closed
	return end
}

// noteParted notes the first string, at q[i], where the readings with and without
// backslash escapes part.
func (f *fingerprinter) noteParted(parted bool, i int) {
	if parted && !f.parted {
		f.parted, f.partAt = true, i
	}
}

// skipEscaped skips a string with backslash escapes, and notes for shape whether it was
// left open and, unless every reading takes its escapes (PostgreSQL's E'…'), whether a
// backslash escaped a quote.
func (f *fingerprinter) skipEscaped(q string, i int, quote byte, always bool) int {
	end, closed, parted := skipEscaped(q, i, quote)
	f.noteParted(parted && !always, i)
	f.unclosed = f.unclosed || !closed
	return end
}

// nameGoesHere tells whether a quoted identifier that ends at q[end], after the token
// prev, stands where a string literal cannot: as a table after FROM, JOIN, INTO, UPDATE
// or TABLE, or on either side of the dot of a qualified name. Where "…" may be a string
// (SQLite, SQL Server with QUOTED_IDENTIFIER OFF), it is kept only there.
func nameGoesHere(prev token, q string, end int) bool {
	if prev&tDot != 0 || prev.flags()&(kwFrom|kwJoin|kwInto|kwTable|kwTableNext) != 0 {
		return true
	}
	for end < len(q) && isSpace(q[end]) {
		end++
	}
	return byteAt(q, end) == '.' && !isDigit(byteAt(q, end+1))
}

// otherToken scans the token that starts at q[i] when it is no word, number, string,
// quoted identifier, dot or punctuation: comments (token 0), operators, signed numbers,
// placeholders and parameters (values), and the words that start with '#', '@' or '$'
// in some dialects.
func (f *fingerprinter) otherToken(q string, i int, prev token) (token, int) {
	r := f.r
	c := q[i]
	next := byteAt(q, i+1)
	switch c {
	case '-':
		if next == '-' {
			// MySQL: "the second dash must be followed by at least one whitespace or
			// control character"; otherwise 1--1 is 1 - -1.
			if after := byteAt(q, i+2); !r.dashNeedsSpace || i+2 == len(q) || after <= ' ' || after == 0x7F {
				return 0, skipLine(q, i, r.crEndsLine, r.ambiguousCR)
			}
		}
	case '#':
		switch r.hash {
		case hashComment:
			return 0, skipLine(q, i, false, false)
		case hashVariable:
			if end := skipSQLiteVariable(q, i); end > i+1 {
				return tValue, end
			}
		case hashWord:
			if end := skipWord(q, i+1, &r.props); end > i+1 {
				return tWord, end // #t, ##t
			}
		}
	case '/':
		if next == '*' {
			if r.execComments {
				if end, ok := f.execComment(q, i); ok {
					return 0, end
				}
			}
			return 0, skipBlockComment(q, i, r.nestedComments, r.ambiguousNest)
		}
	case '?':
		if r.jsonbOperators && (next == '|' || next == '&') {
			return tOperator, i + 2 // PostgreSQL's jsonb ?| and ?&
		}
		i++
		for i < len(q) && isDigit(q[i]) {
			i++ // ?NNN
		}
		return tValue, i
	case '$':
		switch {
		case r.sqliteVariables:
			if end := skipSQLiteVariable(q, i); end > i+1 {
				return tValue, end
			}
		case r.dollarWords:
			if isDigit(next) || next == '.' && isDigit(byteAt(q, i+2)) {
				return tValue, skipNumber(q, i+1) // money: $12.50
			}
			if end := skipWord(q, i+1, &r.props); end > i+1 {
				return tWord, end // $action, $IDENTITY
			}
		case r.dollarQuotes:
			if end, value := skipDollarQuoted(q, i); value {
				return tValue, end
			}
		default:
			if end := skipWord(q, i+1, &r.props); end > i+1 {
				return tValue, end // MySQL: an identifier may start with '$'; never kept
			}
		}
	case ':', '@':
		if r.sqliteVariables {
			if end := skipSQLiteVariable(q, i); end > i+1 {
				return tValue, end
			}
			break
		}
		if c == '@' && next == '@' && r.systemVariables && isWordStart(byteAt(q, i+2)) {
			return tWord, skipWord(q, i+2, &r.props) // @@ROWCOUNT, @@session.sql_mode
		}
		if isWordStart(next) {
			return tValue, skipWord(q, i+1, &r.props) // :name, @name, @p1
		}
		if c == ':' && next == ':' {
			return tOperator, i + 2
		}
	}
	if (c == '-' || c == '+') && isDigit(next) && signAllowed(prev) {
		return tValue, skipNumber(q, i+1)
	}
	return tOperator, skipOperator(q, i)
}

// execComment starts reading MySQL's /*! … */ or MariaDB's /*M! … */ at q[i]: the SQL
// inside is run by a server whose version is at least the one written after the '!', so
// it is fingerprinted as SQL. It returns where that SQL starts; ok is false for any
// other comment. A server whose version is lower skips it as a comment: run takes
// the reading apart where the two part, and an unterminated one is a comment to the end.
func (f *fingerprinter) execComment(q string, i int) (start int, ok bool) {
	j := i + 2
	if byteAt(q, j) == 'M' {
		j++
	}
	if byteAt(q, j) != '!' {
		return 0, false
	}
	j++
	for j < len(q) && isDigit(q[j]) {
		j++
	}
	k := strings.Index(q[j:], "*/")
	if k < 0 || f.execEnd >= 0 {
		return 0, false
	}
	f.execEnd = j + k
	return j, true
}

// track keeps the depth, collapses lists and finds the summary, after tok was written
// at out[start:n]. It returns the new length of out, and sets mask to the tokens it
// must see next.
func (f *fingerprinter) track(out []byte, n int, tok token, start int, prev token) int {
	k, flags := tok.kind(), tok.flags()
	if f.inDepth >= 0 || k == tkOpen {
		n = f.trackIn(out, n, k, start, prev.flags()&kwIn != 0)
	}
	if f.valDepth >= 0 || flags&kwValues != 0 {
		n = f.trackValues(out, n, k, flags, start)
	}
	switch {
	case k == tkOpen:
		f.depth++
	case k == tkClose && f.depth > 0:
		f.depth--
	}
	if f.tableState != tableDone {
		f.trackSummary(out, n, tok, start, prev)
	}
	f.mask = alwaysTracked | token(kwValues)
	switch f.tableState {
	case tableNoOperation:
		f.mask |= tWord
		if f.cteFrom != cteIdle {
			f.mask = trackAll // a FROM's table in a WITH clause, which may be dotted
		}
	case tableWantTrigger:
		f.mask |= token(f.trigger)
	case tableWantName, tableInName:
		f.mask = trackAll
	}
	if f.inDepth >= 0 {
		f.mask |= trackAll &^ (tValue | tComma) // which leave a list plain
	}
	if f.valDepth >= 0 {
		f.mask = trackAll
	}
	return n
}

// trackIn collapses a list of values after IN: IN (?, ?, ?) → IN (?). It runs after
// the token at start was written, before the depth changes.
func (f *fingerprinter) trackIn(out []byte, n int, k tokenKind, start int, afterIn bool) int {
	switch k {
	case tkOpen:
		if f.inDepth >= 0 {
			f.inSimple = false // a nested group: not a plain list
		}
		if afterIn {
			f.inDepth, f.inStart, f.inSimple = f.depth+1, n, true
		}
	case tkClose:
		if f.inDepth >= 0 && f.depth == f.inDepth {
			if f.inSimple && f.inStart < start {
				out[f.inStart], out[f.inStart+1] = '?', ')'
				n = f.inStart + 2
			}
			f.inDepth = -1
		}
	case tkValue, tkComma:
	default:
		f.inSimple = false
	}
	return n
}

// trackValues collapses repeated rows of a VALUES list, so that VALUES (?, ?), (?, ?)
// and VALUES (?, ?) have one fingerprint whatever the number of rows. It runs after the
// token at start was written, before the depth changes.
func (f *fingerprinter) trackValues(out []byte, n int, k tokenKind, flags uint32, start int) int {
	if flags&kwValues != 0 {
		f.valDepth, f.valExpect, f.valPrev = f.depth, tkOpen, -1
		return n
	}
	switch depth := f.depth; {
	case depth > f.valDepth+1 || (depth == f.valDepth+1 && k != tkClose):
		// inside a row
	case depth == f.valDepth+1: // the ')' that ends a row
		row := out[f.valRowStart:n]
		if f.valPrev >= 0 && f.valRowStart-f.valPrevEnd == 2 && string(out[f.valPrev:f.valPrevEnd]) == string(row) {
			n = f.valPrevEnd
		} else {
			f.valPrev, f.valPrevEnd = f.valRowStart, n
		}
		f.valExpect = tkComma
	case depth == f.valDepth && k == tkOpen && f.valExpect == tkOpen:
		f.valRowStart = start
	case depth == f.valDepth && k == tkComma && f.valExpect == tkComma:
		f.valExpect = tkOpen
	default:
		f.valDepth = -1
	}
	return n
}

// trackSummary finds the operation and the main table. It runs after the depth changed.
func (f *fingerprinter) trackSummary(out []byte, n int, tok token, start int, prevTok token) {
	k, flags := tok.kind(), tok.flags()
	prev := prevTok.kind()
	depth := f.depth
	if f.withClause && f.tableState == tableNoOperation {
		f.trackWith(n, tok, start, prevTok)
	}
	switch f.tableState {
	case tableNoOperation:
		switch {
		case k != tkWord:
		case flags == 0:
			if !f.withClause {
				f.tableState = tableDone // no keyword first: no operation
			}
		case flags&kwWith != 0 && !f.withClause:
			f.withClause = true // the operation is the first one outside the WITH clause
		case flags&kwOperation != 0 && !(f.withClause && depth > 0):
			f.op, f.opDepth = keywords[uint8(tok>>indexShift)].name, depth
			switch {
			case flags&kwTableNext != 0:
				f.tableState = tableWantName
			case flags&kwTableAfterFrom != 0:
				f.trigger, f.tableState = kwFrom, tableWantTrigger
			case flags&kwTableAfterInto != 0:
				f.trigger, f.tableState = kwInto, tableWantTrigger
			case flags&kwTableAfterTable != 0:
				f.trigger, f.tableState = kwTable, tableWantTrigger
			default:
				f.tableState = tableDone
			}
		}
	case tableWantTrigger:
		if depth == f.opDepth && flags&f.trigger != 0 {
			f.tableState = tableWantName
		} else if k == tkSemi {
			f.tableState = tableDone
		}
	case tableWantName:
		switch {
		case f.inTop && (depth > f.opDepth || k == tkClose || k == tkValue):
			// UPDATE TOP (10) t, DELETE TOP (5) PERCENT FROM t: the limit is no table.
		case k == tkWord && depth == f.opDepth && flags&kwTop != 0 && f.r.top:
			f.inTop = true
		case k == tkWord && depth == f.opDepth && flags&kwBeforeTable != 0:
		case k == tkWord && depth == f.opDepth:
			f.tableStart, f.tableEnd, f.tableState = start, n, tableInName
		default:
			f.tableState = tableDone
		}
	case tableInName:
		// schema.table: the name goes on while dots and words alternate.
		if (k == tkDot && prev == tkWord) || (k == tkWord && prev == tkDot) {
			f.tableEnd = n
			return
		}
		f.tableState = tableDone
	}
	if f.tableState != tableWantTrigger {
		f.trigger = 0
	}
}

// trackWith notes, in a leading WITH clause, the names the clause defines (a word at
// depth 0 after WITH, RECURSIVE or a comma) and the tables its FROMs name, for
// realTable. It runs after the depth changed.
func (f *fingerprinter) trackWith(n int, tok token, start int, prev token) {
	k, flags := tok.kind(), tok.flags()
	switch f.cteFrom {
	case cteInName:
		if (k == tkDot && prev.kind() == tkWord) || (k == tkWord && prev.kind() == tkDot) {
			f.cteFroms[f.cteFromCount-1].end = int32(n)
			return
		}
		f.cteFrom = cteIdle
	case cteWantName:
		if k == tkWord && flags&kwBeforeTable != 0 {
			return // FROM ONLY t, FROM LATERAL …
		}
		f.cteFrom = cteIdle
		if k == tkWord {
			f.cteFroms[f.cteFromCount] = span{int32(start), int32(n)}
			f.cteFromCount++
			f.cteFrom = cteInName
			return
		}
	}
	switch {
	case k != tkWord:
	case flags&kwFrom != 0:
		if f.cteFromCount < maxCTEs {
			f.cteFrom = cteWantName
		}
	case f.depth == 0 && flags&^kwKeyword == 0 && (prev.flags()&(kwWith|kwRecursive) != 0 || prev.kind() == tkComma):
		if f.cteNameCount < maxCTEs {
			f.cteNames[f.cteNameCount] = span{int32(start), int32(n)}
			f.cteNameCount++
		}
	}
}
