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
	bTableName      // may be part of a main table's name: ASCII word characters and '.'
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
	for c := 0; c < 0x80; c++ {
		if bits[c]&bWordChar != 0 || c == '.' {
			bits[c] |= bTableName
		}
	}
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
type token uint64

// kindShift is where the kind bits start; indexShift where a keyword's index in keywords
// does.
const (
	kindShift  = 16
	indexShift = 32
)

func tokenOf(k tokenKind, flags uint32) token { return token(flags) | 1<<(kindShift+k) }

func (t token) kind() tokenKind { return tokenKind(bits.TrailingZeros32(uint32(t) >> kindShift)) }
func (t token) flags() uint32   { return uint32(t) & (1<<kindShift - 1) }

// Token bits of each kind, and sets of kinds.
const (
	tNone     token = 1 << (kindShift + tkNone) // before the first token
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

	noSpaceAfter  = tNone | tOpen | tDot | tLBracket // kinds a space never follows
	alwaysTracked = tOpen | tClose | tSemi           // kinds that always go through track
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

// scanPlain is the hot part of run: it fingerprints the common tokens from q[i] — words,
// plain numbers, strings, placeholders, single-byte operators and punctuation — and
// skips whitespace, until a token it leaves to run or the end of q. It calls no
// function, so that its variables stay in registers. It returns where it stopped, the
// length of out and the previous token; when it stopped after writing a token that
// track must see, it returns that token too, with its start in out (prev is then the
// token before it).
//
// A space is written before every token and kept (sp is 1) when prev allows one, which
// spares a branch; words are read and written eight bytes at a time. out has room for
// eight bytes after any token.
//
//go:noinline
func scanPlain(q string, i int, out []byte, n int, prev, mask token) (int, int, token, token, int) {
tokens:
	for {
		for i < len(q) && q[i] == ' ' {
			i++
		}
		if i >= len(q) {
			return i, n, prev, 0, 0
		}
		c := q[i]
		out[n] = ' '
		sp := 0
		if prev&noSpaceAfter == 0 {
			sp = 1
		}
		tok, size := tValue, 1 // the token, and the bytes it takes in out
		switch byteClass[c] {
		case cSpace:
			i++
			continue
		case cWord:
			// Words, and the separators between them while the next word follows at
			// once (a.b, a, b and a b), are taken here without going round the loop.
			n += sp
			for {
				if i+8 > len(q) {
					return i, n - sp, prev, 0, 0 // the end of q: run's
				}
				v := load64(q, i)
				w := uint(wordPrefix(v))
				// The bytes after the word (w < 8), the first two 0 past the eight.
				sh := 8 * (w & 7)
				next, after, after2 := byte(v>>sh), byte(v>>sh>>8), byte(v>>sh>>16)
				if w == 8 || next == '$' {
					// Longer than eight bytes, or holding a '$', which wordPrefix leaves.
					after = 0
					j := i + int(w)
					for j < len(q) && byteBits[q[j]]&bWordChar != 0 {
						j++
					}
					next = 0
					if j < len(q) {
						next = q[j]
					}
					w = uint(min(j-i, 8))
					if j > i+8 && next != '\'' {
						if key := keywordKey(v&foldMask[8], j-i); findKeyword(key).key == key {
							return i, n - sp, prev, 0, 0 // maybe a long keyword: run's
						}
						tok, size = tWord, j-i
						for ; i+8 <= j; i += 8 {
							put64(out, n, load64(q, i))
							n += 8
						}
						for ; i < j; i++ {
							out[n] = q[i]
							n++
						}
						if tok&mask != 0 {
							return i, n, prev, tok, n - size
						}
						prev = tok
						continue tokens
					}
				}
				if next == '\'' {
					return i, n - sp, prev, 0, 0 // E'…' and the like: run's
				}
				put64(out, n, v) // the word, and garbage after it
				i += int(w)
				tok, size = tWord, int(w)
				key := v & foldMask[w]
				if kw := findKeyword(key); kw.key == key {
					if kw.tok&token(kwLiteral) != 0 {
						tok, size = tValue, 1
						out[n] = '?'
					} else {
						put64(out, n, key)
						tok |= kw.tok
					}
				}
				n += size
				if tok&mask != 0 {
					return i, n, prev, tok, n - size
				}
				prev = tok
				switch {
				case next == ' ' && byteBits[after]&bWordStart != 0:
					out[n] = ' '
					n, i, sp = n+1, i+1, 1
				case next == '.' && mask&tDot == 0 && byteBits[after]&bWordStart != 0:
					out[n] = '.'
					n, i, sp, prev = n+1, i+1, 0, tDot
				case next == ',' && mask&tComma == 0 && after == ' ' && byteBits[after2]&bWordStart != 0:
					out[n], out[n+1] = ',', ' '
					n, i, sp, prev = n+2, i+2, 1, tComma
				default:
					continue tokens
				}
			}
		case cDigit:
			j := i + 1
			for j < len(q) && byteBits[q[j]]&bDigit != 0 {
				j++
			}
			if j < len(q) && (byteBits[q[j]]&bWordChar != 0 || q[j] == '.') {
				return i, n, prev, 0, 0 // 1.5, 1e10, 0x1F: run's
			}
			i = j
			n += sp
			out[n] = '?'
		case cQuote:
			i = skipString(q, i)
			n += sp
			out[n] = '?'
		case cDollar, cQuestion:
			// $1, ?, ?1; run takes $name, $$…$$, ?| and ?&.
			j := i + 1
			if c == '$' && (j >= len(q) || byteBits[q[j]]&bDigit == 0) ||
				c == '?' && j < len(q) && (q[j] == '|' || q[j] == '&') {
				return i, n, prev, 0, 0
			}
			for j < len(q) && byteBits[q[j]]&bDigit != 0 {
				j++
			}
			i = j
			n += sp
			out[n] = '?'
		case cOther:
			// A byte on its own, or an operator of one byte: longer ones are run's.
			if byteBits[c]&bOperator != 0 && i+1 < len(q) && byteBits[q[i+1]]&bOperator != 0 {
				return i, n, prev, 0, 0
			}
			tok = tOperator
			n += sp
			out[n] = c
			i++
		case cOpen, cLBracket:
			// count(*) and items(a, b), but IN (…), VALUES (…), AS (…)
			if prev&tWord == 0 || uint32(prev)&(kwKeyword|kwFunc) == kwKeyword {
				n += sp
			}
			tok = punctuation[byteClass[c]]
			out[n] = c
			i++
		case cClose, cComma, cSemi, cRBracket:
			tok = punctuation[byteClass[c]]
			out[n] = c
			i++
		case cDot:
			if i+1 < len(q) && byteBits[q[i+1]]&bDigit != 0 {
				return i, n, prev, 0, 0 // .5: run's
			}
			tok = tDot
			out[n] = '.'
			i++
		default:
			return i, n, prev, 0, 0
		}
		n += size
		if tok&mask != 0 {
			return i, n, prev, tok, n - size
		}
		prev = tok
	}
}

// put64 writes the eight bytes packed in v at b[i:].
func put64(b []byte, i int, v uint64) {
	binary.LittleEndian.PutUint64(b[i:i+8], v) // b[i:] would cost more: its capacity
}

// wordPrefix tells how many of the eight bytes packed in v, from the lowest, are word
// characters but '$' (letters, digits, '_' and bytes of multi-byte characters), testing
// the eight at once: each test sets the high bit of the bytes that pass it. The low
// seven bits of a byte are tested, so no sum carries into the next byte.
func wordPrefix(v uint64) int {
	const (
		ones = 0x0101010101010101
		high = 0x80 * ones
		low  = 0x7F * ones
	)
	x := v & low
	u := x &^ (0x20 * ones) // letters in upper case
	letter := (u + (0x80-'A')*ones) &^ (u + (0x80-'Z'-1)*ones)
	digit := (x + (0x80-'0')*ones) &^ (x + (0x80-'9'-1)*ones)
	under := ^((x ^ '_'*ones) + low)
	word := (v | letter | digit | under) & high
	return bits.TrailingZeros64(word^high) >> 3
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

func skipLine(q string, i int) int {
	for i < len(q) && q[i] != '\n' {
		i++
	}
	return i
}

// skipBlockComment skips a /* */ comment, nested as PostgreSQL nests them; an
// unterminated comment runs to the end. Every opening and closing holds a '*', so it
// jumps from one '*' to the next: comments such as sqlcommenter's are long.
func skipBlockComment(q string, i int) int {
	depth := 0
	for i < len(q) {
		k := strings.IndexByte(q[i:], '*')
		if k < 0 {
			break
		}
		star := i + k
		switch {
		case star > i && q[star-1] == '/':
			depth++
			i = star + 1
		case star+1 < len(q) && q[star+1] == '/':
			depth--
			i = star + 2
			if depth == 0 {
				return i
			}
		default:
			i = star + 1
		}
	}
	return len(q)
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
