// Package register registers collectors with errors that name what clashed.
package register

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// All registers each collector on reg, in order. When one fails it unregisters the
// ones registered before it, so that a caller may fix the clash and try again, and
// returns an error that names the collector's metrics: client_golang's own error says
// only that "a previously registered descriptor" clashed.
func All(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return fmt.Errorf("register %s: %w", names(c), err)
		}
	}
	return nil
}

// names lists the fully-qualified names of the metrics c describes.
func names(c prometheus.Collector) string {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	var out []string
	seen := map[string]bool{}
	for d := range ch {
		n := descName(d)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return fmt.Sprint(out)
}

// descName extracts fqName from a Desc's String form, the only place client_golang
// exposes it: Desc{fqName: "name", help: ..., ...}.
func descName(d *prometheus.Desc) string {
	s := d.String()
	const key = `fqName: "`
	for i := 0; i+len(key) <= len(s); i++ {
		if s[i:i+len(key)] == key {
			rest := s[i+len(key):]
			for j := 0; j < len(rest); j++ {
				if rest[j] == '"' {
					return rest[:j]
				}
			}
		}
	}
	return s
}

// IsAlreadyRegistered reports whether err says a collector was registered before.
func IsAlreadyRegistered(err error) bool {
	var are prometheus.AlreadyRegisteredError
	return errors.As(err, &are)
}
