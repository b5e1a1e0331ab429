package licence

import (
	"fmt"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// op is the kind of an expression node.
type op int

const (
	opLicence op = iota // a licence, possibly with "+" or WITH
	opAnd
	opOr
)

// expr is a parsed SPDX licence expression (SPDX specification 2.3, Annex D).
// AND and OR nodes are n-ary: "A AND B AND C" is one node with three terms.
type expr struct {
	op        op
	id        string // canonical licence id or LicenseRef (opLicence)
	plus      bool   // "+": this version or any later one
	exception string // canonical exception id after WITH, or ""
	terms     []*expr
}

// String writes e in canonical form: canonical ids, upper-case operators,
// parentheses only where precedence needs them (AND binds tighter than OR).
func (e *expr) String() string {
	var b strings.Builder
	e.write(&b, false)
	return b.String()
}

func (e *expr) write(b *strings.Builder, inAnd bool) {
	switch e.op {
	case opLicence:
		b.WriteString(e.id)
		if e.plus {
			b.WriteByte('+')
		}
		if e.exception != "" {
			b.WriteString(" WITH ")
			b.WriteString(e.exception)
		}
	case opAnd, opOr:
		word := " AND "
		if e.op == opOr {
			word = " OR "
		}
		paren := inAnd && e.op == opOr
		if paren {
			b.WriteByte('(')
		}
		for i, t := range e.terms {
			if i > 0 {
				b.WriteString(word)
			}
			t.write(b, e.op == opAnd)
		}
		if paren {
			b.WriteByte(')')
		}
	}
}

// parseExpr parses an SPDX licence expression. Licence and exception ids are
// matched case-insensitively, as Annex D says; operators are too, although the
// specification asks for upper case, because "mit or apache-2.0" has only one
// meaning and npm packages write it. Deprecated ids become their replacements
// where the SPDX list names one (GPL-2.0 is GPL-2.0-only, GPL-2.0+ is
// GPL-2.0-or-later); an id on neither list is an error.
func parseExpr(s string) (*expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	p := &parser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.toks[p.i].text, p.toks[p.i].off)
	}
	return e, nil
}

type token struct {
	text string
	off  int
}

// maxTokens bounds the work one expression can cause; real ones have a few.
const maxTokens = 256

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '(' || c == ')' || c == '+':
			toks = append(toks, token{s[i : i+1], i})
			i++
		case isIDChar(c) || c == ':':
			j := i
			for j < len(s) && (isIDChar(s[j]) || s[j] == ':') {
				j++
			}
			toks = append(toks, token{s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", rune0(s[i:]), i)
		}
		if len(toks) > maxTokens {
			return nil, fmt.Errorf("more than %d tokens", maxTokens)
		}
	}
	return toks, nil
}

// isIDChar reports whether c may be in an SPDX idstring (ALPHA / DIGIT / "-" / ".").
func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// rune0 is the first character of s, for messages about multi-byte text.
func rune0(s string) string {
	for _, r := range s {
		return string(r)
	}
	return s
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// maxDepth bounds parenthesis nesting, so a hostile string cannot exhaust the stack.
const maxDepth = 32

func (p *parser) peekWord(w string) bool {
	return p.i < len(p.toks) && strings.EqualFold(p.toks[p.i].text, w)
}

func (p *parser) or() (*expr, error) {
	return p.binary(opOr, "OR", p.and)
}

func (p *parser) and() (*expr, error) {
	return p.binary(opAnd, "AND", p.atom)
}

// binary parses next (word next)*, flattening into one n-ary node.
func (p *parser) binary(kind op, word string, next func() (*expr, error)) (*expr, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	terms := []*expr{first}
	for p.peekWord(word) {
		p.i++
		t, err := next()
		if err != nil {
			return nil, err
		}
		if t.op == kind {
			terms = append(terms, t.terms...)
		} else {
			terms = append(terms, t)
		}
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &expr{op: kind, terms: terms}, nil
}

func (p *parser) atom() (*expr, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("expression ends where a licence was expected")
	}
	t := p.toks[p.i]
	if t.text == "(" {
		if p.depth++; p.depth > maxDepth {
			return nil, fmt.Errorf("parentheses nested more than %d deep", maxDepth)
		}
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.toks) || p.toks[p.i].text != ")" {
			return nil, fmt.Errorf("missing ) for ( at offset %d", t.off)
		}
		p.i++
		p.depth--
		return e, nil
	}
	if t.text == ")" || t.text == "+" || isOperator(t.text) {
		return nil, fmt.Errorf("unexpected %q at offset %d where a licence was expected", t.text, t.off)
	}
	p.i++
	e, err := licenceID(t)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) && p.toks[p.i].text == "+" {
		p.i++
		if e.plus || strings.Contains(e.id, "LicenseRef-") {
			return nil, fmt.Errorf("unexpected + at offset %d", p.toks[p.i-1].off)
		}
		orLater(e)
	}
	if p.peekWord("WITH") {
		p.i++
		if p.i >= len(p.toks) {
			return nil, fmt.Errorf("WITH at the end of the expression: an exception id is missing")
		}
		x := p.toks[p.i]
		p.i++
		ok, canon := spdxlicenses.IsException(x.text)
		if !ok {
			return nil, fmt.Errorf("unknown licence exception %q at offset %d", x.text, x.off)
		}
		if e.exception != "" && e.exception != canon {
			return nil, fmt.Errorf("second exception %q at offset %d", x.text, x.off)
		}
		if strings.Contains(e.id, "LicenseRef-") {
			return nil, fmt.Errorf("WITH after a LicenseRef at offset %d", x.off)
		}
		e.exception = canon
	}
	return e, nil
}

