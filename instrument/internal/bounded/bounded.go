// Package bounded keeps label values within a bound, so that no input can create
// series without limit.
package bounded

import "sync"

// A Set hands out at most Max distinct label values, and Other for the rest, each
// with what Make builds for it once. It is safe for concurrent use.
type Set[V any] struct {
	Max   int
	Other string
	Make  func(string) V

	mu   sync.RWMutex
	vals map[string]V
}

// Get returns the value for label and the label value to record.
func (b *Set[V]) Get(label string) (V, string) {
	b.mu.RLock()
	v, ok := b.vals[label]
	b.mu.RUnlock()
	if ok {
		return v, label
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.vals[label]; ok {
		return v, label
	}
	if b.vals == nil {
		b.vals = map[string]V{}
	}
	if len(b.vals) >= b.Max && label != b.Other {
		label = b.Other
		if v, ok := b.vals[label]; ok {
			return v, label
		}
	}
	v = b.Make(label)
	b.vals[label] = v
	return v, label
}
