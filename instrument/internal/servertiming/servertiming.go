// Package servertiming writes the values of Server-Timing headers.
package servertiming

import "strconv"

// AppendCount appends "1 hit" or "3 hits": n and the word for one or many.
func AppendCount(b []byte, n int64, one, many string) []byte {
	b = strconv.AppendInt(b, n, 10)
	b = append(b, ' ')
	if n == 1 {
		return append(b, one...)
	}
	return append(b, many...)
}
