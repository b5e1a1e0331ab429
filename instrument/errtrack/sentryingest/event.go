package sentryingest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// MessageType is the error type of events that carry no exception, only a message
// (capture_message, a logged error).
const MessageType = "message"

// maxFrames bounds the frames kept of a stack: the innermost ones.
const maxFrames = 128

// errNotError says an event's level (info, debug) makes it no error: it is dropped.
var errNotError = errors.New("event level is not an error")

// sentryEvent is the part of Sentry's event payload the ingest reads
// (https://develop.sentry.dev/sdk/data-model/event-payloads/). Everything else (frame
// vars, request data, cookies, user, breadcrumbs, modules) is never decoded.
type sentryEvent struct {
	EventID   string          `json:"event_id"`
	Type      string          `json:"type"`
	Timestamp json.RawMessage `json:"timestamp"`
	Level     string          `json:"level"`
	Platform  string          `json:"platform"`
	Release   string          `json:"release"`
	Message   json.RawMessage `json:"message"`
	Logentry  *struct {
		Message   string `json:"message"`
		Formatted string `json:"formatted"`
	} `json:"logentry"`
	Exception   json.RawMessage `json:"exception"`
	Stacktrace  *stacktrace     `json:"stacktrace"`
	Fingerprint []string        `json:"fingerprint"`
	Transaction string          `json:"transaction"`
	TxInfo      *struct {
		Source string `json:"source"`
	} `json:"transaction_info"`
	Contexts struct {
		Trace *struct {
			TraceID string `json:"trace_id"`
		} `json:"trace"`
		Response *struct {
			StatusCode json.Number `json:"status_code"`
		} `json:"response"`
	} `json:"contexts"`
	Request *struct {
		Method  string          `json:"method"`
		Headers json.RawMessage `json:"headers"`
	} `json:"request"`
	SDK *struct {
		Name string `json:"name"`
	} `json:"sdk"`
}

type exceptionValue struct {
	Type       string      `json:"type"`
	Value      string      `json:"value"`
	Module     string      `json:"module"`
	Stacktrace *stacktrace `json:"stacktrace"`
	Mechanism  *struct {
		Handled   *bool `json:"handled"`
		Synthetic bool  `json:"synthetic"`
	} `json:"mechanism"`
}

type stacktrace struct {
	Frames []struct {
		Function string `json:"function"`
		Module   string `json:"module"`
		Filename string `json:"filename"`
		AbsPath  string `json:"abs_path"`
		Lineno   int    `json:"lineno"`
		InApp    *bool  `json:"in_app"`
	} `json:"frames"`
}

// isRouteSource says a transaction_info source names a route template rather than a
// raw URL.
func isRouteSource(src string) bool {
	switch src {
	case "route", "view", "component", "custom":
		return true
	}
	return false
}

// isBrowserSDK says a sentry.javascript.* SDK (by the suffix of its name) runs in a
// browser.
func isBrowserSDK(suffix string) bool {
	switch suffix {
	case "browser", "react", "vue", "angular", "angular-ivy", "svelte", "ember", "gatsby", "solid", "wasm", "capacitor":
		return true
	}
	return false
}

// isPlatform says an SDK platform is kept as the event's source; others become "other".
func isPlatform(p string) bool {
	switch p {
	case "python", "node", "javascript", "go", "java", "ruby", "php", "csharp", "elixir", "cocoa",
		"objc", "native", "c", "dart", "perl", "haskell", "groovy", "cfml", "as3", "rust":
		return true
	}
	return false
}

// Source returns the bounded source of an event of the SDK named sdkName on platform:
// errtrack.SourceBrowser for the browser SDKs, the platform if it is a known one
// (python, node, javascript, go, java, ruby, php, csharp, elixir, cocoa, native, …),
// else "other".
func Source(sdkName, platform string) string {
	if rest, ok := strings.CutPrefix(sdkName, "sentry.javascript."); ok && isBrowserSDK(rest) {
		return errtrack.SourceBrowser
	}
	if isPlatform(platform) {
		return platform
	}
	return "other"
}

