package sqlmon

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestTruncateOnCharacterBoundary(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"SELECT x", 20, "SELECT x"},
		{"SELECT x", 8, "SELECT x"},
		{"SELECT x", 6, "SELECT…"},
		{"SELECT ñame", 8, "SELECT …"},  // ñ is two bytes: cutting at 8 would split it
		{"SELECT ñame", 9, "SELECT ñ…"}, // the cut falls after it
		{"SELECT 名前", 9, "SELECT …"},    // 名 is three bytes
		{"SELECT 名前", 10, "SELECT 名…"},
		{"SELECT 😀", 10, "SELECT …"}, // four bytes
		{"名前", 1, "…"},
	} {
		got := truncate(tc.s, tc.n)
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
	// Every cut of a long multi-byte text is valid UTF-8 and a prefix of it.
	s := strings.Repeat("SELECT \"テーブル\" FROM ñ 😀 ", 20)
	for n := 0; n < len(s); n++ {
		got := truncate(s, n)
		if !utf8.ValidString(got) || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) || len(got) > n+len("…") {
			t.Fatalf("truncate(…, %d) = %q", n, got)
		}
	}
}

// TestQueryCacheBoundedByBytes fills caches with long distinct queries: what they
// retain stays within the byte budget, and a repeated query still hits.
func TestQueryCacheBoundedByBytes(t *testing.T) {
	for _, budget := range []int{0, 64 << 10, 1 << 20} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			builds := 0
			c := newQueryCache(budget, func(q string) (string, int) {
				builds++
				return strings.ToUpper(q), len(q) // a "fingerprint" as long as the query
			})
			for i := range 2000 {
				// 100 B to 12 KiB: short ones fit, the longest no generation of the small
				// budgets can hold.
				q := fmt.Sprintf("select %d from t where x in (%s)", i, strings.Repeat("1,", 50+(i*37)%6000))
				if got := c.get(q); got != strings.ToUpper(q) {
					t.Fatalf("get returned the value of another query")
				}
				if n := c.retainedBytes(); n > budget {
					t.Fatalf("after %d queries the cache retains %d bytes, over its budget of %d", i+1, n, budget)
				}
			}
			const q = "SELECT name FROM items WHERE id = ?"
			before := builds
			for range 10 {
				c.get(q)
			}
			want := 1
			if budget == 0 {
				want = 10 // no cache: built each time
			}
			if builds-before != want {
				t.Errorf("a query run 10 times was built %d times, want %d", builds-before, want)
			}
		})
	}
}

func TestQueryCacheDefaultRetainsLittle(t *testing.T) {
	// The default budget, against the count bound it replaces: 5000 queries of 16 KiB
	// were 80 MiB.
	c := newQueryCache(DefaultQueryCacheBytes, func(q string) (string, int) { return q, len(q) })
	long := strings.Repeat("x", 16<<10)
	for i := range 5000 {
		c.get(fmt.Sprint(i, long))
	}
	if n := c.retainedBytes(); n > DefaultQueryCacheBytes {
		t.Errorf("retains %d bytes, over the default %d", n, DefaultQueryCacheBytes)
	}
}

func TestWarnLimiter(t *testing.T) {
	l := warnLimiter{interval: time.Minute}
	a := warnKey{route: "/a", pattern: "SELECT x FROM t WHERE id = ?"}
	b := warnKey{route: "/a", pattern: "SELECT y FROM u WHERE id = ?"}
	other := warnKey{route: "/b", pattern: a.pattern}
	step := func(keys []warnKey, at time.Duration, wantOK bool, wantSuppressed ...int) {
		t.Helper()
		s, ok := l.allow(keys, at)
		if ok != wantOK || (ok && fmt.Sprint(s) != fmt.Sprint(wantSuppressed)) {
			t.Errorf("allow(%v) at %v = %v %v, want %v %v", keys, at, s, ok, wantOK, wantSuppressed)
		}
	}
	step([]warnKey{a}, 0, true, 0)
	step([]warnKey{a}, time.Second, false)
	step([]warnKey{a}, 2*time.Second, false)
	step([]warnKey{other}, 3*time.Second, true, 0)   // another route: its own interval
	step([]warnKey{a, b}, 4*time.Second, true, 2, 0) // b is new: written, naming both
	step([]warnKey{a, b}, 5*time.Second, false)
	step([]warnKey{a}, 61*time.Second, false)         // a was named again at 4 s
	step([]warnKey{a, b}, 65*time.Second, true, 2, 1) // both due; a held back twice, b once

	// Never more keys than the bound.
	for i := range 3 * maxWarnKeys {
		l.allow([]warnKey{{route: "/c", pattern: fmt.Sprint(i)}}, 70*time.Second)
	}
	if len(l.last) > maxWarnKeys {
		t.Errorf("%d keys remembered, bound %d", len(l.last), maxWarnKeys)
	}

	// Interval 0: everything goes through.
	z := warnLimiter{}
	for range 3 {
		if _, ok := z.allow([]warnKey{a}, 0); !ok {
			t.Error("interval 0 held a warning back")
		}
	}
}