func isOperator(s string) bool {
	return strings.EqualFold(s, "AND") || strings.EqualFold(s, "OR") || strings.EqualFold(s, "WITH")
}

// licenceID resolves one idstring token to a canonical licence.
func licenceID(t token) (*expr, error) {
	s := t.text
	if ref, ok := licenseRef(s); ok {
		return &expr{id: ref}, nil
	}
	if strings.Contains(s, ":") {
		return nil, fmt.Errorf("malformed reference %q at offset %d: want [DocumentRef-x:]LicenseRef-y", s, t.off)
	}
	if ok, canon := spdxlicenses.IsActiveLicense(s); ok {
		return &expr{id: canon}, nil
	}
	if ok, canon := spdxlicenses.IsDeprecatedLicense(s); ok {
		if r, ok := deprecatedReplacement[canon]; ok {
			return &expr{id: r.id, plus: r.plus, exception: r.exception}, nil
		}
		return &expr{id: canon}, nil
	}
	return nil, fmt.Errorf("unknown licence id %q at offset %d", s, t.off)
}

// licenseRef recognises [DocumentRef-idstring:]LicenseRef-idstring, keeping the
// user-defined part as written and the prefixes in their canonical case.
func licenseRef(s string) (string, bool) {
	doc := ""
	if i := strings.IndexByte(s, ':'); i >= 0 {
		d := s[:i]
		if len(d) <= len("DocumentRef-") || !strings.EqualFold(d[:len("DocumentRef-")], "DocumentRef-") || strings.Contains(s[i+1:], ":") {
			return "", false
		}
		doc = "DocumentRef-" + d[len("DocumentRef-"):] + ":"
		s = s[i+1:]
	}
	const pre = "LicenseRef-"
	if len(s) <= len(pre) || !strings.EqualFold(s[:len(pre)], pre) {
		return "", false
	}
	return doc + pre + s[len(pre):], true
}

// orLater applies "+" to a licence: for the GNU licences, whose SPDX ids carry
// the choice in the name since list 3.0, it becomes the -or-later id.
func orLater(e *expr) {
	if base, ok := strings.CutSuffix(e.id, "-only"); ok && gnuFamily(base) {
		e.id = base + "-or-later"
		return
	}
	if strings.HasSuffix(e.id, "-or-later") {
		return
	}
	e.plus = true
}

func gnuFamily(id string) bool {
	for _, p := range []string{"GPL-", "LGPL-", "AGPL-", "GFDL-"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// deprecatedReplacement maps the deprecated ids whose meaning survives under a
// new id (SPDX licence list, "deprecated" section) to that id.
var deprecatedReplacement = func() map[string]expr {
	m := map[string]expr{
		"GPL-2.0-with-autoconf-exception":  {id: "GPL-2.0-only", exception: "Autoconf-exception-2.0"},
		"GPL-2.0-with-bison-exception":     {id: "GPL-2.0-or-later", exception: "Bison-exception-2.2"},
		"GPL-2.0-with-classpath-exception": {id: "GPL-2.0-only", exception: "Classpath-exception-2.0"},
		"GPL-2.0-with-font-exception":      {id: "GPL-2.0-only", exception: "Font-exception-2.0"},
		"GPL-2.0-with-GCC-exception":       {id: "GPL-2.0-only", exception: "GCC-exception-2.0"},
		"GPL-3.0-with-autoconf-exception":  {id: "GPL-3.0-only", exception: "Autoconf-exception-3.0"},
		"GPL-3.0-with-GCC-exception":       {id: "GPL-3.0-only", exception: "GCC-exception-3.1"},
		"StandardML-NJ":                    {id: "SMLNJ"},
		"wxWindows":                        {id: "LGPL-2.0-or-later", exception: "WxWindows-exception-3.1"},
	}
	for _, v := range []string{"GPL-1.0", "GPL-2.0", "GPL-3.0", "LGPL-2.0", "LGPL-2.1", "LGPL-3.0", "AGPL-1.0", "AGPL-3.0", "GFDL-1.1", "GFDL-1.2", "GFDL-1.3"} {
		m[v] = expr{id: v + "-only"}
		m[v+"+"] = expr{id: v + "-or-later"}
	}
	return m
}()
