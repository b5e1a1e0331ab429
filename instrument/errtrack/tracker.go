package errtrack

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A Capturer groups events built elsewhere, such as the Sentry and browser ingests'
// events: a *Tracker, or a test's fake.
type Capturer interface {
	Capture(ctx context.Context, ev *Event) string
}

var _ Capturer = (*Tracker)(nil)

// ErrNoGroup is returned for a group id the Tracker does not hold.
var ErrNoGroup = errors.New("no such error group")

const (
	recentOccurrences = 10 // occurrences a group remembers
	hourlyBuckets     = 48 // hours of counts a group keeps
)

// A Tracker groups the events of one application and exposes them as metrics. It is
// safe for concurrent use.
type Tracker struct {
	cfg   config
	m     *metrics
	cache pcCache
	dirty atomic.Bool // groups changed since the state file was written

	mu     sync.Mutex
	groups map[string]*group
	lru    group              // sentinel of the list of groups, most recently seen first
	slots  map[string]bool    // group ids that have a group label, for the process's life
	types  map[string]string  // error_type label of each type seen, bounded
	routes map[string]string  // http_route label of ingested routes, bounded
	seen   map[string]seenKey // labels of each group's info series, to replace it

	ownDir string // instrument's source directory, with a trailing slash ("" if unknown)
}

type seenKey struct{ errorType, message, route string }

// group is a Group with what the Tracker needs to keep it.
type group struct {
	prev, next *group
	Group
	recent    [recentOccurrences]Occurrence
	nrecent   int
	hourly    [hourlyBuckets]uint64
	hour      int64 // hour (Unix seconds / 3600) of hourly's last bucket
	label     string
	evicted   bool
	counters  [SeverityCritical + 1]struct{ errors, events prometheus.Counter }
	infoState State // state of the info series exposed
}

// New returns a Tracker whose metrics are registered on reg. With WithStateFile it
// loads the groups of the file first; a corrupt file is moved aside and logged, and
// does not make New fail.
func New(reg prometheus.Registerer, opts ...Option) (*Tracker, error) {
	if reg == nil {
		return nil, fmt.Errorf("errtrack: nil Registerer (pass prometheus.DefaultRegisterer to use the global one)")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("errtrack: %w", err)
		}
	}
	t := &Tracker{
		cfg: cfg, groups: make(map[string]*group), slots: make(map[string]bool),
		types: make(map[string]string), routes: make(map[string]string), seen: make(map[string]seenKey),
	}
	t.lru.next, t.lru.prev = &t.lru, &t.lru
	// This file is instrument/errtrack/tracker.go, as the binary records it (an absolute
	// path, or a module path under -trimpath): instrument's frames have files below.
	if _, file, _, ok := runtime.Caller(0); ok {
		t.ownDir = path.Dir(path.Dir(file)) + "/"
	}
	t.cache.init()
	m, err := newMetrics(t, reg)
	if err != nil {
		return nil, fmt.Errorf("errtrack: %w", err)
	}
	t.m = m
	if cfg.stateFile != "" {
		t.load()
	}
	return t, nil
}

// newEventID returns 32 random hex digits, Sentry's event id format.
func newEventID() string {
	var b [16]byte
	a, c := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		b[i], b[8+i] = byte(a>>(8*i)), byte(c>>(8*i))
	}
	return hex.EncodeToString(b[:])
}

// Capture groups ev, counts it and returns its event id. Sentry-compatible ingests call
// it with events built from other SDKs' payloads; Go code calls Report instead. ev's
// text is scrubbed first; ev itself is not kept, only a scrubbed copy.
func (t *Tracker) Capture(ctx context.Context, ev *Event) string {
	if ev.ID == "" {
		ev.ID = newEventID()
	}
	if ev.Time.IsZero() {
		ev.Time = t.cfg.now()
	}
	if ev.Source == "" {
		ev.Source = SourceServer
	}
	if ev.Severity == SeverityUnset {
		ev.Severity = classify(ev.Panic, ev.Canceled, ev.Request.Status)
	}
	g := t.groupOf(prepare(ev))
	t.record(g, ev)
	return ev.ID
}

// classify is the default severity: a panic is critical, a cancellation low, an error
// that produced a 5xx high, any other medium.
func classify(panicked, canceled bool, status int) Severity {
	switch {
	case panicked:
		return SeverityCritical
	case canceled:
		return SeverityLow
	case status >= 500:
		return SeverityHigh
	}
	return SeverityMedium
}

// prepared is an event scrubbed and fingerprinted, ready to find its group.
type prepared struct {
	ev         *Event
	normalised string
	id         string
}

// prepare scrubs ev in place and computes its group id.
func prepare(ev *Event) prepared {
	ev.Message = truncateUTF8(Scrub(ev.Message), maxMessage)
	for k, v := range ev.Extra {
		if SensitiveKey(k) {
			delete(ev.Extra, k)
			continue
		}
		ev.Extra[k] = Scrub(v)
	}
	for i := range ev.Fingerprint {
		ev.Fingerprint[i] = Scrub(ev.Fingerprint[i])
	}
	if len(ev.Types) == 0 {
		ev.Types = []string{"error"}
	}
	n := Normalize(ev.Message)
	return prepared{ev: ev, normalised: n, id: fingerprintOf(ev, n)}
}

