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
	tkLBracket           // [ as punctuation (an array subscript)
	tkRBracket           // ]
	tkOperator           // a run of operator characters, or any other byte
)

// Byte classes, which the main loop switches on. A dialect has its own table (see
// rules): '[' opens an identifier in SQLite and SQL Server and is punctuation elsewhere.
const (
	cOther        uint8 = iota // an operator character or any other byte
	cSpace                     // space, \t, \n, \r, \f, \v
	cWord                      // starts a word: a letter, '_' or any byte of a multi-byte character
	cDigit                     // 0-9
	cQuote                     // '
	cDQuote                    // "
	cBacktick                  // `
	cBracketIdent              // [ where it opens an identifier
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
	bWordChar        // continues a word: a word start, a digit, '$' (and '#', '@' in SQL Server)
	bDigit
	bOperator       // may be part of an operator: +-*/<>=~!@#%^&|
	bStrongOperator // ~!@#%^&|: an operator holding one may end in + or -
	bTableName      // may be part of a main table's name: ASCII word characters and '.'
	bIdentQuote     // a quote of identifiers: " ` [ ]
)

// baseTables are the byte classes and properties common to all dialects.
func baseTables() (class, props [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80:
			class[c], props[c] = cWord, bWordStart|bWordChar
		case '0' <= c && c <= '9':
			class[c], props[c] = cDigit, bDigit|bWordChar
		}
	}
	props['$'] |= bWordChar
	for c := 0; c < 0x80; c++ {
		if props[c]&bWordChar != 0 || c == '.' {
			props[c] |= bTableName
		}
	}
	for _, c := range []byte("+-*/<>=~!@#%^&|") {
		props[c] |= bOperator
	}
	for _, c := range []byte("~!@#%^&|") {
		props[c] |= bStrongOperator
	}
	for _, c := range []byte("\"`[]") {
		props[c] |= bIdentQuote
	}
	for _, c := range []byte(" \t\n\r\f\v") {
		class[c] = cSpace
	}
	for c, cl := range map[byte]uint8{
		'\'': cQuote, '"': cDQuote, '`': cBacktick, '-': cMinus, '+': cPlus, '#': cHash,
		'/': cSlash, '.': cDot, '?': cQuestion, '$': cDollar, ':': cColon, '@': cAt,
		'(': cOpen, ')': cClose, ',': cComma, ';': cSemi, '[': cLBracket, ']': cRBracket,
	} {
		class[c] = cl
	}
	return class, props
}

// A token is the flags of a keyword (0 for other words and tokens) with one bit for
// its kind above them: the main loop keeps the previous token in one variable, and most
// of its decisions are bit tests.
type token uint64

// kindShift is where the kind bits start; indexShift where a keyword's index in keywords
// does.
const (
	kindShift  = 20
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

// punctuation are the tokens of the punctuation byte classes.
var punctuation = [...]token{cOpen: tOpen, cClose: tClose, cComma: tComma, cSemi: tSemi,
	cLBracket: tLBracket, cRBracket: tRBracket}

// trimSpaceRight drops the whitespace at the end of q, which makes no token.
func trimSpaceRight(q string) string {
	for len(q) > 0 && (q[len(q)-1] == ' ' || '\t' <= q[len(q)-1] && q[len(q)-1] <= '\r') {
		q = q[:len(q)-1]
	}
	return q
}

// byteAt is q[i], or 0 past its end.
func byteAt(q string, i int) byte {
	if i < len(q) {
		return q[i]
	}
	return 0
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

// skipQuoted skips a token quoted with quote that opens at q[i], where a doubled quote
// stands for one. It returns the end, whether the token was closed (an unclosed one runs
// to the end of q), and whether a quote in it follows an odd run of backslashes ('a\' …),
// where a reading with backslash escapes parts from this one.
//
// When ambiguous is set, the dialect is not known to take or not to take a backslash as
// an escape: where the two readings part, the token runs to the end of q, so that
// whatever it ends at, nothing after its start can be a literal that is kept.
func skipQuoted(q string, i int, quote byte, ambiguous bool) (end int, closed, parted bool) {
	for j := i + 1; j < len(q); j++ {
		k := strings.IndexByte(q[j:], quote)
		if k < 0 {
			break
		}
		j += k
		if q[j-1] == '\\' && oddBackslashes(q, i+1, j) {
			if ambiguous {
				return len(q), false, true
			}
			parted = true
		}
		if j+1 < len(q) && q[j+1] == quote {
			j++
			continue
		}
		return j + 1, true, parted
	}
	return len(q), false, parted
}

// skipEscaped is skipQuoted for strings in which a backslash escapes the byte after it
// as well (MySQL's, PostgreSQL's E'…'). parted tells whether a backslash escaped a
// quote, where a reading without backslash escapes parts from this one.
func skipEscaped(q string, i int, quote byte) (end int, closed, parted bool) {
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
			parted = parted || byteAt(q, j) == quote
		case quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1, true, parted
		}
	}
	return len(q), false, parted
}

