package sqlmon

import "sync"

// queryCache remembers what perfwatch derived from each query string, because
// applications run the same few strings over and over. It is bounded: each shard keeps
// two generations of at most maxPerShard entries, and when the current one is full it
// becomes the old one and the oldest is dropped, so strings in use stay while one-off
// strings (queries with literals inlined) come and go.
type queryCache[V any] struct {
	shards      [cacheShards]cacheShard[V]
	maxPerShard int
	build       func(query string) V
}

const (
	cacheShards = 16
	// maxCachedQuery is the longest query string kept as a key: longer ones are
	// fingerprinted each time rather than held in memory.
	maxCachedQuery = 16 << 10
)

type cacheShard[V any] struct {
	mu       sync.RWMutex
	cur, old map[string]V
	_        [32]byte // keeps shards' locks on separate cache lines
}

func newQueryCache[V any](max int, build func(string) V) *queryCache[V] {
	c := &queryCache[V]{maxPerShard: max/(2*cacheShards) + 1, build: build}
	for i := range c.shards {
		c.shards[i].cur = map[string]V{}
	}
	return c
}

// get returns the value for query, making it on first use.
func (c *queryCache[V]) get(query string) V {
	if len(query) > maxCachedQuery {
		return c.build(query)
	}
	sh := &c.shards[shardOf(query)]
	sh.mu.RLock()
	v, ok := sh.cur[query]
	inOld := false
	if !ok {
		v, ok = sh.old[query]
		inOld = ok
	}
	sh.mu.RUnlock()
	if ok && !inOld {
		return v
	}
	if !ok {
		v = c.build(query) // outside the lock: other strings of the shard go on meanwhile
	}
	sh.mu.Lock()
	if w, found := sh.cur[query]; found {
		v = w // another goroutine was first: one value per string
	} else {
		if len(sh.cur) >= c.maxPerShard {
			sh.old, sh.cur = sh.cur, make(map[string]V, c.maxPerShard)
		}
		sh.cur[query] = v
	}
	sh.mu.Unlock()
	return v
}

// shardOf spreads query strings over the shards from a few of their bytes, which is
// much cheaper than hashing them all; the shard's map hashes them anyway.
func shardOf(q string) int {
	h := len(q)
	if len(q) > 0 {
		h = h*31 + int(q[len(q)/2])
		h = h*31 + int(q[len(q)-1])
		h = h*31 + int(q[len(q)/3])
	}
	return h & (cacheShards - 1)
}
