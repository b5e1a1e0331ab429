package errtrack

import "time"

// State is where a group stands in its triage: unresolved until someone resolves or
// ignores it. A resolved group that occurs again is a regression and becomes
// unresolved; an ignored group stays ignored and is left out of the alerts.
type State string

// The states of a group.
const (
	StateUnresolved State = "unresolved"
	StateResolved   State = "resolved"
	StateIgnored    State = "ignored"
)

// ParseState returns the State named s.
func ParseState(s string) (State, bool) {
	switch st := State(s); st {
	case StateUnresolved, StateResolved, StateIgnored:
		return st, true
	}
	return "", false
}

// A Group is what the Tracker knows of one error: every event with the same
// fingerprint. Groups and Group return copies.
type Group struct {
	// ID is a stable hash of the fingerprint (16 hex digits), the same in every process
	// that sees the same error: the group label of the per-group metrics.
	ID     string `json:"id"`
	Source string `json:"source"`
	// Type is the most specific type of the error chain (error_type), Types the chain.
	Type  string   `json:"type"`
	Types []string `json:"types"`
	// Message is the normalised message: ids, numbers, addresses, quoted strings and
	// paths replaced by placeholders.
	Message string `json:"message"`
	// Severity is the highest severity seen.
	Severity     Severity  `json:"severity"`
	State        State     `json:"state"`
	Count        uint64    `json:"count"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	FirstRelease string    `json:"first_release,omitempty"`
	// Regressions counts the times the group occurred again after being resolved.
	Regressions uint64 `json:"regressions"`
	// Route is the route template of the last occurrence ("" outside requests).
	Route string `json:"route,omitempty"`
	// Recent are the last occurrences, newest first.
	Recent []Occurrence `json:"recent,omitempty"`
	// Sample is one event of the group with its stack and context; Groups leaves it out.
	Sample *Event `json:"sample,omitempty"`
	// Hourly counts the group's events per hour, oldest first, over the last two days;
	// Groups leaves it out.
	Hourly []HourCount `json:"hourly,omitempty"`
}

// An Occurrence is one event of a group, as the group remembers it.
type Occurrence struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Route    string    `json:"route,omitempty"`
	Status   int       `json:"status,omitempty"`
	Release  string    `json:"release,omitempty"`
	Severity Severity  `json:"severity"`
}

// HourCount is a group's number of events in the hour starting at Start.
type HourCount struct {
	Start time.Time `json:"start"`
	Count uint64    `json:"count"`
}

// A Query selects and orders groups for Tracker.Groups. The zero Query lists every
// group, most recently seen first.
type Query struct {
	State       State    // "" for any
	MinSeverity Severity // SeverityUnset for any
	Type        string   // error type, exactly
	Route       string   // route template, exactly
	Source      string
	Since       time.Time // last seen at or after
	// Sort is "last_seen" (default) or "count", both descending.
	Sort  string
	Limit int // 0 for no limit
}
