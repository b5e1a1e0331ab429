package sqlmon

import (
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/instrument/sqlfingerprint"
)

// BenchmarkFingerprintCached measures what a statement seen before costs: one look-up
// in the query cache, against the fingerprint computed anew (sqlfingerprint's own
// BenchmarkFingerprint measures that on the same 300-byte statement).
func BenchmarkFingerprintCached(b *testing.B) {
	q := `SELECT vi.id, vi.title, vi.username, vi.url, vi.updated_at ` +
		`FROM vault_items vi JOIN folders f ON f.id = vi.folder_id ` +
		`WHERE vi.owner_id = $1 AND f.name = 'Personal' AND vi.deleted_at IS NULL ` +
		`AND vi.id IN (101, 102, 103) /* app:vault */ ORDER BY vi.updated_at DESC LIMIT 50`
	q += strings.Repeat(" ", 300-len(q))
	build := func(s string) (sqlfingerprint.Shape, int) {
		sh := sqlfingerprint.Fingerprint(sqlfingerprint.PostgreSQL, s)
		return sh, len(s) + len(sh.Fingerprint)
	}
	b.Run("cached", func(b *testing.B) {
		c := newQueryCache(DefaultQueryCacheBytes, build)
		c.get(q)
		b.ReportAllocs()
		for b.Loop() {
			_ = c.get(q)
		}
	})
	b.Run("computed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = build(q)
		}
	})
}
