package sqlmon

import (
	"strings"
	"sync"
	"time"
)

// warnLimiter lets warnings about one route and pattern through at most once per
// interval, and counts the ones it holds back so that the next warning can say so.
type warnLimiter struct {
	interval time.Duration // 0: every warning goes through

	mu   sync.Mutex
	last map[warnKey]*warnState
}

// A warnKey is what one warning is about: an N+1 pattern (its fingerprint as logged)
// of a route, or the route's excessive query counts.
type warnKey struct {
	route, pattern string
	excessive      bool
}

type warnState struct {
	at         time.Duration // when the key was last named, since the monitor's epoch
	suppressed int           // warnings held back since then
}

// maxWarnKeys bounds the keys a limiter remembers. Beyond it, keys past their interval
// are forgotten first, then any one: a forgotten key's next warning goes through.
const maxWarnKeys = 4096

// allow decides on one warning that names keys at time now: it goes through when at
// least one of them was not named within the interval, and then every key counts as
// named; otherwise each key counts one more suppressed warning. suppressed[i] is how
// many warnings naming keys[i] were held back since it was last named.
func (l *warnLimiter) allow(keys []warnKey, now time.Duration) (suppressed []int, ok bool) {
	suppressed = make([]int, len(keys))
	if l.interval == 0 {
		return suppressed, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if st := l.last[k]; st == nil || now-st.at >= l.interval {
			ok = true
			break
		}
	}
	for i, k := range keys {
		st := l.last[k]
		switch {
		case st == nil && ok:
			l.remember(k, now)
		case ok:
			suppressed[i] = st.suppressed
			*st = warnState{at: now}
		default:
			st.suppressed++
		}
	}
	return suppressed, ok
}

// allowOne is allow for a warning about a single key.
func (l *warnLimiter) allowOne(k warnKey, now time.Duration) (ok bool, suppressed int) {
	s, ok := l.allow([]warnKey{k}, now)
	return ok, s[0]
}

// remember adds k, named at now, making room when the limiter is full.
func (l *warnLimiter) remember(k warnKey, now time.Duration) {
	if l.last == nil {
		l.last = map[warnKey]*warnState{}
	}
	if len(l.last) >= maxWarnKeys {
		for old, st := range l.last {
			if now-st.at >= l.interval {
				delete(l.last, old)
			}
		}
		for old := range l.last {
			if len(l.last) < maxWarnKeys {
				break
			}
			delete(l.last, old) // map order: an arbitrary one
		}
	}
	// The key's strings may be slices of longer ones (a truncated fingerprint): copy
	// them, so that the limiter retains no more than it shows.
	k.route, k.pattern = strings.Clone(k.route), strings.Clone(k.pattern)
	l.last[k] = &warnState{at: now}
}
