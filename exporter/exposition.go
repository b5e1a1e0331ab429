package exporter

import (
	"math"
	"strconv"
)

// AppendText sorts the batch and appends it to dst in the Prometheus text
// exposition format (version 0.0.4).
func (b *Batch) AppendText(dst []byte) []byte {
	b.sort()
	var cur *Desc
	family := ""
	for i := range b.samples {
		s := &b.samples[i]
		if s.desc != cur {
			cur = s.desc
			if cur.family != family {
				family = cur.family
				dst = append(dst, cur.header...)
			}
		}
		dst = append(dst, cur.name...)
		if s.hi > s.lo {
			dst = append(dst, '{')
			for j, v := range b.labels[s.lo:s.hi] {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, cur.labels[j]...)
				dst = append(dst, '=', '"')
				dst = appendLabelValue(dst, v)
				dst = append(dst, '"')
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ' ')
		dst = appendFloat(dst, s.value)
		dst = append(dst, '\n')
	}
	return dst
}

// appendLabelValue escapes backslash, double quote and newline as the text
// format requires.
func appendLabelValue(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '"':
			dst = append(dst, '\\', '"')
		case '\n':
			dst = append(dst, '\\', 'n')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendFloat formats like expfmt does, so both exporters print the same
// strings for the same values.
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case f == 1:
		return append(dst, '1')
	case f == 0:
		return append(dst, '0')
	case f == -1:
		return append(dst, '-', '1')
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, +1):
		return append(dst, "+Inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-Inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}
