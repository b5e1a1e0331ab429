// Package buckets checks and extends histogram bucket boundaries.
package buckets

import (
	"fmt"
	"math"
	"slices"
)

// Check reports whether b is a usable list of histogram boundaries: not empty, no
// NaN, strictly increasing.
func Check(b []float64) error {
	if len(b) == 0 {
		return fmt.Errorf("no boundaries")
	}
	for i, v := range b {
		if math.IsNaN(v) {
			return fmt.Errorf("boundary %d is NaN", i)
		}
		if i > 0 && v <= b[i-1] {
			return fmt.Errorf("boundaries must increase: %v after %v", v, b[i-1])
		}
	}
	return nil
}

// WithBoundary returns b with v inserted in order, unless it is already there; b is
// not changed.
func WithBoundary(b []float64, v float64) []float64 {
	i, found := slices.BinarySearch(b, v)
	if found {
		return b
	}
	return slices.Insert(slices.Clone(b), i, v)
}
