package errtrack

import (
	"strings"
	"unicode/utf8"
)

// Placeholders that Normalize writes in place of the variable parts of a message.
const (
	phNumber = "<num>"
	phUUID   = "<uuid>"
	phHex    = "<hex>"
	phEmail  = "<email>"
	phIP     = "<ip>"
	phString = "<str>"
	phPath   = "<path>"
	phURL    = "<url>"
)

// maxMessage bounds the messages groups keep and the normalised messages they compare,
// in bytes: a message that differs only past this point is the same error.
const maxMessage = 1024

// Normalize returns message with what varies between occurrences of one error
// replaced by placeholders: quoted strings (<str>), URLs, e-mail addresses, UUIDs, IP
// addresses, hexadecimal ids, paths and numbers. Two messages that differ only there
// normalise to the same text, so they fall into one group.
//
// It works token by token (a token ends at white space or at one of ,;()[]{}<>=),
// never looks back, and so takes time linear in the message.
func Normalize(message string) string {
	if len(message) > maxMessage {
		message = truncateUTF8(message, maxMessage)
	}
	var b strings.Builder
	b.Grow(len(message))
	for i := 0; i < len(message); {
		c := message[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			if j := closingQuote(message, i); j > 0 {
				b.WriteString(phString)
				i = j + 1
				continue
			}
			b.WriteByte(c)
			i++
		case c == '[' && bracketedIPv6(message[i:]) > 0:
			b.WriteString(phIP)
			i += bracketedIPv6(message[i:])
		case isDelimiter(c):
			b.WriteByte(c)
			i++
		default:
			j := i
			for j < len(message) && !isDelimiter(message[j]) && !isQuote(message[j]) {
				j++
			}
			if isURL(message[i:j]) {
				// A URL runs to white space: its query's = and & are part of it.
				for j < len(message) && !isSpace(message[j]) && !isQuote(message[j]) {
					j++
				}
			}
			tok := message[i:j]
			// Trailing punctuation belongs to the sentence, not to the token:
			// "dial 10.0.0.1:5432: refused" has the address 10.0.0.1:5432.
			k := len(tok)
			for k > 0 && strings.IndexByte(".:!?", tok[k-1]) >= 0 {
				k--
			}
			writeToken(&b, tok[:k])
			b.WriteString(tok[k:])
			i = j
		}
	}
	return b.String()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// bracketedIPv6 returns the length of "[v6 address]" or "[v6 address]:port" at the start
// of s, or 0.
func bracketedIPv6(s string) int {
	end := strings.IndexByte(s, ']')
	if end < 3 || !isIPv6(s[1:end]) {
		return 0
	}
	n := end + 1
	if n+1 < len(s) && s[n] == ':' && isDigit(s[n+1]) {
		n++
		for n < len(s) && isDigit(s[n]) {
			n++
		}
	}
	return n
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ';', '(', ')', '[', ']', '{', '}', '<', '>', '=':
		return true
	}
	return false
}

// closingQuote returns the index of the quote that closes the one at i, or -1. A quote
// inside a word (don't, it's) opens nothing: the character before it must not be a
// letter or digit. A backslash escapes the next byte, as in Go's and most languages'
// quoted strings; an unterminated quote is left as it is.
func closingQuote(s string, i int) int {
	q := s[i]
	if q == '\'' && i > 0 && isWordByte(s[i-1]) {
		return -1
	}
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j
		}
	}
	return -1
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// writeToken writes tok, or the placeholder of the kind of value it is.
func writeToken(b *strings.Builder, tok string) {
	switch {
	case tok == "":
	case isURL(tok):
		b.WriteString(phURL)
	case isEmail(tok):
		b.WriteString(phEmail)
	case isUUID(tok):
		b.WriteString(phUUID)
	case isIP(tok):
		b.WriteString(phIP)
	case isPath(tok):
		b.WriteString(phPath)
	case isHexID(tok):
		b.WriteString(phHex)
	default:
		writeNumbers(b, tok)
	}
}

