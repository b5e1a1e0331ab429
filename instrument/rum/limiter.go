package rum

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// limiter is a token bucket per client over a table of at most max clients; when the
// table is full, the client idle the longest is forgotten (its next beacon finds a full
// bucket), so a flood from many addresses costs at most max entries.
type limiter struct {
	rate  float64 // tokens a second
	burst float64
	max   int

	mu      sync.Mutex
	clients map[netip.Addr]*bucket
	lru     bucket // sentinel of the list, most recently used first
}

type bucket struct {
	key        netip.Addr
	tokens     float64
	last       time.Time
	prev, next *bucket
}

func newLimiter(rl RateLimit) *limiter {
	l := &limiter{rate: rl.PerClientPerSecond, burst: float64(rl.Burst), max: rl.Clients,
		clients: make(map[netip.Addr]*bucket, min(rl.Clients, 1024))}
	l.lru.next, l.lru.prev = &l.lru, &l.lru
	return l
}

// allow takes a token of client's bucket at now, and says whether there was one.
func (l *limiter) allow(client netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil {
		if len(l.clients) >= l.max {
			old := l.lru.prev
			l.unlink(old)
			delete(l.clients, old.key)
			b = old // reused: the table's memory stays what max entries take
		} else {
			b = &bucket{}
		}
		*b = bucket{key: client, tokens: l.burst, last: now}
		l.clients[client] = b
	} else {
		l.unlink(b)
		if d := now.Sub(b.last); d > 0 {
			b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
			b.last = now
		}
	}
	l.pushFront(b)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

func (l *limiter) pushFront(b *bucket) {
	b.prev, b.next = &l.lru, l.lru.next
	l.lru.next.prev = b
	l.lru.next = b
}

func (l *limiter) unlink(b *bucket) {
	b.prev.next, b.next.prev = b.next, b.prev
	b.prev, b.next = nil, nil
}

// clientKey is the rate limiter's key of an address: an IPv4 address, or an IPv6
// address's /64 (one host commonly has a whole /64).
func clientKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// clientAddr returns the client of r: its peer, or when the peer is a trusted proxy,
// the right-most address of X-Forwarded-For that is not a trusted proxy.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{} // the zero address: all such requests share one bucket
	}
	peer = peer.Unmap().WithZone("")
	if len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		for h != "" {
			var hop string
			if j := strings.LastIndexByte(h, ','); j >= 0 {
				hop, h = h[j+1:], h[:j]
			} else {
				hop, h = h, ""
			}
			a, err := netip.ParseAddr(strings.TrimSpace(hop))
			if err != nil {
				return client // a forged or garbled hop: the last proxy's word is all we have
			}
			client = a.Unmap().WithZone("")
			if !isTrusted(client, trusted) {
				return client
			}
		}
	}
	return client
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
