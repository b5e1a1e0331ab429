package instrument

import (
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// exemplarTraceID returns id when it can be an exemplar's trace_id, "" otherwise.
// Prometheus caps an exemplar's labels at 128 runes in all and wants valid UTF-8;
// client_golang panics on a native histogram's exemplar that breaks either rule, so
// the id is checked once, before either kind of histogram sees it.
func exemplarTraceID(id string) string {
	if id == "" || !utf8.ValidString(id) ||
		len("trace_id")+utf8.RuneCountInString(id) > prometheus.ExemplarMaxRunes {
		return ""
	}
	return id
}
