package sentryingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Errors of ParseEnvelope, for errors.Is: a malformed envelope (bad header or item
// header, a length past the end, bad JSON) or one over a Limits bound.
var (
	ErrMalformed = errors.New("malformed envelope")
	ErrTooLarge  = errors.New("envelope too large")
)

// An Envelope is a parsed Sentry envelope: a header line and its items
// (https://develop.sentry.dev/sdk/data-model/envelopes/).
type Envelope struct {
	Header EnvelopeHeader
	Items  []Item
}

// EnvelopeHeader is what the ingest reads of an envelope's first line.
type EnvelopeHeader struct {
	// EventID is the id of the envelope's event, if it has one.
	EventID string `json:"event_id"`
	// DSN authenticates envelopes that carry neither an X-Sentry-Auth header nor a
	// sentry_key query parameter.
	DSN string `json:"dsn"`
}

// An Item is one item of an envelope: its type ("event", "transaction", "session", …)
// and its payload, which aliases the parsed buffer.
type Item struct {
	Type    string
	Payload []byte
}

// Limits bound what ParseEnvelope accepts. Zero fields take the Default
// constants.
type Limits struct {
	// MaxItems is the largest number of items in one envelope.
	MaxItems int `yaml:"max_items"`
	// MaxEventBytes bounds the payload of an event or transaction item (and the body
	// of the store endpoint).
	MaxEventBytes int `yaml:"max_event_bytes"`
	// MaxItemBytes bounds the payload of any other item (attachments, profiles, …).
	MaxItemBytes int `yaml:"max_item_bytes"`
}

// The defaults of zero Limits fields: Sentry's own event limit (1 MiB), 8 MiB for
// other items, 100 items.
const (
	DefaultMaxItems      = 100
	DefaultMaxEventBytes = 1 << 20
	DefaultMaxItemBytes  = 8 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxEventBytes <= 0 {
		l.MaxEventBytes = DefaultMaxEventBytes
	}
	if l.MaxItemBytes <= 0 {
		l.MaxItemBytes = DefaultMaxItemBytes
	}
	return l
}

func (l Limits) itemLimit(typ string) int {
	if typ == "event" || typ == "transaction" {
		return l.MaxEventBytes
	}
	return l.MaxItemBytes
}

// ParseEnvelope splits b into its header and items. Each item is a JSON header line
// with a type and an optional length: with a length, the payload is that many bytes
// (followed by an optional newline); without one, it runs to the next newline or the
// end. Empty lines between items are skipped. The payloads alias b.
func ParseEnvelope(b []byte, lim Limits) (*Envelope, error) {
	lim = lim.withDefaults()
	line, rest := cutLine(b)
	env := &Envelope{}
	if err := decodeObject(line, &env.Header); err != nil {
		return nil, fmt.Errorf("%w: envelope header: %v", ErrMalformed, err)
	}
	for n := 0; ; n++ {
		for len(rest) > 0 && (rest[0] == '\n' || rest[0] == '\r') {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return env, nil
		}
		if len(env.Items) == lim.MaxItems {
			return nil, fmt.Errorf("%w: more than %d items", ErrTooLarge, lim.MaxItems)
		}
		line, rest = cutLine(rest)
		var h struct {
			Type   string `json:"type"`
			Length *int64 `json:"length"`
		}
		if err := decodeObject(line, &h); err != nil {
			return nil, fmt.Errorf("%w: item %d header: %v", ErrMalformed, n, err)
		}
		if h.Type == "" {
			return nil, fmt.Errorf("%w: item %d header: no type", ErrMalformed, n)
		}
		max := lim.itemLimit(h.Type)
		var payload []byte
		if h.Length != nil {
			l := *h.Length
			switch {
			case l < 0:
				return nil, fmt.Errorf("%w: item %d (%s): negative length %d", ErrMalformed, n, typeLabel(h.Type), l)
			case l > int64(max):
				return nil, fmt.Errorf("%w: item %d (%s): length %d over the limit of %d bytes", ErrTooLarge, n, typeLabel(h.Type), l, max)
			case l > int64(len(rest)):
				return nil, fmt.Errorf("%w: item %d (%s): length %d past the end of the envelope (%d bytes left)", ErrMalformed, n, typeLabel(h.Type), l, len(rest))
			}
			payload, rest = rest[:l], rest[l:]
			if len(rest) > 0 {
				if rest[0] == '\r' && len(rest) > 1 && rest[1] == '\n' {
					rest = rest[2:]
				} else if rest[0] == '\n' {
					rest = rest[1:]
				} else {
					return nil, fmt.Errorf("%w: item %d (%s): no newline after its %d bytes", ErrMalformed, n, typeLabel(h.Type), l)
				}
			}
		} else {
			payload, rest = cutLine(rest)
			if len(payload) > max {
				return nil, fmt.Errorf("%w: item %d (%s): %d bytes over the limit of %d", ErrTooLarge, n, typeLabel(h.Type), len(payload), max)
			}
		}
		env.Items = append(env.Items, Item{Type: h.Type, Payload: payload})
	}
}

// cutLine returns b up to its first newline (without it, and without a trailing
// carriage return) and what follows the newline.
func cutLine(b []byte) (line, rest []byte) {
	line, rest, _ = bytes.Cut(b, []byte{'\n'})
	return bytes.TrimSuffix(line, []byte{'\r'}), rest
}

// decodeObject decodes a JSON object line into v.
func decodeObject(line []byte, v any) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(line, v)
}
