package instrument

import (
	"encoding/binary"
	"math/bits"
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

// Keyword flags: what the fingerprinter needs to know about a word. The later ones
// stand for comparisons with the word's text, which a bit test makes cheap.
const (
	kwKeyword     uint32 = 1 << iota // written in upper case
	kwFunc                           // a function name: no space before its '('
	kwOperation                      // starts a statement; the db_operation_name
	kwLiteral                        // TRUE, FALSE: a value, written as ?
	kwIn                             // IN: a list of values may follow
	kwValues                         // VALUES: rows follow
	kwWith                           // WITH: the operation is the first one after its clause
	kwBeforeTable                    // may stand between an operation's trigger and its table
	kwFrom                           // FROM, INTO, TABLE: triggers, after which a table is named
	kwInto
	kwTable
	kwTableNext      // an operation whose table is named right after it
	kwTableAfterFrom // an operation whose table is named after FROM
	kwTableAfterInto
	kwTableAfterTable
)

// A keyword is a word the fingerprinter knows: its upper-case spelling, its flags, and
// its first eight bytes packed as findKeyword compares them.
type keyword struct {
	name  string
	flags uint32
	key0  uint64
}

// maxKeywordLen is the length of the longest keyword, CURRENT_TIMESTAMP.
const maxKeywordLen = 17

// keywords are the words written in upper case. The list need not be complete: a
// keyword missing from it only keeps the case it was written in. Words are found
// through keywordSlots, an open-addressed table on a hash of the packed word, so that
// a look-up costs a few integer comparisons and no string comparison; keywordFilter
// tells which words may be keywords from their length and the low five bits of their
// first and last bytes (the same for both cases of a letter), a bit test that spares
// most identifiers the look-up.
var keywords, keywordSlots, keywordFilter = func() ([]keyword, [keywordSlotCount]uint8, [maxKeywordLen + 1][32]uint32) {
	var list []keyword
	add := func(flags uint32, words string) {
		for _, w := range strings.Fields(words) {
			list = append(list, keyword{name: w, flags: kwKeyword | flags, key0: packWord(w)})
		}
	}
	add(0, `ALL AND ANY AS ASC BETWEEN BY CASE CAST COLUMN CONFLICT CONSTRAINT CROSS CURRENT_DATE
		CURRENT_TIMESTAMP DEFAULT DESC DISTINCT ELSE END ESCAPE EXCEPT FETCH FIRST FOR FOREIGN
		FULL GROUP HAVING ILIKE INDEX INNER INTERSECT INTERVAL IS JOIN KEY
		LEFT LIKE LIMIT LOCKED MATERIALIZED NATURAL NEXT NOTHING NOWAIT NULL NULLS OF OFFSET ON
		OR ORDER OUTER OVER PARTITION PRIMARY RECURSIVE REFERENCES RETURNING RIGHT ROW ROWS SHARE SKIP
		SOME THEN TO UNION UNIQUE USING VIEW WHEN WHERE WINDOW WITHOUT ZONE
		INTEGER INT BIGINT SMALLINT TEXT VARCHAR BOOLEAN TIMESTAMP TIMESTAMPTZ DATE TIME NUMERIC REAL
		SERIAL BIGSERIAL BLOB JSON JSONB UUID ISOLATION LEVEL READ WRITE COMMITTED SERIALIZABLE WORK
		TRANSACTION`)
	add(kwIn, `IN`)
	add(kwValues, `VALUES`)
	add(kwWith, `WITH`)
	add(kwFrom, `FROM`)
	add(kwInto|kwBeforeTable, `INTO`)
	add(kwTable|kwBeforeTable, `TABLE`)
	// UPDATE ONLY t, DROP TABLE IF EXISTS t, INSERT IGNORE INTO t, CREATE TEMP TABLE t.
	add(kwBeforeTable, `ONLY IF NOT EXISTS IGNORE LATERAL TEMP TEMPORARY`)
	add(kwFunc, `ARRAY AVG COALESCE COUNT GREATEST LEAST LENGTH LOWER MAX MIN NOW NULLIF SUBSTRING SUM
		TRIM UPPER`)
	add(kwOperation|kwTableAfterFrom, `SELECT DELETE`)
	add(kwOperation|kwTableAfterInto, `INSERT REPLACE MERGE`)
	add(kwOperation|kwTableNext, `UPDATE TRUNCATE COPY`)
	add(kwOperation|kwTableAfterTable, `CREATE DROP ALTER`)
	add(kwOperation, `ANALYZE BEGIN CALL CLOSE COMMIT DEALLOCATE DECLARE DO EXECUTE EXPLAIN GRANT
		LISTEN LOCK NOTIFY PRAGMA PREPARE REINDEX RELEASE RESET REVOKE ROLLBACK SAVEPOINT SET SHOW
		START UNLISTEN USE VACUUM`)
	add(kwLiteral, `TRUE FALSE`)

	var slots [keywordSlotCount]uint8
	var filter [maxKeywordLen + 1][32]uint32
	for i, kw := range list {
		n := len(kw.name)
		filter[n][kw.name[0]&31] |= 1 << (kw.name[n-1] & 31)
		h := keywordHash(kw.key0, len(kw.name))
		for slots[h%keywordSlotCount] != 0 {
			h++
		}
		slots[h%keywordSlotCount] = uint8(i + 1) // 0 marks an empty slot
	}
	return list, slots, filter
}()

// keywordSlotCount is a power of two several times the number of keywords (below 255,
// the largest index a slot holds).
const keywordSlotCount = 1024

// packWord packs the first eight bytes of a word, case-folded, into an integer: c&0xDF
// maps a lower-case ASCII letter to its upper case, and no byte that can appear in a
// word other than a letter or '_' to a letter or '_', so a word matches a keyword
// exactly when it is the keyword but for the case of letters.
func packWord[S string | []byte](w S) (key0 uint64) {
	for i := 0; i < len(w) && i < 8; i++ {
		key0 |= uint64(w[i]&0xDF) << (8 * i)
	}
	return key0
}

func keywordHash(key0 uint64, n int) uint32 {
	return uint32((key0 ^ uint64(n)) * 0x9E3779B97F4A7C15 >> 40)
}

// lookupKeyword finds the keyword w is, whatever its case; it returns nil for any
// other word.
func lookupKeyword(w []byte) *keyword {
	if n := len(w); n == 0 || n > maxKeywordLen || keywordFilter[n][w[0]&31]&(1<<(w[n-1]&31)) == 0 {
		return nil
	}
	return findKeyword(w)
}

// findKeyword is lookupKeyword for a word of 1 to maxKeywordLen bytes.
func findKeyword(w []byte) *keyword {
	// Most keywords fit in the first integer: the others are compared byte by byte.
	key0 := packWord(w)
	for h := keywordHash(key0, len(w)); ; h++ {
		i := keywordSlots[h%keywordSlotCount]
		if i == 0 {
			return nil
		}
		if kw := &keywords[i-1]; kw.key0 == key0 && len(kw.name) == len(w) && (len(w) <= 8 || equalFold(w[8:], kw.name[8:])) {
			return kw
		}
	}
}

// equalFold compares w with upper, an upper-case keyword, as packWord does.
func equalFold(w []byte, upper string) bool {
	for i := range w {
		if w[i]&0xDF != upper[i] {
			return false
		}
	}
	return true
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

// fingerprinter keeps the state of the rarer parts of fingerprinting: depth, list
// collapsing and the search for the summary. The main loop in run keeps the rest in
// variables, and calls track only for tokens that may change this state.
type fingerprinter struct {
	depth int   // parentheses open
	mask  token // the tokens track must see: see run

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
	tableStart int // offset in out of the table's first token
	tableLen   int
	table      [maxTableLen]byte
}

// fingerprint computes the shape of query. For queries up to stackQuery bytes it
// allocates the fingerprint and nothing else.
func fingerprint(query string) queryShape {
	// Each token adds at most one space to its input bytes, so a fingerprint is at most
	// twice as long as its query: run writes into out by index and never grows it.
	var stack [2*stackQuery + slack]byte
	out := stack[:]
	if len(query) > stackQuery {
		out = make([]byte, 2*len(query)+slack)
	}
	f := fingerprinter{inDepth: -1, valDepth: -1, mask: trackAll}
	n := f.run(trimSpaceRight(query), out)
	for n > 0 && out[n-1] == ';' {
		n--
	}
	s := queryShape{fingerprint: string(out[:n]), operation: f.op}
	if s.operation == "" {
		s.operation = OperationOther
	}
	if t := f.table[:f.tableLen]; len(t) > 0 {
		// The table is usually written in the fingerprint as it is named: share it.
		if end := f.tableStart + len(t); end <= len(s.fingerprint) && s.fingerprint[f.tableStart:end] == string(t) {
			s.table = s.fingerprint[f.tableStart:end]
		} else {
			s.table = string(t)
		}
	}
	return s
}

// stackQuery is the longest query whose fingerprint is built on the stack.
const stackQuery = 512

// slack is the room run has after the last token it wrote: it reads and writes words
// of up to eight bytes at once.
const slack = 8

// Byte classes, which the main loop switches on.
const (
	cOther      uint8 = iota // an operator character or any other byte
	cSpace                   // space, \t, \n, \r, \f, \v
	cWord                    // starts a word: a letter, '_' or any byte of a multi-byte character
	cDigit                   // 0-9
	cQuote                   // '
	cIdentQuote              // " and `
	cMinus
	cPlus
	cHash
	cSlash
	cDot
	cQuestion
	cDollar
	cColon
	cAt
	cOpen
	cClose
	cComma
	cSemi
	cLBracket
	cRBracket
)

// Byte properties.
const (
	bWordStart uint8 = 1 << iota
	bWordChar        // a word start, a digit or '$'
	bDigit
	bOperator       // may be part of an operator: +-*/<>=~!@#%^&|
	bStrongOperator // ~!@#%^&|: an operator holding one may end in + or -
)

var byteClass, byteBits = func() (class, bits [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80:
			class[c], bits[c] = cWord, bWordStart|bWordChar
		case '0' <= c && c <= '9':
			class[c], bits[c] = cDigit, bDigit|bWordChar
		}
	}
	bits['$'] |= bWordChar
	for _, c := range []byte("+-*/<>=~!@#%^&|") {
		bits[c] |= bOperator
	}
	for _, c := range []byte("~!@#%^&|") {
		bits[c] |= bStrongOperator
	}
	for _, c := range []byte(" \t\n\r\f\v") {
		class[c] = cSpace
	}
	for c, cl := range map[byte]uint8{
		'\'': cQuote, '"': cIdentQuote, '`': cIdentQuote, '-': cMinus, '+': cPlus, '#': cHash,
		'/': cSlash, '.': cDot, '?': cQuestion, '$': cDollar, ':': cColon, '@': cAt,
		'(': cOpen, ')': cClose, ',': cComma, ';': cSemi, '[': cLBracket, ']': cRBracket,
	} {
		class[c] = cl
	}
	return class, bits
}()

// A token is the flags of a keyword (0 for other words and tokens) with one bit for
// its kind above them: the main loop keeps the previous token in one variable, and most
// of its decisions are bit tests.
type token uint32

const kindShift = 16

func tokenOf(k tokenKind, flags uint32) token { return token(flags) | 1<<(kindShift+k) }

func (t token) kind() tokenKind { return tokenKind(bits.TrailingZeros32(uint32(t) >> kindShift)) }
func (t token) flags() uint32   { return uint32(t) & (1<<kindShift - 1) }

// Token bits of each kind, and sets of kinds.
const (
	tWord     token = 1 << (kindShift + tkWord)
	tValue    token = 1 << (kindShift + tkValue)
	tOpen     token = 1 << (kindShift + tkOpen)
	tClose    token = 1 << (kindShift + tkClose)
	tComma    token = 1 << (kindShift + tkComma)
	tDot      token = 1 << (kindShift + tkDot)
	tSemi     token = 1 << (kindShift + tkSemi)
	tLBracket token = 1 << (kindShift + tkLBracket)
	tRBracket token = 1 << (kindShift + tkRBracket)
	tOperator token = 1 << (kindShift + tkOperator)

	noSpaceAfter  = tOpen | tDot | tLBracket // kinds a space never follows
	alwaysTracked = tOpen | tClose | tSemi   // kinds that always go through track
	trackAll      = ^token(0)
)

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
	prev := tokenOf(tkNone, 0)
	mask := f.mask
	for {
		var seen token
		var seenAt int
		i, n, prev, seen, seenAt = scanPlain(q, i, out, n, prev, mask)
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
		c := q[i] // no space: scanPlain skipped them
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
			if kw == nil {
				break
			}
			if kw.flags&kwLiteral != 0 {
				tok, n = tValue, start
				out[n] = '?'
				n++
				break
			}
			copy(out[start:n], kw.name)
			tok |= token(kw.flags)
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

// scanPlain is the hot part of run: it fingerprints the plain tokens from q[i] — words
// of up to eight bytes or that are no keyword, commas, brackets and dots — and skips
// whitespace, until a token it leaves to run or the end of q. It calls no function, so
// that its variables stay in registers. It returns where it stopped, the length of out
// and the previous token; when it stopped after writing a token that track must see,
// it returns that token too, with its start in out (prev is then the token before it).
//
//go:noinline
func scanPlain(q string, i int, out []byte, n int, prev, mask token) (int, int, token, token, int) {
	for i < len(q) {
		c := q[i]
		cl := byteClass[c]
		switch cl {
		case cSpace:
			i++
		case cWord:
			before := n
			if n > 0 && prev&noSpaceAfter == 0 {
				out[n] = ' '
				n++
			}
			start := n
			// Copied as it is scanned: most words are no keywords.
			out[n] = c
			n++
			j := i + 1
			for j < len(q) && byteBits[q[j]]&bWordChar != 0 {
				out[n] = q[j]
				n++
				j++
			}
			if j < len(q) && q[j] == '\'' {
				return i, before, prev, 0, 0 // E'…' and the like: run's
			}
			tok := tWord
			if w := j - i; w <= maxKeywordLen && keywordFilter[w][c&31]&(1<<(q[j-1]&31)) != 0 {
				if w > 8 {
					return i, before, prev, 0, 0 // maybe a long keyword: run's
				}
				// findKeyword, written out: out has room for eight bytes after any
				// token, so they are read in one go.
				key0 := binary.LittleEndian.Uint64(out[start:]) & foldMask[w]
				for h := keywordHash(key0, w); ; h++ {
					slot := keywordSlots[h%keywordSlotCount]
					if slot == 0 {
						break
					}
					if kw := &keywords[slot-1]; kw.key0 == key0 && len(kw.name) == w {
						if kw.flags&kwLiteral != 0 {
							tok, n = tValue, start
							out[n] = '?'
							n++
						} else {
							binary.LittleEndian.PutUint64(out[start:], kw.key0) // and garbage after n
							tok |= token(kw.flags)
						}
						break
					}
				}
			}
			i = j
			if tok&mask != 0 {
				return i, n, prev, tok, start
			}
			prev = tok
		case cComma, cLBracket, cRBracket:
			tok := punctuation[cl]
			if tok&mask != 0 {
				return i, n, prev, 0, 0
			}
			if cl == cLBracket && n > 0 && spaceBefore(prev, cl, q, i) {
				out[n] = ' '
				n++
			}
			out[n] = c
			n++
			i++
			prev = tok
		case cDot:
			if tDot&mask != 0 || i+1 < len(q) && isDigit(q[i+1]) {
				return i, n, prev, 0, 0
			}
			out[n] = '.' // never a space before: a number would have been
			n++
			i++
			prev = tDot
		default:
			return i, n, prev, 0, 0
		}
	}
	return i, n, prev, 0, 0
}

// foldMask[w] keeps the first w bytes of an integer packed as packWord packs a word,
// and folds their case.
var foldMask = [9]uint64{0, 0xDF, 0xDFDF, 0xDFDFDF, 0xDFDFDFDF, 0xDFDFDFDFDF, 0xDFDFDFDFDFDF,
	0xDFDFDFDFDFDFDF, 0xDFDFDFDFDFDFDFDF}

// trimSpaceRight drops the whitespace at the end of q, which makes no token, eight
// bytes at a time where it can: statements built from templates often end in padding.
func trimSpaceRight(q string) string {
	for len(q) >= 8 && load64(q, len(q)-8) == 0x2020202020202020 {
		q = q[:len(q)-8]
	}
	for len(q) > 0 && byteClass[q[len(q)-1]] == cSpace {
		q = q[:len(q)-1]
	}
	return q
}

// load64 reads the eight bytes at s[i:] as one little-endian integer.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// punctuation are the tokens of the punctuation byte classes.
var punctuation = [...]token{cOpen: tOpen, cClose: tClose, cComma: tComma, cSemi: tSemi,
	cLBracket: tLBracket, cRBracket: tRBracket}

// otherToken scans the token that starts at q[i] when it is no word, number, string,
// quoted identifier, dot or punctuation: comments (token 0), operators, signed numbers,
// placeholders and parameters (values).
func otherToken(q string, i int, prev token) (token, int) {
	c := q[i]
	next := byte(0)
	if i+1 < len(q) {
		next = q[i+1]
	}
	switch {
	case c == '-' && next == '-':
		return 0, skipLine(q, i)
	case c == '#' && next != '>' && next != '-':
		return 0, skipLine(q, i) // MySQL comment; PostgreSQL's #> and #- operators stay
	case c == '/' && next == '*':
		return 0, skipBlockComment(q, i)
	case (c == '-' || c == '+') && isDigit(next) && signAllowed(prev):
		return tValue, skipNumber(q, i+1)
	case c == '?' && (next == '|' || next == '&'):
		return tOperator, i + 2 // PostgreSQL's jsonb ?| and ?&
	case c == '?':
		i++
		for i < len(q) && isDigit(q[i]) {
			i++ // SQLite's ?NNN
		}
		return tValue, i
	case c == '$':
		if end, value := dollar(q, i); value {
			return tValue, end
		}
		return tOperator, i + 1
	case (c == ':' || c == '@') && isWordStart(next):
		return tValue, skipWord(q, i+1) // :name, @name, @p1
	case c == ':' && next == ':':
		return tOperator, i + 2
	}
	return tOperator, skipOperator(q, i)
}

// spaceBefore tells whether a space goes between the previous token and the one that
// starts at q[i], of byte class cl. (A comment takes its space back.)
func spaceBefore(prev token, cl uint8, q string, i int) bool {
	if prev&noSpaceAfter != 0 {
		return false
	}
	switch cl {
	case cClose, cComma, cSemi, cRBracket:
		return false
	case cDot:
		return i+1 < len(q) && isDigit(q[i+1]) // .5 is a number
	case cOpen, cLBracket:
		// count(*) and items(a, b), but IN (…), VALUES (…), AS (…)
		return prev&tWord == 0 || uint32(prev)&(kwKeyword|kwFunc) == kwKeyword
	}
	return true
}

// signAllowed tells whether a '+' or '-' before a digit is a sign (x = -1) rather than
// an operator (x-1), from the token before it.
func signAllowed(prev token) bool {
	switch prev.kind() {
	case tkNone, tkOpen, tkComma, tkOperator, tkSemi, tkLBracket:
		return true
	case tkWord:
		return prev.flags()&(kwKeyword|kwFunc) == kwKeyword
	}
	return false
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
		f.trackSummary(out, n, k, flags, start, prev.kind())
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
func (f *fingerprinter) trackSummary(out []byte, n int, k tokenKind, flags uint32, start int, prev tokenKind) {
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
			f.op, f.opDepth = lookupKeyword(out[start:n]).name, depth
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
			f.tableStart, f.tableState = start, tableInName
			f.setTable(out[:n])
		default:
			f.tableState = tableDone
		}
	case tableInName:
		// schema.table: the name goes on while dots and words alternate.
		if (k == tkDot && prev == tkWord) || (k == tkWord && prev == tkDot) {
			f.setTable(out[:n])
			return
		}
		f.tableState = tableDone
	}
	if f.tableState != tableWantTrigger {
		f.trigger = 0
	}
}

// dollar scans what starts with '$': $1 placeholders, $name parameters (SQLite) and
// PostgreSQL's dollar-quoted strings ($$…$$, $tag$…$tag$), which are values; a '$' on
// its own is not.
func dollar(q string, i int) (end int, value bool) {
	j := i + 1
	if j < len(q) && isDigit(q[j]) {
		for j < len(q) && isDigit(q[j]) {
			j++
		}
		return j, true
	}
	for j < len(q) && isWordChar(q[j]) && q[j] != '$' {
		j++
	}
	switch {
	case j < len(q) && q[j] == '$':
		tag := q[i : j+1]
		if k := strings.Index(q[j+1:], tag); k >= 0 {
			return j + 1 + k + len(tag), true
		}
		return len(q), true // unterminated: the rest is the string
	case j > i+1:
		return j, true // $name
	}
	return j, false
}

// setTable takes the main table from out since tableStart: quotes dropped, and only
// plain ASCII names, so that the summary is a sensible label value.
func (f *fingerprinter) setTable(out []byte) {
	n := 0
	for _, c := range out[f.tableStart:] {
		switch {
		case c == '"' || c == '`':
		case (isASCIIWordChar(c) || c == '.') && n < len(f.table):
			f.table[n] = c
			n++
		default:
			f.tableLen, f.tableState = 0, tableDone
			return
		}
	}
	for n > 0 && f.table[n-1] == '.' {
		n--
	}
	f.tableLen = n
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
	j := i
	strong := false
	for j < len(q) && byteBits[q[j]]&bOperator != 0 {
		if j > i && j+1 < len(q) && ((q[j] == '-' && q[j+1] == '-') || (q[j] == '/' && q[j+1] == '*')) {
			break
		}
		strong = strong || byteBits[q[j]]&bStrongOperator != 0
		j++
	}
	if j == i {
		return i + 1 // any other byte is a token of its own
	}
	if j-i > 1 && !strong {
		for j-i > 1 && (q[j-1] == '+' || q[j-1] == '-') {
			j--
		}
	}
	return j
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWordStart(c byte) bool { return byteBits[c]&bWordStart != 0 }

func isWordChar(c byte) bool { return byteBits[c]&bWordChar != 0 }

func isASCIIWordChar(c byte) bool { return c < 0x80 && isWordChar(c) }
