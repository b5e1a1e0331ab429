package rum

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A hand-written decoder of schema version 1: encoding/json spends most of a beacon's
// time in reflection and allocations, while a beacon's labels only need comparing the
// body's bytes with known sets. It accepts exactly RFC 8259 JSON (no NaN, no trailing
// commas, no control characters in strings); it is strict at the top level (an unknown
// field is malformed: a new field means a new version) and lenient within an event (an
// unknown field is skipped, a field of the wrong type drops that event alone).

// event is one event of a beacon. Its byte fields are slices of the body, or decoded
// copies when the JSON string had escapes.
type event struct {
	bad bool // a field of the wrong type
	t   []byte
	// vital, measure
	name  []byte
	value optNum
	// error
	typ, message, key []byte
	frames            []byte // the raw JSON array, parsed when the error is captured
	count             optNum
	// api
	method, route    []byte
	status, duration optNum
	// nav
	phases [len(phases)]optNum
	// resource
	initiator []byte
	bytes     optNum
}

// optNum is a JSON number that may be absent (or null).
type optNum struct {
	v  float64
	ok bool
}

// beacon is a decoded beacon; events is bounded by MaxEvents+1.
type beacon struct {
	v       float64
	vSet    bool
	vBad    bool
	page    []byte
	nav     []byte
	events  []event
	tooMany bool
	unknown bool // an unknown top-level field
}

var (
	errSyntax = errors.New("not valid JSON")
	errRange  = errors.New("number out of range")
)

const maxDepth = 32

type parser struct {
	b []byte
	i int
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (p *parser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *parser) expect(c byte) error {
	if p.peek() != c {
		return errSyntax
	}
	p.i++
	return nil
}

// str reads a string (the opening quote next) and returns its content: a slice of
// the input when it has no escapes, else a decoded copy.
func (p *parser) str() ([]byte, error) {
	if p.peek() != '"' {
		return nil, errSyntax
	}
	p.i++
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			return s, nil
		case c == '\\':
			return p.unescape(start)
		case c < 0x20:
			return nil, errSyntax
		}
		p.i++
	}
	return nil, errSyntax
}

// unescape decodes the rest of a string with escapes, from start.
func (p *parser) unescape(start int) ([]byte, error) {
	out := append(make([]byte, 0, p.i-start+16), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return out, nil
		case c < 0x20:
			return nil, errSyntax
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return nil, errSyntax
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return nil, errSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if lo, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
							r2 = d
						} else {
							p.i = save
						}
					} else {
						return nil, errSyntax
					}
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, errSyntax
		}
	}
	return nil, errSyntax
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

// num reads a number (RFC 8259 grammar); one beyond float64 is errRange.
func (p *parser) num() (float64, error) {
	p.ws()
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return 0, errSyntax
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return 0, errSyntax
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return 0, errSyntax
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil {
		return 0, errRange // valid JSON, beyond float64
	}
	return f, nil
}

func (p *parser) literal(lit string) error {
	if len(p.b)-p.i < len(lit) || string(p.b[p.i:p.i+len(lit)]) != lit {
		return errSyntax
	}
	p.i += len(lit)
	return nil
}

// skip reads and discards any value, checking its syntax.
func (p *parser) skip(depth int) error {
	if depth > maxDepth {
		return errSyntax
	}
	switch p.peek() {
	case '"':
		_, err := p.str()
		return err
	case '{':
		return p.object(func(_ []byte) error { return p.skip(depth + 1) })
	case '[':
		return p.array(func() error { return p.skip(depth + 1) })
	case 't':
		return p.literal("true")
	case 'f':
		return p.literal("false")
	case 'n':
		return p.literal("null")
	}
	if _, err := p.num(); err != errRange {
		return err
	}
	return nil
}

