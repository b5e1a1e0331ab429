package instrument

import (
	"context"
	"net/http"
	"time"
)

// A Scope is what perfwatch knows about one request while it is served. The middleware
// stores it once in the request's context; database, cache and error instrumentation
// find it there with ScopeFrom and keep their per-request state in it.
//
// A Scope belongs to one request; call its methods from the goroutine that serves it.
// Value alone may be called from other goroutines of the request, such as queries run
// in parallel, because hooks store their values in Start, before the handler runs, and
// nothing changes them afterwards; hooks that take work from several goroutines guard
// their own state.
type Scope struct {
	// The fields are laid out so that a scoped request (request copy, context and
	// scope, one allocation) stays within 512 bytes, the largest size the Go
	// allocator serves without a per-object header; BenchmarkMiddleware shows it.
	mw     *Middleware
	start  time.Duration // since mw.epoch
	route  string
	status int32
	method methodIndex
	user   userKind
	vals   [4]scopeValue
	more   map[any]any
}

type scopeValue struct{ key, val any }

// A Hook takes part in every request a Middleware serves. Hooks are called in the order
// they were added, from the goroutine that serves the request.
type Hook interface {
	// Start is called before the handler runs, for example to attach state with SetValue.
	Start(s *Scope, r *http.Request)
	// WriteHeader is called once, just before the response status is sent, so that a
	// hook can still add headers (a Server-Timing header, say).
	WriteHeader(s *Scope, h http.Header)
	// End is called after the handler has returned or panicked; Route and Status are final.
	End(s *Scope)
}

type scopeKey struct{}

// ScopeFrom returns the Scope of the request that ctx belongs to, or nil outside a
// request served by a Middleware with a hook or WithScope.
func ScopeFrom(ctx context.Context) *Scope {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	return s
}

// Start returns the time the middleware started serving the request.
func (s *Scope) Start() time.Time { return s.mw.epoch.Add(s.start) }

// Method returns the request method as recorded: one of the standard methods or _OTHER.
func (s *Scope) Method() string { return s.method.String() }

// Route returns the route template set by SetRoute, or "" before the handler returned
// when the router has not said; in End hooks it is the final http_route label value.
func (s *Scope) Route() string { return s.route }

// SetRoute names the route template of the request, overriding what the router says.
// Use it for handlers that route on their own; the value must come from a finite set.
func (s *Scope) SetRoute(template string) { s.route = template }

// Status returns the response status code recorded so far (0 before it is written).
func (s *Scope) Status() int { return int(s.status) }

// SetAuthenticated records whether the request's user was authenticated, for the
// user_kind label of a Middleware made WithUserKind; it overrides the option's
// function. Without that option it has no effect.
func (s *Scope) SetAuthenticated(authenticated bool) {
	if authenticated {
		s.user = userAuthenticated
	} else {
		s.user = userAnonymous
	}
}

// Value returns the value stored under key by SetValue, or nil.
func (s *Scope) Value(key any) any {
	for i := range s.vals {
		if s.vals[i].key == key {
			return s.vals[i].val
		}
	}
	return s.more[key]
}

// SetValue stores val under key for the rest of the request. Keys compare like map
// keys and must not be nil; a hook typically uses itself. The first few values take no
// allocation. Call it in Hook.Start or before the request starts other goroutines.
func (s *Scope) SetValue(key, val any) {
	for i := range s.vals {
		if s.vals[i].key == key || s.vals[i].key == nil {
			s.vals[i] = scopeValue{key, val}
			return
		}
	}
	if s.more == nil {
		s.more = make(map[any]any)
	}
	s.more[key] = val
}

// scopeContext carries a Scope in a request's context. It is a Context of its own,
// rather than context.WithValue, so that request, context and scope are one allocation.
type scopeContext struct {
	context.Context
	scope *Scope
}

func (c *scopeContext) Value(key any) any {
	if _, ok := key.(scopeKey); ok {
		return c.scope
	}
	return c.Context.Value(key)
}

// scopedRequest is the request a scoped middleware passes on: a copy of the incoming
// one whose context holds the scope. The context may legally outlive the handler
// (a goroutine may keep it), so unlike the response writer it is never pooled.
type scopedRequest struct {
	req   http.Request
	ctx   scopeContext
	scope Scope
}

func newScopedRequest(r *http.Request, m *Middleware, start time.Duration, method methodIndex) *scopedRequest {
	sr := &scopedRequest{}
	sr.scope.mw, sr.scope.start, sr.scope.method = m, start, method
	sr.ctx = scopeContext{Context: r.Context(), scope: &sr.scope}
	sr.req = *r.WithContext(&sr.ctx)
	return sr
}
