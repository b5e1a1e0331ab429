package sqlfingerprint

import (
	"strings"
	"testing"
)

// benchQuery is a 300-byte statement of the kind ORMs write.
var benchQuery = func() string {
	q := `SELECT vi.id, vi.title, vi.username, vi.url, vi.updated_at ` +
		`FROM vault_items vi JOIN folders f ON f.id = vi.folder_id ` +
		`WHERE vi.owner_id = $1 AND f.name = 'Personal' AND vi.deleted_at IS NULL ` +
		`AND vi.id IN (101, 102, 103) /* app:vault */ ORDER BY vi.updated_at DESC LIMIT 50`
	return q + strings.Repeat(" ", 300-len(q))
}()

// BenchmarkFingerprint measures fingerprinting a 300-byte query by PostgreSQL's rules
// (uncached, the name the figures in docs/benchmarks.md have always had) and by each
// dialect's. sqlmon's cache in front of it serves repeated statements without it.
func BenchmarkFingerprint(b *testing.B) {
	if len(benchQuery) != 300 {
		b.Fatalf("benchmark query is %d bytes", len(benchQuery))
	}
	run := func(d Dialect) func(b *testing.B) {
		return func(b *testing.B) {
			b.SetBytes(int64(len(benchQuery)))
			b.ReportAllocs()
			for b.Loop() {
				_ = Fingerprint(d, benchQuery)
			}
		}
	}
	b.Run("uncached", run(PostgreSQL))
	for _, d := range []Dialect{ANSI, SQLite, MySQL, SQLServer} {
		b.Run("dialect="+d.String(), run(d))
	}
}
