package errapi

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// filter is a parsed list request: the Query for the store and the raw values, which
// the HTML page shows back in its form.
type filter struct {
	query errtrack.Query
	raw   map[string]string
}

// maxParamLen bounds a filter value; longer ones cannot name a type, route or source.
const maxParamLen = 1024

// parseFilter reads the list parameters of v. An empty value means "not given", so that
// the HTML form's empty fields select nothing. Errors name the parameter.
func parseFilter(v url.Values, now time.Time) (filter, error) {
	f := filter{query: errtrack.Query{Limit: DefaultLimit}, raw: make(map[string]string, 8)}
	for _, name := range [...]string{"state", "severity", "type", "route", "source", "since", "sort", "limit"} {
		vals := v[name]
		if len(vals) > 1 {
			return filter{}, fmt.Errorf("parameter %s: given %d times, want at most once", name, len(vals))
		}
		if len(vals) == 0 || vals[0] == "" {
			continue
		}
		val := vals[0]
		if len(val) > maxParamLen {
			return filter{}, fmt.Errorf("parameter %s: longer than %d bytes", name, maxParamLen)
		}
		f.raw[name] = val
		if err := f.set(name, val, now); err != nil {
			return filter{}, fmt.Errorf("parameter %s: %w", name, err)
		}
	}
	return f, nil
}

func (f *filter) set(name, val string, now time.Time) error {
	q := &f.query
	switch name {
	case "state":
		st, ok := errtrack.ParseState(val)
		if !ok {
			return fmt.Errorf("unknown state %q (want unresolved, resolved or ignored)", val)
		}
		q.State = st
	case "severity":
		sev, err := errtrack.ParseSeverity(val)
		if err != nil {
			return err
		}
		q.MinSeverity = sev
	case "type":
		q.Type = val
	case "route":
		q.Route = val
	case "source":
		q.Source = val
	case "since":
		t, err := parseSince(val, now)
		if err != nil {
			return err
		}
		q.Since = t
	case "sort":
		if val != "count" && val != "last_seen" {
			return fmt.Errorf("unknown sort %q (want count or last_seen)", val)
		}
		q.Sort = val
	case "limit":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > MaxLimit {
			return fmt.Errorf("%q is not a whole number from 1 to %d", val, MaxLimit)
		}
		q.Limit = n
	}
	return nil
}

// parseSince reads an RFC 3339 time or a Prometheus duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration such as 1h or 7d: %w", s, err)
	}
	return now.Add(-d), nil
}

// parseDuration reads a Prometheus duration: units y, w, d, h, m, s, ms, each at most
// once and in that order ("1h30m", "7d", "90s"), a year being 365 days.
func parseDuration(s string) (time.Duration, error) {
	units := [...]struct {
		name string
		d    time.Duration
	}{
		{"y", 365 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour},
		{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond},
	}
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	next := 0 // index of the first unit still allowed
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("want a number at %q", s)
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("number %q: %w", s[:i], err)
		}
		s = s[i:]
		j := 0
		for j < len(s) && (s[j] < '0' || s[j] > '9') {
			j++
		}
		unit := s[:j]
		s = s[j:]
		k := next
		for k < len(units) && units[k].name != unit {
			k++
		}
		if k == len(units) {
			return 0, fmt.Errorf("unit %q unknown or out of order (want y, w, d, h, m, s, ms in that order)", unit)
		}
		next = k + 1
		if n > math.MaxInt64/int64(units[k].d) {
			return 0, errors.New("duration too long")
		}
		add := time.Duration(n) * units[k].d
		if total > math.MaxInt64-add {
			return 0, errors.New("duration too long")
		}
		total += add
	}
	return total, nil
}