// writeNumbers writes tok with each run of digits (with a decimal part, and a sign
// when the run starts the token) replaced by <num>: user42 → user<num>, 3.5s → <num>s.
func writeNumbers(b *strings.Builder, tok string) {
	for i := 0; i < len(tok); {
		c := tok[i]
		start := i
		if c == '-' || c == '+' {
			if i == 0 && i+1 < len(tok) && isDigit(tok[i+1]) {
				i++
			} else {
				b.WriteByte(c)
				i++
				continue
			}
		}
		if !isDigit(tok[i]) {
			b.WriteByte(tok[start])
			i = start + 1
			continue
		}
		for i < len(tok) && (isDigit(tok[i]) || tok[i] == '.' && i+1 < len(tok) && isDigit(tok[i+1]) || tok[i] == '_') {
			i++
		}
		b.WriteString(phNumber)
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isURL(tok string) bool {
	i := strings.Index(tok, "://")
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := tok[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return len(tok) > i+3
}

func isEmail(tok string) bool {
	at := strings.IndexByte(tok, '@')
	if at <= 0 || at == len(tok)-1 || strings.IndexByte(tok[at+1:], '@') >= 0 {
		return false
	}
	dot := strings.LastIndexByte(tok[at+1:], '.')
	return dot > 0 && dot < len(tok[at+1:])-1
}

func isUUID(tok string) bool {
	tok = strings.Trim(tok, "{}")
	if len(tok) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if tok[i] != '-' {
				return false
			}
		default:
			if !isHexDigit(tok[i]) {
				return false
			}
		}
	}
	return true
}

// isIP reports an IPv4 address (with an optional port), an IPv6 address (with at
// least two colons, hex groups only, optionally in brackets with a port) or either
// with a /prefix length.
func isIP(tok string) bool {
	if i := strings.IndexByte(tok, '/'); i > 0 {
		tok = tok[:i]
	}
	if strings.HasPrefix(tok, "[") {
		end := strings.IndexByte(tok, ']')
		if end < 0 {
			return false
		}
		return isIPv6(tok[1:end])
	}
	if isIPv4(tok) {
		return true
	}
	if i := strings.LastIndexByte(tok, ':'); i > 0 && strings.Count(tok, ":") == 1 && allDigits(tok[i+1:]) {
		return isIPv4(tok[:i])
	}
	return isIPv6(tok)
}

func isIPv4(s string) bool {
	parts, run := 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if run == 0 || run > 3 {
				return false
			}
			parts, run = parts+1, 0
			continue
		}
		if !isDigit(s[i]) {
			return false
		}
		run++
	}
	return parts == 4
}

func isIPv6(s string) bool {
	if strings.Count(s, ":") < 2 {
		return false
	}
	if i := strings.IndexByte(s, '%'); i > 0 { // zone
		s = s[:i]
	}
	groups := 0
	for rest := s; ; {
		g, after, more := strings.Cut(rest, ":")
		if len(g) > 4 {
			return !more && isIPv4(g) // ::ffff:10.0.0.1
		}
		for i := 0; i < len(g); i++ {
			if !isHexDigit(g[i]) {
				return false
			}
		}
		if g != "" {
			groups++
		}
		if !more {
			break
		}
		rest = after
	}
	return groups > 0 || s == "::"
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isPath reports a file system path: absolute (/var/lib/x, ~/x, C:\x), relative with
// a ./ or ../ start, or two segments or more with a file extension (dir/file.go).
func isPath(tok string) bool {
	switch {
	case len(tok) > 1 && tok[0] == '/' && tok[1] != '/':
		return true
	case strings.HasPrefix(tok, "~/"), strings.HasPrefix(tok, "./"), strings.HasPrefix(tok, "../"):
		return true
	case len(tok) > 2 && tok[1] == ':' && (tok[2] == '\\' || tok[2] == '/') && (tok[0]|0x20 >= 'a' && tok[0]|0x20 <= 'z'):
		return true
	case strings.Contains(tok, `\`) && strings.Count(tok, `\`) >= 2:
		return true
	}
	slash := strings.LastIndexByte(tok, '/')
	return slash > 0 && strings.IndexByte(tok[slash:], '.') > 0
}

// isHexID reports a hexadecimal id: 0x followed by hex digits, or eight hex digits or
// more with at least one digit and one letter among them (a commit, a hash, an object
// id), or a run of hex digits longer than 16.
func isHexID(tok string) bool {
	if len(tok) > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X') {
		for i := 2; i < len(tok); i++ {
			if !isHexDigit(tok[i]) {
				return false
			}
		}
		return true
	}
	if len(tok) < 8 {
		return false
	}
	digits, letters := 0, 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case isDigit(c):
			digits++
		case isHexDigit(c):
			letters++
		case c == '-' || c == '_':
		default:
			return false
		}
	}
	return digits > 0 && (letters > 0 || digits > 16)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
