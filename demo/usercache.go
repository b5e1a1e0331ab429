package demo

import (
	"sync"
	"time"
)

// userCache keeps users for a while, as applications keep hot rows in memory or in
// Redis. It is what GET /api/users/{id} reads first, so the cache panels have a hit
// ratio to show.
type userCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[int64]cachedUser
}

type cachedUser struct {
	u       User
	expires time.Time
}

func newUserCache(ttl time.Duration) *userCache {
	return &userCache{ttl: ttl, m: map[int64]cachedUser{}}
}

func (c *userCache) get(id int64) (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Now().After(e.expires) {
		return User{}, false
	}
	return e.u, true
}

func (c *userCache) set(u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[u.ID] = cachedUser{u: u, expires: time.Now().Add(c.ttl)}
}