// groupOf returns the group of p, making it when it is new.
func (t *Tracker) groupOf(p prepared) *group {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g := t.groups[p.id]; g != nil {
		return g
	}
	ev := p.ev
	g := &group{Group: Group{
		ID: p.id, Source: ev.Source, Types: ev.Types, Type: t.typeLabel(eventType(ev)),
		Message: p.normalised, State: StateUnresolved, FirstSeen: ev.Time, FirstRelease: ev.Release,
	}}
	sample := *ev
	g.Sample = &sample
	t.insert(g)
	t.m.newGroups.WithLabelValues(ev.Source).Inc()
	return g
}

// insert adds g to the groups held, evicting the least recently seen beyond the bound,
// and gives it a group label while there are some to give. Called with t.mu held.
func (t *Tracker) insert(g *group) {
	for len(t.groups) >= t.cfg.maxGroups {
		t.evict(t.lru.prev)
	}
	t.groups[g.ID] = g
	t.pushFront(g)
	if t.slots[g.ID] || len(t.slots) < t.cfg.maxGroupLabels {
		t.slots[g.ID] = true
		g.label = g.ID
		t.m.firstSeen.WithLabelValues(g.Source, g.ID).Set(float64(g.FirstSeen.UnixMilli()) / 1e3)
	} else {
		g.label = GroupOther
	}
	t.dirty.Store(true)
}

func (t *Tracker) evict(g *group) {
	t.unlink(g)
	delete(t.groups, g.ID)
	g.evicted = true
	if g.label != GroupOther {
		if k, ok := t.seen[g.ID]; ok {
			t.m.info.DeleteLabelValues(g.Source, g.ID, k.errorType, k.message, k.route, string(g.infoState))
			delete(t.seen, g.ID)
		}
		t.m.firstSeen.DeleteLabelValues(g.Source, g.ID)
	}
	t.m.evicted.Inc()
}

func (t *Tracker) pushFront(g *group) {
	g.prev, g.next = &t.lru, t.lru.next
	t.lru.next.prev = g
	t.lru.next = g
}

func (t *Tracker) unlink(g *group) {
	g.prev.next, g.next.prev = g.next, g.prev
	g.prev, g.next = nil, nil
}

// typeLabel returns the error_type label of a type: itself while the bound allows.
// Called with t.mu held.
func (t *Tracker) typeLabel(typ string) string {
	if l, ok := t.types[typ]; ok {
		return l
	}
	if len(t.types) >= t.cfg.maxTypes {
		return TypeOther // not remembered: the map stays within the bound too
	}
	t.types[typ] = typ
	return typ
}

// routeLabel bounds the routes of ingested events, which no middleware has bounded.
// Called with t.mu held.
func (t *Tracker) routeLabel(route string) string {
	if l, ok := t.routes[route]; ok {
		return l
	}
	if len(t.routes) >= t.cfg.maxRoutes {
		return "other"
	}
	t.routes[route] = route
	return route
}

// record counts one event of g. A group evicted since it was found is made again.
func (t *Tracker) record(g *group, ev *Event) {
	t.mu.Lock()
	if g.evicted {
		if cur := t.groups[g.ID]; cur != nil {
			g = cur
		} else {
			g.evicted, g.Count, g.Regressions, g.nrecent = false, 0, 0, 0
			g.hourly, g.State, g.FirstSeen = [hourlyBuckets]uint64{}, StateUnresolved, ev.Time
			t.insert(g) // its counters keep their series: the group label is the group's for good
			t.m.newGroups.WithLabelValues(g.Source).Inc()
		}
	} else if t.lru.next != g {
		t.unlink(g)
		t.pushFront(g)
	}
	g.Count++
	n := g.Count
	regressed := g.State == StateResolved
	if regressed {
		g.State = StateUnresolved
		g.Regressions++
	}
	if ev.Severity > g.Severity {
		g.Severity = ev.Severity
	}
	if ev.Time.After(g.LastSeen) {
		g.LastSeen = ev.Time
	}
	if ev.Request.Route != "" || g.Route == "" {
		g.Route = ev.Request.Route
	}
	copy(g.recent[1:], g.recent[:recentOccurrences-1])
	g.recent[0] = Occurrence{ID: ev.ID, Time: ev.Time, Route: ev.Request.Route, Status: ev.Request.Status,
		Release: ev.Release, Severity: ev.Severity}
	g.nrecent = min(g.nrecent+1, recentOccurrences)
	g.countHour(ev.Time)
	c := &g.counters[ev.Severity]
	if c.errors == nil && !ev.Canceled {
		c.errors = t.m.errors.WithLabelValues(g.Source, ev.Severity.String(), g.Type)
		c.events = t.m.groupEvents.WithLabelValues(g.Source, g.label, ev.Severity.String())
	}
	if g.label != GroupOther {
		t.setInfo(g)
	}
	var route string
	if ev.Request.Route != "" && !ev.Canceled {
		route = ev.Request.Route
		if ev.Source != SourceServer {
			route = t.routeLabel(route)
		}
	}
	t.mu.Unlock()
	t.dirty.Store(true)

	if ev.Canceled {
		t.m.canceled.WithLabelValues(ev.Source).Inc()
	} else {
		c.errors.Inc()
		c.events.Inc()
		if route != "" {
			t.m.byRoute.WithLabelValues(ev.Source, route).Inc()
		}
	}
	if regressed {
		t.m.regressions.WithLabelValues(g.Source, g.label).Inc()
	}
	t.logEvent(g, ev, n, regressed)
}

