package sqlfingerprint

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

// fingerprinter keeps the state of the rarer parts of fingerprinting: depth, list
// collapsing and the search for the summary. The main loop in run keeps the rest in
// variables, and calls track only for tokens that may change this state.
type fingerprinter struct {
	depth int   // parentheses open
	mask  token // the tokens track must see: see run
	slow  bool  // every token through run's general path: tests check scanPlain with it

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
	withClause bool
	tableStart int // offsets in out of the table's name: see tableName
	tableEnd   int
}

// fingerprint computes the shape of query. For queries up to stackQuery bytes it
// allocates the fingerprint and nothing else.
func fingerprint(query string) queryShape { return shape(query, false) }

// shape is fingerprint, with scanPlain's fast path taken or, when slow, left aside.
func shape(query string, slow bool) queryShape {
	// Each token adds at most one space to its input bytes, so a fingerprint is at most
	// twice as long as its query: run writes into out by index and never grows it.
	var stack [2*stackQuery + slack]byte
	out := stack[:]
	if len(query) > stackQuery {
		out = make([]byte, 2*len(query)+slack)
	}
	f := fingerprinter{inDepth: -1, valDepth: -1, mask: trackAll, slow: slow}
	n := f.run(trimSpaceRight(query), out)
	for n > 0 && out[n-1] == ';' {
		n--
	}
	s := queryShape{fingerprint: string(out[:n]), operation: f.op}
	if s.operation == "" {
		s.operation = OperationOther
	}
	if f.tableEnd <= len(s.fingerprint) {
		s.table = tableName(s.fingerprint[f.tableStart:f.tableEnd])
	}
	return s
}

// tableName makes the main table's name, as the fingerprint writes it, a sensible label
// value: quotes dropped, only plain ASCII names of up to maxTableLen bytes, no trailing
// dot. The usual name needs no change and is shared with the fingerprint.
func tableName(name string) string {
	quotes := 0
	for k := 0; k < len(name); k++ {
		if c := name[k]; byteBits[c]&bTableName == 0 {
			if c != '"' && c != '`' {
				return ""
			}
			quotes++
		}
	}
	if len(name)-quotes > maxTableLen {
		return ""
	}
	if quotes > 0 {
		kept := 0
		var b [maxTableLen]byte
		for k := 0; k < len(name); k++ {
			if c := name[k]; c != '"' && c != '`' {
				b[kept] = c
				kept++
			}
		}
		name = string(b[:kept])
	}
	for len(name) > 0 && name[len(name)-1] == '.' {
		name = name[:len(name)-1]
	}
	return name
}

// stackQuery is the longest query whose fingerprint is built on the stack.
const stackQuery = 512

// slack is the room run has after the last token it wrote: it reads and writes words
// of up to eight bytes at once.
const slack = 8

// run fingerprints q into out in one pass over its bytes and returns the length
// written; the only backtracking is on out, when an IN list or repeated VALUES rows
// collapse. Each token is written with the space before it, then track sees it if it
// may matter to the lists or the summary: when it is of a kind or has a flag in mask.
//
// scanPlain takes the common tokens in a loop that calls no function, which keeps its
// variables in registers (Go spills every live register around a call); run takes the
// rest here, one token at a time, with its helpers.
func (f *fingerprinter) run(q string, out []byte) int {
	n, i := 0, 0
	prev := tNone
	mask := f.mask
	for {
		var seen token
		var seenAt int
		if f.slow {
			for i < len(q) && byteClass[q[i]] == cSpace {
				i++
			}
		} else {
			i, n, prev, seen, seenAt = scanPlain(q, i, out, n, prev, mask)
		}
		if seen != 0 {
			// A token that track must see, written at out[seenAt:n]; prev is the one before.
			n = f.track(out, n, seen, seenAt, prev)
			mask = f.mask
			prev = seen
			continue
		}
		if i >= len(q) {
			return n
		}
		c := q[i] // no space: skipped above
		cl := byteClass[c]
		before := n
		if n > 0 && spaceBefore(prev, cl, q, i) {
			out[n] = ' '
			n++
		}
		start := n
		tok := tValue
		switch cl {
		case cWord:
			// Copied as it is scanned: most words are no keywords.
			out[n] = c
			n++
			i++
			for i < len(q) && byteBits[q[i]]&bWordChar != 0 {
				out[n] = q[i]
				n++
				i++
			}
			if i < len(q) && q[i] == '\'' {
				i = skipString(q, i) // E'…', N'…', X'…', B'…', _utf8mb4'…'
				n = start
				out[n] = '?'
				n++
				break
			}
			tok = tWord
			kw := lookupKeyword(out[start:n]) // rare here: scanPlain takes the usual words
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
			i = skipNumber(q, i)
			out[n] = '?'
			n++
		case cQuote:
			i = skipString(q, i)
			out[n] = '?'
			n++
		case cIdentQuote:
			end, ok := skipQuoted(q, i, c)
			if ok && identLike(q[i+1:end-1]) {
				tok = tWord
				n += copy(out[n:], q[i:end])
			} else {
				out[n] = '?' // a MySQL string in double quotes, or anything unusual: never kept
				n++
			}
			i = end
		case cOpen, cClose, cComma, cSemi, cLBracket, cRBracket:
			tok = punctuation[cl]
			out[n] = c
			n++
			i++
		case cDot:
			if i+1 < len(q) && isDigit(q[i+1]) {
				i = skipNumber(q, i)
				out[n] = '?'
			} else {
				tok = tDot
				out[n] = '.'
				i++
			}
			n++
		default:
			var end int
			tok, end = otherToken(q, i, prev)
			if tok == 0 { // a comment, which is no token
				i, n = end, before
				continue
			}
			if tok == tValue {
				out[n] = '?'
				n++
			} else {
				for ; i < end; i++ {
					out[n] = q[i]
					n++
				}
			}
			i = end
		}
		if tok&mask != 0 {
			n = f.track(out, n, tok, start, prev)
			mask = f.mask
		}
		prev = tok
	}
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
		f.trackSummary(out, n, tok, start, prev.kind())
	}
	f.mask = alwaysTracked | token(kwValues)
	switch f.tableState {
	case tableNoOperation:
		f.mask |= tWord
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
func (f *fingerprinter) trackSummary(out []byte, n int, tok token, start int, prev tokenKind) {
	k, flags := tok.kind(), tok.flags()
	depth := f.depth
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
