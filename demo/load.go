package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Target is one kind of request the traffic generator sends, with its share of the mix.
type Target struct {
	Name   string
	Weight int
	Method string
	// Path returns the request path, with random ids where the route has them.
	Path func() string
	Body string
	// Timeout, when set, is how long the generator waits before it gives up on the
	// request, as an impatient user does.
	Timeout time.Duration
}

func randomUser() int { return 1 + rand.IntN(seedUsers) }

// DefaultMix is the traffic the generator sends unless told otherwise: mostly fast
// reads, some N+1 and joined vault listings, a few slow reports, flaky syncs and
// requests for missing resources.
func DefaultMix() []Target {
	return []Target{
		{Name: "item", Weight: 35, Method: "GET", Path: func() string {
			return "/api/items/" + strconv.Itoa(1+rand.IntN(seedUsers*seedFoldersPerUser*seedItemsPerFolder))
		}},
		{Name: "user", Weight: 12, Method: "GET", Path: func() string { return fmt.Sprintf("/api/users/%d", randomUser()) }},
		{Name: "folders", Weight: 12, Method: "GET", Path: func() string { return fmt.Sprintf("/api/users/%d/folders", randomUser()) }},
		{Name: "vault", Weight: 8, Method: "GET", Path: func() string { return fmt.Sprintf("/api/users/%d/vault", randomUser()) }},
		{Name: "vault_joined", Weight: 8, Method: "GET", Path: func() string { return fmt.Sprintf("/api/users/%d/vault/joined", randomUser()) }},
		{Name: "create", Weight: 5, Method: "POST", Path: func() string { return "/api/items" },
			Body: `{"folder_id":1,"title":"generated","username":"bot","url":"https://example.com","secret":"c2VjcmV0"}`},
		{Name: "sync", Weight: 10, Method: "POST", Path: func() string { return "/api/sync" }},
		{Name: "export", Weight: 1, Method: "GET", Path: func() string { return fmt.Sprintf("/api/users/%d/export", randomUser()) }},
		{Name: "report", Weight: 3, Method: "GET", Path: func() string { return "/api/reports/activity" }},
		{Name: "missing", Weight: 3, Method: "GET", Path: func() string { return fmt.Sprintf("/api/users/%d", 1000+rand.IntN(1000)) }},
		{Name: "page", Weight: 4, Method: "GET", Path: func() string { return "/" }},
	}
}

// FaultMix is the traffic to the fault endpoints (see the demo's faults), which the
// generator sends as a share of its requests (Load.FaultShare), each kind equally.
func FaultMix() []Target {
	return []Target{
		{Name: FaultPanic, Weight: 1, Method: "GET", Path: func() string {
			return fmt.Sprintf("/api/items/%d/preview", 1+rand.IntN(seedUsers*seedFoldersPerUser*seedItemsPerFolder))
		}},
		{Name: FaultDB, Weight: 1, Method: "GET", Path: func() string { return fmt.Sprintf("/api/users/%d/audit", randomUser()) }},
		{Name: FaultTimeout, Weight: 1, Method: "GET", Path: func() string {
			return "/api/search?q=" + []string{"bank", "mail", "wifi", "router"}[rand.IntN(4)]
		}},
		{Name: FaultGateway, Weight: 1, Method: "POST", Path: func() string { return "/api/checkout" },
			Body: `{"plan":"family","months":12}`},
		{Name: FaultAbandon, Weight: 1, Method: "GET", Path: func() string { return "/api/reports/activity" },
			Timeout: 250 * time.Millisecond},
	}
}

// ParseMix changes the weights of DefaultMix from "name=weight,name=weight"; names left
// out keep their default weight, and a weight of 0 leaves the target out.
func ParseMix(s string) ([]Target, error) { return parseWeights(DefaultMix(), "load mix", s) }

// ParseFaultMix changes the weights of FaultMix as ParseMix does those of DefaultMix.
func ParseFaultMix(s string) ([]Target, error) {
	return parseWeights(FaultMix(), "fault mix", s)
}

