package errapi

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// fakeStore is a Store over a fixed set of groups. Groups does not filter: it records
// the query, so that the tests can check what the handler asked for.
type fakeStore struct {
	mu      sync.Mutex
	groups  map[string]errtrack.Group
	order   []string
	queries []errtrack.Query
	failSet error // returned by SetState for every id when set
}

func newFakeStore(gs ...errtrack.Group) *fakeStore {
	s := &fakeStore{groups: map[string]errtrack.Group{}}
	for _, g := range gs {
		s.groups[g.ID] = g
		s.order = append(s.order, g.ID)
	}
	return s
}

func (s *fakeStore) Groups(q errtrack.Query) []errtrack.Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	var out []errtrack.Group
	for _, id := range s.order {
		g := s.groups[id]
		g.Sample, g.Hourly = nil, nil
		out = append(out, g)
	}
	return out
}

func (s *fakeStore) Group(id string) (errtrack.Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	return g, ok
}

func (s *fakeStore) SetState(id string, st errtrack.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSet != nil {
		return fmt.Errorf("set state of %s: %w", id, s.failSet)
	}
	g, ok := s.groups[id]
	if !ok {
		return fmt.Errorf("set state of %s: %w", id, errtrack.ErrNoGroup)
	}
	g.State = st
	s.groups[id] = g
	return nil
}

func (s *fakeStore) lastQuery() errtrack.Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queries) == 0 {
		return errtrack.Query{}
	}
	return s.queries[len(s.queries)-1]
}

func (s *fakeStore) state(id string) errtrack.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.groups[id].State
}

var errDiskFull = errors.New("write state file: disk full")

// testNow is the handlers' clock in the tests.
var testNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

const (
	idPanic  = "0123456789abcdef"
	idScript = "fedcba9876543210"
)

const scriptMsg = `bad input <script>alert("x")</script>`

func testGroups() []errtrack.Group {
	return []errtrack.Group{
		{
			ID: idPanic, Source: "server", Type: "runtime.Error", Types: []string{"runtime.Error"},
			Message: "index out of range [<num>] with length <num>", Severity: errtrack.SeverityCritical,
			State: errtrack.StateUnresolved, Count: 42, FirstSeen: testNow.Add(-3 * time.Hour),
			LastSeen: testNow.Add(-5 * time.Minute), FirstRelease: "v1.2.3", Route: "/api/items/{id}",
			Recent: []errtrack.Occurrence{{ID: "aa", Time: testNow.Add(-5 * time.Minute), Route: "/api/items/{id}", Status: 500, Severity: errtrack.SeverityCritical}},
			Sample: &errtrack.Event{
				ID: "e1", Time: testNow.Add(-5 * time.Minute), Source: "server", Severity: errtrack.SeverityCritical,
				Types: []string{"runtime.Error"}, Message: "index out of range [7] with length 3", Panic: true,
				Frames: []errtrack.Frame{
					{Function: "main.(*shop).item", File: "/src/shop/items.go", Line: 41, InApp: true},
					{Function: "net/http.HandlerFunc.ServeHTTP", File: "/usr/local/go/src/net/http/server.go", Line: 2294},
				},
				Request: errtrack.RequestContext{Method: "GET", Route: "/api/items/{id}", Status: 500, UserAgent: "Firefox"},
			},
			Hourly: []errtrack.HourCount{{Start: testNow.Add(-2 * time.Hour), Count: 10}, {Start: testNow.Add(-time.Hour), Count: 32}},
		},
		{
			ID: idScript, Source: "browser", Type: "<script>alert(1)</script>", Types: []string{"TypeError"},
			Message: scriptMsg, Severity: errtrack.SeverityMedium, State: errtrack.StateResolved, Count: 3,
			FirstSeen: testNow.Add(-72 * time.Hour), LastSeen: testNow.Add(-time.Hour), Route: `/p/<script>`,
			Sample: &errtrack.Event{
				ID: "e2", Message: scriptMsg, Types: []string{"TypeError"},
				Frames: []errtrack.Frame{{Function: `<script>evil()</script>`, File: `x.js"><script>`, Line: 1, InApp: true}},
				Extra:  map[string]string{"<b>key</b>": `<img src=x onerror=alert(1)>`},
			},
		},
	}
}
