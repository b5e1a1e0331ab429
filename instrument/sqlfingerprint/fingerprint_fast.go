package sqlfingerprint

import (
	"encoding/binary"
	"math/bits"
)

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