func parseWeights(mix []Target, what, s string) ([]Target, error) {
	if strings.TrimSpace(s) == "" {
		return mix, nil
	}
	byName := map[string]*Target{}
	var names []string
	for i := range mix {
		byName[mix[i].Name] = &mix[i]
		names = append(names, mix[i].Name)
	}
	sort.Strings(names)
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		t := byName[name]
		if !ok || t == nil {
			return nil, fmt.Errorf("%s %q: want name=weight with a name among %s", what, part, strings.Join(names, ", "))
		}
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s %q: weight must be a whole number ≥ 0", what, part)
		}
		t.Weight = n
	}
	total := 0
	for _, t := range mix {
		total += t.Weight
	}
	if total == 0 {
		return nil, fmt.Errorf("%s %q: every weight is 0", what, s)
	}
	return mix, nil
}

// Load sends requests to the demo at a steady rate, so that dashboards and alerts have
// live data.
type Load struct {
	BaseURL     string
	RPS         float64
	Mix         []Target
	Client      *http.Client
	MaxInFlight int // requests beyond it are skipped, not queued (default 64)
	Logger      *slog.Logger
	// Faults is sent instead of Mix for a FaultShare of the requests (0: never).
	Faults     []Target
	FaultShare float64
}

// Run sends requests until ctx ends. Requests run concurrently, so a slow endpoint does
// not hold back the rest of the mix.
func (l *Load) Run(ctx context.Context) error {
	if l.RPS <= 0 {
		return fmt.Errorf("load: rate %v must be positive", l.RPS)
	}
	total := 0
	for _, t := range l.Mix {
		total += t.Weight
	}
	if total == 0 {
		return fmt.Errorf("load: empty mix")
	}
	faultTotal := 0
	for _, t := range l.Faults {
		faultTotal += t.Weight
	}
	if l.FaultShare < 0 || l.FaultShare > 1 {
		return fmt.Errorf("load: fault share %v must be between 0 and 1", l.FaultShare)
	}
	maxInFlight := l.MaxInFlight
	if maxInFlight <= 0 {
		maxInFlight = 64
	}
	slots := make(chan struct{}, maxInFlight)
	tick := time.NewTicker(time.Duration(float64(time.Second) / l.RPS))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// Let the requests in flight end (ctx is theirs too), then close the client's
			// idle connections: one the transport dialled but never used is, to the
			// server, a new connection, which http.Server.Shutdown waits 5 s for.
			for range maxInFlight {
				slots <- struct{}{}
			}
			if l.Client != nil {
				l.Client.CloseIdleConnections()
			}
			return nil
		case <-tick.C:
		}
		var t Target
		if faultTotal > 0 && l.FaultShare > 0 && rand.Float64() < l.FaultShare {
			t = pick(l.Faults, faultTotal)
		} else {
			t = pick(l.Mix, total)
		}
		select {
		case slots <- struct{}{}:
			go func() {
				defer func() { <-slots }()
				l.send(ctx, t)
			}()
		default:
			l.Logger.Debug("load: too many requests in flight, skipping one", "target", t.Name)
		}
	}
}

func pick(mix []Target, total int) Target {
	n := rand.IntN(total)
	for _, t := range mix {
		if n < t.Weight {
			return t
		}
		n -= t.Weight
	}
	return mix[len(mix)-1]
}

func (l *Load) send(ctx context.Context, t Target) {
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	var body io.Reader
	if t.Body != "" {
		body = strings.NewReader(t.Body)
	}
	req, err := http.NewRequestWithContext(ctx, t.Method, l.BaseURL+t.Path(), body)
	if err != nil {
		l.Logger.Error("load: build request", "target", t.Name, "err", err)
		return
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.Client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			l.Logger.Warn("load: request failed", "target", t.Name, "err", err)
		}
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body) // drain, so the connection is reused
	resp.Body.Close()
}