// convertEvent turns a Sentry event payload into an errtrack.Event; errNotError for an
// info or debug event, a wrapped ErrMalformed for bad JSON. ingestUA is the User-Agent
// of the ingest request, used for browser events whose request has none.
func convertEvent(payload []byte, ingestUA string) (*errtrack.Event, error) {
	var se sentryEvent
	if err := json.Unmarshal(payload, &se); err != nil {
		return nil, fmt.Errorf("%w: event: %v", ErrMalformed, err)
	}
	var values []exceptionValue
	if len(se.Exception) > 0 && !bytes.Equal(se.Exception, []byte("null")) {
		var err error
		if values, err = decodeExceptions(se.Exception); err != nil {
			return nil, fmt.Errorf("%w: event exception: %v", ErrMalformed, err)
		}
	}
	ev := &errtrack.Event{
		ID:      normaliseID(se.EventID),
		Time:    parseTimestamp(se.Timestamp),
		Release: se.Release,
	}
	sdkName := ""
	if se.SDK != nil {
		sdkName = se.SDK.Name
	}
	ev.Source = Source(sdkName, se.Platform)

	// Severity: Sentry's level, with an unhandled exception raised to high.
	var raised *exceptionValue
	if len(values) > 0 {
		raised = &values[len(values)-1]
	}
	level := strings.ToLower(se.Level)
	switch {
	case level == "fatal":
		ev.Severity = errtrack.SeverityCritical
	case level == "info" || level == "debug" || level == "log":
		return nil, errNotError
	case raised != nil && raised.Mechanism != nil && raised.Mechanism.Handled != nil && !*raised.Mechanism.Handled:
		ev.Severity = errtrack.SeverityHigh
	case level == "warning":
		ev.Severity = errtrack.SeverityLow
	default: // "error", or no level: Sentry's default is error
		ev.Severity = errtrack.SeverityMedium
	}

	// Types outermost first: Sentry lists the chain oldest (innermost cause) first.
	// A synthetic exception without a type (captureMessage with a stack) is a message.
	for i := len(values) - 1; i >= 0; i-- {
		t := values[i].Type
		if t == "" {
			if values[i].Mechanism != nil && values[i].Mechanism.Synthetic {
				continue
			}
			t = "Error"
		}
		ev.Types = append(ev.Types, t)
	}
	if raised != nil {
		ev.Message = raised.Value
	}
	if ev.Message == "" {
		ev.Message = eventMessage(&se)
	}
	if len(ev.Types) == 0 {
		ev.Types = []string{MessageType}
	}

	st := se.Stacktrace
	if raised != nil && raised.Stacktrace != nil {
		st = raised.Stacktrace
	}
	if st != nil {
		ev.Frames = convertFrames(st)
	}

	if fp := se.Fingerprint; len(fp) > 0 && !hasDefault(fp) {
		ev.Fingerprint = fp
	}
	if t := se.Contexts.Trace; t != nil {
		ev.Request.TraceID = t.TraceID
	}
	if r := se.Contexts.Response; r != nil {
		if n, err := r.StatusCode.Int64(); err == nil && n >= 100 && n <= 599 {
			ev.Request.Status = int(n)
		}
	}
	if se.TxInfo != nil && isRouteSource(se.TxInfo.Source) && se.Transaction != "" {
		ev.Request.Route = se.Transaction
	}
	ua := ""
	if r := se.Request; r != nil {
		ev.Request.Method = strings.ToUpper(r.Method)
		ua = headerValue(r.Headers, "User-Agent")
	}
	if ua == "" && ev.Source == errtrack.SourceBrowser {
		ua = ingestUA
	}
	if ua != "" {
		ev.Request.UserAgent = errtrack.UserAgentFamily(ua)
	}
	return ev, nil
}

// decodeExceptions reads exception as {"values": [...]} or, as old SDKs send it, a
// bare list or a single exception.
func decodeExceptions(raw json.RawMessage) ([]exceptionValue, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var v []exceptionValue
		return v, json.Unmarshal(raw, &v)
	}
	var obj struct {
		Values *[]exceptionValue `json:"values"`
		exceptionValue
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	if obj.Values != nil {
		return *obj.Values, nil
	}
	if obj.Type != "" || obj.Value != "" {
		return []exceptionValue{obj.exceptionValue}, nil
	}
	return nil, nil
}

