package errtrack

import (
	"context"
	"errors"
)

// ErrNoGroup is returned for a group id the Tracker does not hold.
var ErrNoGroup = errors.New("no such error group")

// A Tracker groups the events of one application and exposes them as metrics. It is
// safe for concurrent use.
type Tracker struct{}

// Capture groups ev, counts it and returns its event id. Sentry-compatible ingests call
// it with events built from other SDKs' payloads; Go code calls Report instead.
func (t *Tracker) Capture(ctx context.Context, ev *Event) string { panic("todo") }

// Groups returns the groups q selects, in q's order.
func (t *Tracker) Groups(q Query) []Group { panic("todo") }

// Group returns the group with the given id, with its sample event and hourly counts.
func (t *Tracker) Group(id string) (Group, bool) { panic("todo") }

// SetState moves a group to state s; ErrNoGroup when there is no such group.
func (t *Tracker) SetState(id string, s State) error { panic("todo") }
