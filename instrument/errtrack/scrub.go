package errtrack

import (
	"strings"
)

// Filtered replaces whatever the scrubber removes, as Sentry writes it.
const Filtered = "[Filtered]"

// sensitiveKeys are the parts of a key's name that mark its value as secret, matched
// case-insensitively anywhere in the name (user_password, X-Auth-Token, sessionid), as
// Sentry's and Django's scrubbers do.
var sensitiveKeys = [...]string{
	"password", "passwd", "pwd", "passphrase", "secret", "token", "auth", "cookie",
	"api_key", "apikey", "api-key", "access_key", "private_key", "privatekey",
	"session", "csrf", "xsrf", "credential", "signature", "card", "cvv", "ssn",
}

// SensitiveKey reports whether a key such as a header, form field or context name
// names a secret, so that its value must never be kept.
func SensitiveKey(key string) bool {
	for _, k := range sensitiveKeys {
		if containsFold(key, k) {
			return true
		}
	}
	return false
}

// Scrub returns s with secrets replaced by [Filtered]: the values of key=value and
// key: value pairs (quoted or not, JSON included) whose key is sensitive, bearer and
// basic credentials, JSON web tokens, card numbers that pass the Luhn check, e-mail
// addresses and the passwords of URLs. An unquoted value runs to the end of the line or
// to the next , ; or &: a secret made of several words goes with it.
func Scrub(s string) string {
	if s == "" {
		return s
	}
	s = scrubPairs(s)
	return scrubValues(s)
}

// scrubPairs filters the values of sensitive key=value and key: value pairs.
func scrubPairs(s string) string {
	var b strings.Builder
	last := 0 // s[last:] is still to be copied
	for i := 0; i < len(s); i++ {
		if s[i] != '=' && s[i] != ':' {
			continue
		}
		if !SensitiveKey(keyBefore(s, i)) {
			continue
		}
		start, end := valueAfter(s, i+1)
		if start == end {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Filtered)
		last, i = end, end-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// keyBefore returns the name ending just before s[i] (a separator), skipping the
// spaces and a closing quote between them.
func keyBefore(s string, i int) string {
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	if j > 0 && (s[j-1] == '"' || s[j-1] == '\'') {
		j--
	}
	end := j
	for j > 0 && isKeyByte(s[j-1]) {
		j--
	}
	return s[j:end]
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// valueAfter returns where the value starting after a separator at i-1 lies: inside
// its quotes when quoted, else up to the end of the line or the next , ; or &.
func valueAfter(s string, i int) (start, end int) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		q := s[i]
		for j := i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case q:
				return i + 1, j
			}
		}
		return i + 1, len(s) // unterminated: everything after the quote
	}
	j := i
	for j < len(s) && strings.IndexByte(",;&\n\r", s[j]) < 0 {
		j++
	}
	return i, j
}