// eventMessage is the message of an event without an exception value: logentry's
// formatted text or template, or message as a string or an object.
func eventMessage(se *sentryEvent) string {
	if l := se.Logentry; l != nil {
		if l.Formatted != "" {
			return l.Formatted
		}
		if l.Message != "" {
			return l.Message
		}
	}
	m := bytes.TrimSpace(se.Message)
	if len(m) == 0 {
		return ""
	}
	var s string
	if m[0] == '"' && json.Unmarshal(m, &s) == nil {
		return s
	}
	var obj struct {
		Formatted string `json:"formatted"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(m, &obj) == nil {
		if obj.Formatted != "" {
			return obj.Formatted
		}
		return obj.Message
	}
	return ""
}

// convertFrames reverses Sentry's frames (outermost first) to errtrack's innermost
// first, keeping function (qualified by module), file and line; vars and context lines
// are dropped.
func convertFrames(st *stacktrace) []errtrack.Frame {
	n := len(st.Frames)
	if n > maxFrames {
		n = maxFrames
	}
	frames := make([]errtrack.Frame, 0, n)
	for i := len(st.Frames) - 1; i >= 0 && len(frames) < n; i-- {
		f := st.Frames[i]
		fn := f.Function
		if fn == "" {
			fn = "?"
		}
		if f.Module != "" && !strings.HasPrefix(fn, f.Module+".") {
			fn = f.Module + "." + fn
		}
		file := f.Filename
		if file == "" {
			file = f.AbsPath
		}
		if strings.Contains(file, "://") {
			// A script's URL: its query and fragment (cache busters, tokens) dropped.
			if i := strings.IndexAny(file, "?#"); i >= 0 {
				file = file[:i]
			}
		}
		inApp := f.InApp != nil && *f.InApp && !isLibraryPath(f.AbsPath) && !isLibraryPath(f.Filename)
		frames = append(frames, errtrack.Frame{Function: fn, File: file, Line: f.Lineno, InApp: inApp})
	}
	return frames
}

// isLibraryPath says a frame's path is an installed package's, whatever the SDK said:
// Debian's Python installs Django under dist-packages, which sentry-python 1.9 marks
// in_app.
func isLibraryPath(p string) bool {
	return strings.Contains(p, "/site-packages/") || strings.Contains(p, "/dist-packages/") ||
		strings.Contains(p, "node_modules/") || strings.HasPrefix(p, "node:")
}

// hasDefault says a custom fingerprint includes Sentry's "{{ default }}", which asks
// for the default grouping: errtrack then computes its own fingerprint.
func hasDefault(fp []string) bool {
	for _, s := range fp {
		if strings.ReplaceAll(s, " ", "") == "{{default}}" {
			return true
		}
	}
	return false
}

// headerValue finds a header in Sentry's request.headers, an object or a list of
// [name, value] pairs, case-insensitively.
func headerValue(raw json.RawMessage, name string) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '[' {
		var pairs [][]json.RawMessage
		if json.Unmarshal(raw, &pairs) != nil {
			return ""
		}
		for _, p := range pairs {
			var k, v string
			if len(p) == 2 && json.Unmarshal(p[0], &k) == nil && strings.EqualFold(k, name) && json.Unmarshal(p[1], &v) == nil {
				return v
			}
		}
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for k, v := range m {
		var s string
		if strings.EqualFold(k, name) && json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return ""
}

// normaliseID returns a Sentry event id (a UUID, with or without dashes) as 32
// lower-case hex digits, or "" when it is not one.
func normaliseID(id string) string {
	id = strings.ToLower(strings.ReplaceAll(id, "-", ""))
	if len(id) != 32 {
		return ""
	}
	if _, err := hex.DecodeString(id); err != nil {
		return ""
	}
	return id
}

// parseTimestamp reads Sentry's timestamp: seconds since the epoch (a number) or an
// RFC 3339 string; the zero time when absent or unreadable.
func parseTimestamp(raw json.RawMessage) time.Time {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return time.Time{}
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		if f <= 0 || f > 1e11 || math.IsNaN(f) {
			return time.Time{}
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}