// object reads an object, calling field for each key with the value next.
func (p *parser) object(field func(key []byte) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		k, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// array reads an array, calling elem with each element next.
func (p *parser) array(elem func() error) error {
	if err := p.expect('['); err != nil {
		return err
	}
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// optStr reads a string or null into *dst; another type sets *bad and is skipped.
func (p *parser) optStr(dst *[]byte, bad *bool) error {
	switch p.peek() {
	case '"':
		s, err := p.str()
		*dst = s
		return err
	case 'n':
		return p.literal("null")
	}
	*bad = true
	return p.skip(1)
}

// optNum reads a number or null into *dst; another type sets *bad and is skipped.
func (p *parser) optNum(dst *optNum, bad *bool) error {
	switch c := p.peek(); {
	case c == '-' || c >= '0' && c <= '9':
		f, err := p.num()
		if err == errRange {
			*bad = true
			return nil
		}
		*dst = optNum{v: f, ok: true}
		return err
	case c == 'n':
		return p.literal("null")
	}
	*bad = true
	return p.skip(1)
}

// parseBeacon decodes body into b, reusing b.events' storage.
func parseBeacon(body []byte, b *beacon) error {
	p := parser{b: body}
	err := p.object(func(k []byte) error {
		switch string(k) {
		case "v":
			var n optNum
			err := p.optNum(&n, &b.vBad)
			b.v, b.vSet = n.v, n.ok
			return err
		case "page":
			var bad bool
			if err := p.optStr(&b.page, &bad); err != nil || bad {
				return errSyntax
			}
			return nil
		case "nav":
			var bad bool
			if err := p.optStr(&b.nav, &bad); err != nil || bad {
				return errSyntax
			}
			return nil
		case "events":
			if p.peek() == 'n' {
				return p.literal("null")
			}
			return p.array(func() error {
				if len(b.events) >= MaxEvents {
					b.tooMany = true
					return p.skip(1)
				}
				b.events = append(b.events, event{})
				return p.event(&b.events[len(b.events)-1])
			})
		}
		b.unknown = true
		return p.skip(1)
	})
	if err != nil {
		return err
	}
	if p.ws(); p.i != len(p.b) {
		return errors.New("data after the beacon object")
	}
	return nil
}

// event reads one event; a value that is not an object marks it bad.
func (p *parser) event(e *event) error {
	if p.peek() != '{' {
		e.bad = true
		return p.skip(1)
	}
	return p.object(func(k []byte) error {
		switch string(k) {
		case "t":
			return p.optStr(&e.t, &e.bad)
		case "name":
			return p.optStr(&e.name, &e.bad)
		case "value":
			return p.optNum(&e.value, &e.bad)
		case "type":
			return p.optStr(&e.typ, &e.bad)
		case "message":
			return p.optStr(&e.message, &e.bad)
		case "key":
			return p.optStr(&e.key, &e.bad)
		case "count":
			return p.optNum(&e.count, &e.bad)
		case "frames":
			if p.peek() != '[' {
				e.bad = e.bad || p.peek() != 'n'
				return p.skip(1)
			}
			start := p.i
			err := p.skip(1)
			e.frames = p.b[start:p.i]
			return err
		case "method":
			return p.optStr(&e.method, &e.bad)
		case "route":
			return p.optStr(&e.route, &e.bad)
		case "status":
			return p.optNum(&e.status, &e.bad)
		case "duration":
			return p.optNum(&e.duration, &e.bad)
		case "dns":
			return p.optNum(&e.phases[0], &e.bad)
		case "connect":
			return p.optNum(&e.phases[1], &e.bad)
		case "tls":
			return p.optNum(&e.phases[2], &e.bad)
		case "ttfb":
			return p.optNum(&e.phases[3], &e.bad)
		case "dom_interactive":
			return p.optNum(&e.phases[4], &e.bad)
		case "load":
			return p.optNum(&e.phases[5], &e.bad)
		case "initiator":
			return p.optStr(&e.initiator, &e.bad)
		case "bytes":
			return p.optNum(&e.bytes, &e.bad)
		}
		return p.skip(1)
	})
}

// frame is one frame of an error event.
type frame struct {
	fn, url []byte
	line    float64
}

// parseFrames reads an error's frames (a syntax-checked array) up to max; elements
// that are not objects, and fields of the wrong type, are left empty.
func parseFrames(raw []byte, max int) []frame {
	p := parser{b: raw}
	var out []frame
	_ = p.array(func() error {
		if len(out) >= max || p.peek() != '{' {
			return p.skip(1)
		}
		var f frame
		var bad bool
		err := p.object(func(k []byte) error {
			switch string(k) {
			case "fn":
				return p.optStr(&f.fn, &bad)
			case "url":
				return p.optStr(&f.url, &bad)
			case "line":
				var n optNum
				err := p.optNum(&n, &bad)
				f.line = n.v
				return err
			}
			return p.skip(1)
		})
		out = append(out, f)
		return err
	})
	return out
}
