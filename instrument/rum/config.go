package rum

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Config is what the beacon ingest accepts and how it bounds its labels. The YAML tags
// are those of the collector's rum: section; strict decoding is the caller's.
type Config struct {
	// AllowedOrigins are the browser origins (scheme://host[:port]) that may send
	// beacons from other origins, for CORS; "*" allows any. A request whose Origin is
	// the ingest's own host, or without an Origin header, is not affected.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// Pages are the page templates of the page label; any other page is "other".
	Pages []string `yaml:"pages"`
	// APIRoutes are the route templates of the browser's API calls (http_route); any
	// other route is "other".
	APIRoutes []string `yaml:"api_routes"`
	// Measures are the performance.measure names (without the snippet's prefix) of the
	// name label; the first DefaultSeenMeasures other names seen are kept too, the rest
	// are "other".
	Measures []string `yaml:"measures"`
	// RateLimit bounds the beacons of each client.
	RateLimit RateLimit `yaml:"rate_limit"`
	// TrustedProxies are the CIDRs (or single addresses) of reverse proxies whose
	// X-Forwarded-For names the client; the header of any other peer is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// RateLimit is a token bucket per client (its IP address; an IPv6 client's /64).
type RateLimit struct {
	// PerClientPerSecond is the bucket's refill rate (default 5 beacons a second).
	PerClientPerSecond float64 `yaml:"per_client_per_second"`
	// Burst is the bucket's size (default 20 beacons).
	Burst int `yaml:"burst"`
	// Clients bounds the table of buckets (default 10,000); when it is full, the
	// client idle the longest is forgotten.
	Clients int `yaml:"clients"`
}

// Defaults and bounds of Config.
const (
	DefaultPerClientPerSecond = 5
	DefaultBurst              = 20
	DefaultClients            = 10000
	// DefaultSeenMeasures is how many measure names beyond Config.Measures get a label
	// of their own, first come first served.
	DefaultSeenMeasures = 50
	// MaxPages bounds Config.Pages, MaxAPIRoutes Config.APIRoutes and MaxMeasures
	// Config.Measures, so that the series stay bounded whatever the configuration.
	MaxPages     = 1000
	MaxAPIRoutes = 1000
	MaxMeasures  = 200
	// MaxLabelBytes bounds a configured page, route or measure name.
	MaxLabelBytes = 256
	// MaxClients bounds RateLimit.Clients.
	MaxClients = 1 << 20
)

func (r RateLimit) withDefaults() RateLimit {
	if r.PerClientPerSecond == 0 {
		r.PerClientPerSecond = DefaultPerClientPerSecond
	}
	if r.Burst == 0 {
		r.Burst = DefaultBurst
	}
	if r.Clients == 0 {
		r.Clients = DefaultClients
	}
	return r
}

// Validate checks the configuration: origins scheme://host[:port] or "*"; pages and
// API routes absolute paths, measures non-empty, each unique, of at most MaxLabelBytes
// and within their count bounds; rate limits not negative; trusted proxies CIDRs or
// addresses.
func (c *Config) Validate() error {
	for i, o := range c.AllowedOrigins {
		if o == "*" {
			continue
		}
		scheme, host, ok := strings.Cut(o, "://")
		if !ok || scheme == "" || host == "" || strings.ContainsAny(host, "/?#") {
			return fmt.Errorf("allowed_origins[%d] %q: want scheme://host[:port] or *", i, o)
		}
	}
	if err := checkNames("pages", c.Pages, MaxPages, true); err != nil {
		return err
	}
	if err := checkNames("api_routes", c.APIRoutes, MaxAPIRoutes, true); err != nil {
		return err
	}
	if err := checkNames("measures", c.Measures, MaxMeasures, false); err != nil {
		return err
	}
	rl := c.RateLimit
	switch {
	case rl.PerClientPerSecond < 0 || rl.PerClientPerSecond != rl.PerClientPerSecond:
		return fmt.Errorf("rate_limit.per_client_per_second %v: must not be negative", rl.PerClientPerSecond)
	case rl.Burst < 0:
		return fmt.Errorf("rate_limit.burst %d: must not be negative", rl.Burst)
	case rl.Clients < 0 || rl.Clients > MaxClients:
		return fmt.Errorf("rate_limit.clients %d: want 0 (default %d) to %d", rl.Clients, DefaultClients, MaxClients)
	}
	if _, err := parseProxies(c.TrustedProxies); err != nil {
		return err
	}
	return nil
}

func checkNames(field string, names []string, max int, path bool) error {
	if len(names) > max {
		return fmt.Errorf("%s: %d entries, at most %d", field, len(names), max)
	}
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		switch {
		case n == "":
			return fmt.Errorf("%s[%d]: empty", field, i)
		case len(n) > MaxLabelBytes:
			return fmt.Errorf("%s[%d]: %d bytes, at most %d", field, i, len(n), MaxLabelBytes)
		case !utf8.ValidString(n):
			return fmt.Errorf("%s[%d]: not UTF-8", field, i)
		case path && !strings.HasPrefix(n, "/"):
			return fmt.Errorf("%s[%d] %q: want a path template starting with /", field, i, n)
		case n == labelOther:
			return fmt.Errorf("%s[%d] %q: reserved for everything not configured", field, i, n)
		case seen[n]:
			return fmt.Errorf("%s[%d] %q: duplicate", field, i, n)
		}
		seen[n] = true
	}
	return nil
}

// parseProxies reads CIDRs or single addresses.
func parseProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies[%d] %q: want a CIDR or an IP address", i, s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