// setInfo keeps g's info series in step with its type, message, route and state.
// Called with t.mu held.
func (t *Tracker) setInfo(g *group) {
	k := seenKey{g.Type, truncateUTF8(g.Message, maxInfoMessage), g.Route}
	old, ok := t.seen[g.ID]
	if ok && old == k && g.infoState == g.State {
		return
	}
	if ok {
		t.m.info.DeleteLabelValues(g.Source, g.ID, old.errorType, old.message, old.route, string(g.infoState))
	}
	t.seen[g.ID] = k
	g.infoState = g.State
	t.m.info.WithLabelValues(g.Source, g.ID, k.errorType, k.message, k.route, string(g.State)).Set(1)
}

// countHour adds one event at tm to the hourly counts, shifting out old hours.
func (g *group) countHour(tm time.Time) {
	h := tm.Unix() / 3600
	switch {
	case g.hour == 0 || h-g.hour >= hourlyBuckets:
		g.hourly = [hourlyBuckets]uint64{}
		g.hour = h
	case h > g.hour:
		shift := int(h - g.hour)
		copy(g.hourly[:], g.hourly[shift:])
		clear(g.hourly[hourlyBuckets-shift:])
		g.hour = h
	case g.hour-h >= hourlyBuckets:
		return // older than the window
	}
	g.hourly[hourlyBuckets-1-int(g.hour-h)]++
}

// snapshot returns a copy of g's public part; detail adds the sample and hourly counts.
// Called with t.mu held.
func (g *group) snapshot(detail bool, now time.Time) Group {
	out := g.Group
	out.Types = slices.Clone(g.Types)
	out.Recent = slices.Clone(g.recent[:g.nrecent])
	out.Sample, out.Hourly = nil, nil
	if detail {
		if g.Sample != nil {
			s := *g.Sample
			s.Frames = slices.Clone(s.Frames)
			out.Sample = &s
		}
		nowHour := now.Unix() / 3600
		for i := range hourlyBuckets {
			h := nowHour - int64(hourlyBuckets-1-i)
			var n uint64
			if d := g.hour - h; g.hour != 0 && d >= 0 && d < hourlyBuckets {
				n = g.hourly[hourlyBuckets-1-int(d)]
			}
			out.Hourly = append(out.Hourly, HourCount{Start: time.Unix(h*3600, 0).UTC(), Count: n})
		}
	}
	return out
}

// Groups returns the groups q selects, in q's order, without samples or hourly counts.
func (t *Tracker) Groups(q Query) []Group {
	now := t.cfg.now()
	t.mu.Lock()
	out := make([]Group, 0, min(len(t.groups), 64))
	for g := t.lru.next; g != &t.lru; g = g.next {
		if q.matches(&g.Group) {
			out = append(out, g.snapshot(false, now))
		}
	}
	t.mu.Unlock()
	if q.Sort == "count" {
		slices.SortStableFunc(out, func(a, b Group) int { return cmp.Compare(b.Count, a.Count) })
	} else {
		slices.SortStableFunc(out, func(a, b Group) int { return b.LastSeen.Compare(a.LastSeen) })
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func (q *Query) matches(g *Group) bool {
	return (q.State == "" || g.State == q.State) &&
		g.Severity >= q.MinSeverity &&
		(q.Type == "" || g.Type == q.Type) &&
		(q.Route == "" || g.Route == q.Route) &&
		(q.Source == "" || g.Source == q.Source) &&
		(q.Since.IsZero() || !g.LastSeen.Before(q.Since))
}

// Group returns the group with the given id, with its sample event and hourly counts.
func (t *Tracker) Group(id string) (Group, bool) {
	now := t.cfg.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[id]
	if g == nil {
		return Group{}, false
	}
	return g.snapshot(true, now), true
}

// SetState moves a group to state s; ErrNoGroup when there is no such group.
func (t *Tracker) SetState(id string, s State) error {
	if _, ok := ParseState(string(s)); !ok {
		return fmt.Errorf("unknown state %q", s)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[id]
	if g == nil {
		return fmt.Errorf("group %s: %w", id, ErrNoGroup)
	}
	if g.State != s {
		g.State = s
		if g.label != GroupOther {
			t.setInfo(g)
		}
		t.dirty.Store(true)
	}
	return nil
}

// countByState counts the groups held by state.
func (t *Tracker) countByState() map[State]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[State]int, 3)
	for _, g := range t.groups {
		out[g.State]++
	}
	return out
}