// oddBackslashes tells whether an odd number of backslashes stands right before q[j],
// from q[from] on.
func oddBackslashes(q string, from, j int) bool {
	k := j
	for k > from && q[k-1] == '\\' {
		k--
	}
	return (j-k)%2 == 1
}

// skipBracketed skips an identifier in brackets that opens at q[i]: in SQL Server a
// doubled ']' stands for one inside it, in SQLite the first ']' closes it.
func skipBracketed(q string, i int, doubled bool) (end int, closed bool) {
	for j := i + 1; j < len(q); j++ {
		k := strings.IndexByte(q[j:], ']')
		if k < 0 {
			break
		}
		j += k
		if doubled && j+1 < len(q) && q[j+1] == ']' {
			j++
			continue
		}
		return j + 1, true
	}
	return len(q), false
}

// skipLine skips a comment that runs to the end of the line from q[i]. A line ends at
// '\n', and also at '\r' when cr is set (PostgreSQL's scanner). When ambiguousCR is set
// the dialect is not known to end a line at '\r', and a '\r' followed by anything but
// '\n' makes the comment run to the end of q.
func skipLine(q string, i int, cr, ambiguousCR bool) int {
	for j := i; j < len(q); j++ {
		switch q[j] {
		case '\n':
			return j
		case '\r':
			if cr && !ambiguousCR {
				return j
			}
			if ambiguousCR && byteAt(q, j+1) != '\n' {
				return len(q)
			}
		}
	}
	return len(q)
}

// skipBlockComment skips a /* */ comment that opens at q[i]; an unterminated comment runs
// to the end of q. When nested is set, comments nest as in PostgreSQL and SQL Server
// (a "/*" inside opens one more level); otherwise the first "*/" closes it, as in MySQL
// and SQLite. When ambiguous is set, the dialect is not known to nest them, and a
// nested opening, where the two readings part, makes the comment run to the end of q.
func skipBlockComment(q string, i int, nested, ambiguous bool) int {
	if !nested {
		if k := strings.Index(q[i+2:], "*/"); k >= 0 {
			return i + 2 + k + 2
		}
		return len(q)
	}
	// Every opening and closing holds a '*', so it jumps from one '*' to the next:
	// comments such as sqlcommenter's are long.
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
			if depth > 1 && ambiguous {
				return len(q)
			}
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

// skipDollarQuoted skips what starts with '$' in PostgreSQL: a $1 placeholder, a
// dollar-quoted string ($$…$$, $tag$…$tag$: an unterminated one runs to the end), or a
// $name, which is taken as a value too; a '$' on its own is no value.
func skipDollarQuoted(q string, i int) (end int, value bool) {
	j := i + 1
	if j < len(q) && isDigit(q[j]) {
		for j < len(q) && isDigit(q[j]) {
			j++
		}
		return j, true
	}
	// The tag follows the rules of an unquoted identifier, without '$'.
	if j < len(q) && (q[j] == '$' || isWordStart(q[j])) {
		for j < len(q) && isWordChar(q[j]) && q[j] != '$' {
			j++
		}
		if j < len(q) && q[j] == '$' {
			tag := q[i : j+1]
			if k := strings.Index(q[j+1:], tag); k >= 0 {
				return j + 1 + k + len(tag), true
			}
			return len(q), true
		}
		return j, true // $name
	}
	return j, false
}

// skipSQLiteVariable skips a parameter that starts with '$', '@', ':' or '#' in SQLite,
// as its tokenizer does: identifier characters, "::" between them, and a suffix in
// parentheses (Tcl's array syntax) that runs to the first ')' or space. It returns i+1
// when no identifier character follows, which is no parameter.
func skipSQLiteVariable(q string, i int) int {
	n := 0
	j := i + 1
	for j < len(q) {
		c := q[j]
		switch {
		case isWordChar(c):
			n++
			j++
			continue
		case c == '(' && n > 0:
			j++
			for j < len(q) && q[j] != ')' && !isSpace(q[j]) {
				j++
			}
			if j < len(q) && q[j] == ')' {
				j++
			}
			return j
		case c == ':' && byteAt(q, j+1) == ':':
			j += 2
			continue
		}
		break
	}
	if n == 0 {
		return i + 1
	}
	return j
}

// skipNumber skips a number: digits, a decimal point, an exponent, and whatever word
// characters follow (0x1F, 1e10, 12abc, 1_000): all of it is the literal.
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

// skipWord skips the word characters from q[i] by the dialect's table props.
func skipWord(q string, i int, props *[256]uint8) int {
	for i < len(q) && props[q[i]]&bWordChar != 0 {
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

// identLike tells whether the contents of a quoted identifier look like a name, so that
// it is kept. Anything else becomes ?: a name holding quotes, backslashes or other
// punctuation is rare, and such a token might be a literal in some reading.
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

// byteBits are the properties common to all dialects.
var _, byteBits = baseTables()

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

func isWordStart(c byte) bool { return byteBits[c]&bWordStart != 0 }

func isWordChar(c byte) bool { return byteBits[c]&bWordChar != 0 }

func isASCIIWordChar(c byte) bool { return c < 0x80 && isWordChar(c) }
