package sqlmon

import "sync"

// queryCache remembers what perfwatch derived from each query string, because
// applications run the same few strings over and over. It is bounded by the bytes its
// entries retain (the query string, plus what build reports for the value): each shard
// keeps two generations of at most maxGenBytes, and when the current one is full it
// becomes the old one and the oldest is dropped, so strings in use stay while one-off
// strings (queries with literals inlined) come and go.
type queryCache[V any] struct {
	shards      [cacheShards]cacheShard[V]
	maxGenBytes int // per shard and generation
	maxQuery    int // longest query string kept as a key
	build       func(query string) (v V, retained int)
}

const (
	cacheShards = 16
	// maxCachedQuery is the longest query string kept as a key whatever the budget:
	// longer ones are fingerprinted each time rather than held in memory.
	maxCachedQuery = 16 << 10
)

type cacheShard[V any] struct {
	mu                 sync.RWMutex
	cur, old           map[string]cacheEntry[V]
	curBytes, oldBytes int
	_                  [32]byte // keeps shards' locks on separate cache lines
}

type cacheEntry[V any] struct {
	v    V
	size int // bytes the entry retains: its key and what build reported
}

// newQueryCache returns a cache whose entries retain at most maxBytes in all; 0 makes
// a cache that keeps nothing.
func newQueryCache[V any](maxBytes int, build func(string) (V, int)) *queryCache[V] {
	c := &queryCache[V]{maxGenBytes: maxBytes / (2 * cacheShards), build: build}
	c.maxQuery = min(maxCachedQuery, c.maxGenBytes/2) // room for the key and its fingerprint
	for i := range c.shards {
		c.shards[i].cur = map[string]cacheEntry[V]{}
	}
	return c
}

// get returns the value for query, making it on first use.
func (c *queryCache[V]) get(query string) V {
	if len(query) > c.maxQuery {
		v, _ := c.build(query)
		return v
	}
	sh := &c.shards[shardOf(query)]
	sh.mu.RLock()
	e, ok := sh.cur[query]
	inOld := false
	if !ok {
		e, ok = sh.old[query]
		inOld = ok
	}
	sh.mu.RUnlock()
	if ok && !inOld {
		return e.v
	}
	if !ok {
		var retained int
		e.v, retained = c.build(query) // outside the lock: other strings of the shard go on meanwhile
		e.size = len(query) + retained
		if e.size > c.maxGenBytes {
			return e.v // would not fit even in an empty generation
		}
	}
	sh.mu.Lock()
	if w, found := sh.cur[query]; found {
		e = w // another goroutine was first: one value per string
	} else {
		if sh.curBytes+e.size > c.maxGenBytes {
			sh.old, sh.oldBytes = sh.cur, sh.curBytes
			sh.cur, sh.curBytes = make(map[string]cacheEntry[V], len(sh.cur)), 0
		}
		// An entry promoted from the old generation stays counted there too until that
		// generation is dropped: the bound holds either way.
		sh.cur[query] = e
		sh.curBytes += e.size
	}
	sh.mu.Unlock()
	return e.v
}

// retainedBytes returns the bytes the entries of both generations account for.
func (c *queryCache[V]) retainedBytes() (n int) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += sh.curBytes + sh.oldBytes
		sh.mu.RUnlock()
	}
	return n
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
