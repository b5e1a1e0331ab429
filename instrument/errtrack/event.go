package errtrack

import "time"

// Sources of events: the source label of perfwatch_errors_total. Events of the Sentry
// ingest carry the SDK's platform instead (python, node, …) or SourceBrowser.
const (
	SourceServer  = "server"
	SourceBrowser = "browser"
)

// An Event is one occurrence of an error, as the Tracker groups it. Report, Recover and
// the slog Handler build events from Go errors; an ingest (package sentryingest) builds
// them from other SDKs' payloads and passes them to Tracker.Capture. The Tracker scrubs
// every text field before it stores, logs or exposes anything.
type Event struct {
	// ID identifies the event to the user who saw it (32 hex digits); Capture fills it
	// when empty.
	ID string `json:"id"`
	// Time the event happened; Capture uses the current time when zero.
	Time time.Time `json:"time"`
	// Source is the bounded origin of the event: SourceServer, SourceBrowser or an SDK
	// platform (see Sources).
	Source string `json:"source"`
	// Severity; SeverityUnset lets the Tracker classify it (see Report).
	Severity Severity `json:"severity"`
	// Types is the error's type chain, outermost first (Go type names such as
	// "*fs.PathError", or an exception class such as "ZeroDivisionError").
	Types []string `json:"types"`
	// Message is the error's message, as raised.
	Message string `json:"message"`
	// Frames is the stack, innermost (the frame that raised) first.
	Frames []Frame `json:"frames,omitempty"`
	// Fingerprint, when set, replaces the computed grouping key.
	Fingerprint []string `json:"fingerprint,omitempty"`
	// Panic says the event is a recovered panic.
	Panic bool `json:"panic,omitempty"`
	// Canceled says the error is a cancellation or a client that went away: it is
	// tracked at low severity but not counted as an error of the service.
	Canceled bool `json:"canceled,omitempty"`
	// Request is the context of the request the event happened in, if any.
	Request RequestContext `json:"request"`
	// Release is the version of the application that raised the event.
	Release string `json:"release,omitempty"`
	// Extra holds further context (a database error's query summary and operation,
	// say). Values are scrubbed like messages; keys that name secrets are dropped.
	Extra map[string]string `json:"extra,omitempty"`
}

// A Frame is one call of a stack.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	// InApp says the frame is the application's own code rather than the standard
	// library, a dependency or errtrack itself; only such frames enter the fingerprint.
	InApp bool `json:"in_app"`
}

// RequestContext is what an event keeps of its request: never the raw URL, its query,
// headers, cookies or body.
type RequestContext struct {
	Method string `json:"method,omitempty"`
	// Route is the route template (http_route), never a raw path.
	Route  string `json:"route,omitempty"`
	Status int    `json:"status,omitempty"`
	// UserAgent is the user agent's family (Chrome, Firefox, curl, …), not the header.
	UserAgent string `json:"user_agent,omitempty"`
	TraceID   string `json:"trace_id,omitempty"`
}
