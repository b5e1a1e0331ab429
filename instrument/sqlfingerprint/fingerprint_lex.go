package sqlfingerprint

import (
	"math/bits"
	"strings"
)

// A tokenKind is what a token is, as far as the fingerprint's spacing, its lists and its
// summary care.
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

// byteClass is the class of every byte, and byteBits its properties.
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