// scrubValues filters the values that are secret whatever their key: credentials after
// Bearer or Basic, JSON web tokens, card numbers, e-mail addresses, URL passwords.
func scrubValues(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if i > 0 && isKeyByte(s[i-1]) { // only at the start of a word
			i++
			continue
		}
		from, to := secretAt(s, i)
		if to <= from {
			i++
			continue
		}
		b.WriteString(s[last:from])
		b.WriteString(Filtered)
		i, last = to, to
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// secretAt returns the bounds of a secret value found by a match starting at i (the
// secret may be only part of the match: the token after "Bearer ", the password in a
// URL), or an empty span.
func secretAt(s string, i int) (from, to int) {
	if n := credentialAfterScheme(s[i:]); n > 0 {
		return i + n - credentialLen(s[i:i+n]), i + n
	}
	if n := jwtLen(s[i:]); n > 0 {
		return i, i + n
	}
	if n := cardLen(s[i:]); n > 0 {
		return i, i + n
	}
	if from, to := emailAt(s, i); to > from {
		return from, to
	}
	return urlPasswordAt(s, i)
}

// credentialAfterScheme returns the length of "Bearer <token>" or "Basic <token>" at the
// start of s, or 0.
func credentialAfterScheme(s string) int {
	for _, scheme := range [...]string{"bearer", "basic"} {
		if len(s) > len(scheme)+1 && strings.EqualFold(s[:len(scheme)], scheme) && s[len(scheme)] == ' ' {
			j := len(scheme) + 1
			for j < len(s) && s[j] == ' ' {
				j++
			}
			k := j
			for k < len(s) && isTokenByte(s[k]) {
				k++
			}
			// Any bearer token is a secret, plain words included; after "basic" only what
			// could be base64 (not one lower-case word: "basic authentication failed").
			if k > j && (scheme == "bearer" || !allLower(s[j:k])) {
				return k
			}
		}
	}
	return 0
}

func allLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// credentialLen returns the length of the token at the end of a match of
// credentialAfterScheme.
func credentialLen(m string) int {
	i := len(m)
	for i > 0 && isTokenByte(m[i-1]) {
		i--
	}
	return len(m) - i
}

func isTokenByte(c byte) bool {
	return isKeyByte(c) || c == '+' || c == '/' || c == '=' || c == '~'
}

// jwtLen returns the length of a JSON web token (three base64url parts, the first a
// JSON object: "eyJ") at the start of s, or 0.
func jwtLen(s string) int {
	if !strings.HasPrefix(s, "eyJ") {
		return 0
	}
	parts, n := 1, 0
	for n < len(s) {
		c := s[n]
		switch {
		case c == '.':
			parts++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=':
		default:
			goto done
		}
		n++
	}
done:
	if parts < 3 {
		return 0
	}
	return n
}

// cardLen returns the length of a payment card number at the start of s: 13 to 19
// digits, optionally grouped by single spaces or dashes, passing the Luhn check; or 0.
func cardLen(s string) int {
	var digits [19]byte
	nd, end := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if nd == len(digits) {
				return 0 // too long for a card: some other number
			}
			digits[nd] = c - '0'
			nd++
			end = i + 1
		case (c == ' ' || c == '-') && i > 0 && isDigit(s[i-1]) && i+1 < len(s) && isDigit(s[i+1]):
		default:
			goto done
		}
	}
done:
	if nd < 13 || end < len(s) && isKeyByte(s[end]) {
		return 0
	}
	if !luhn(digits[:nd]) {
		return 0
	}
	return end
}

// luhn reports whether digits pass the Luhn checksum (ISO/IEC 7812-1).
func luhn(digits []byte) bool {
	sum := 0
	for i := range digits {
		d := int(digits[len(digits)-1-i])
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// emailAt returns the bounds of an e-mail address whose local part starts at i.
func emailAt(s string, i int) (from, to int) {
	j := i
	for j < len(s) && (isKeyByte(s[j]) || s[j] == '+') {
		j++
	}
	if j == i || j >= len(s) || s[j] != '@' {
		return 0, 0
	}
	k := j + 1
	for k < len(s) && (isKeyByte(s[k]) && s[k] != '_') {
		k++
	}
	for k > j+1 && s[k-1] == '.' || k > j+1 && s[k-1] == '-' {
		k--
	}
	domain := s[j+1 : k]
	if dot := strings.LastIndexByte(domain, '.'); dot <= 0 || dot == len(domain)-1 {
		return 0, 0
	}
	return i, k
}

// urlPasswordAt returns the bounds of the password in a URL's user information
// (scheme://user:password@host) whose scheme starts at i.
func urlPasswordAt(s string, i int) (from, to int) {
	head := s[i:min(len(s), i+20)] // a scheme is short: never search the whole rest
	j := strings.Index(head, "://")
	if j <= 0 || j > 16 {
		return 0, 0
	}
	for _, c := range []byte(s[i : i+j]) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-') {
			return 0, 0
		}
	}
	rest := s[i+j+3:]
	end := strings.IndexAny(rest, "/?# \t\n")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return 0, 0
	}
	colon := strings.IndexByte(rest[:at], ':')
	if colon < 0 {
		return 0, 0
	}
	base := i + j + 3
	return base + colon + 1, base + at
}

// containsFold reports whether s contains the lower-case ASCII word sub, ignoring case.
func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n && lowerASCII(s[i+j]) == sub[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
