package osvtest

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// Fault is a failure the server plays instead of, or before, a normal answer.
type Fault struct {
	// Endpoint limits the fault to "querybatch" or "vulns"; empty matches any.
	Endpoint string
	// Status, when not zero, is answered instead of the normal response, with
	// RetryAfter as the Retry-After header when set (seconds or an HTTP date).
	Status     int
	RetryAfter string
	// Delay holds the response back (the normal one or Status), or until the
	// client gives up.
	Delay time.Duration
	// Malformed answers 200 with a body that is not valid JSON.
	Malformed bool
}

// Inject queues faults; each is played once, on the next request it matches, in
// order.
func (s *Server) Inject(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// Pending returns how many injected faults have not been played yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// faulty counts requests and plays the first queued fault that matches.
func (s *Server) faulty(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep := endpoint(r)
		s.mu.Lock()
		s.requests[ep]++
		var f *Fault
		for i := range s.faults {
			if s.faults[i].Endpoint == "" || s.faults[i].Endpoint == ep {
				played := s.faults[i]
				f = &played
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				break
			}
		}
		s.inFlight[ep]++
		s.maxInFlight[ep] = max(s.maxInFlight[ep], s.inFlight[ep])
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inFlight[ep]--
			s.mu.Unlock()
		}()
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		if f.Delay > 0 {
			// The body is read first: only then does net/http watch the connection
			// and cancel r.Context when a client that timed out hangs up.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				httpError(w, http.StatusBadRequest, "read request body: "+err.Error())
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			sleep(r, f.Delay)
		}
		switch {
		case f.Status != 0:
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			httpError(w, f.Status, http.StatusText(f.Status))
		case f.Malformed:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"results": [{"vulns": [{"id": "GO-`))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// MaxInFlight returns the most requests to an endpoint that were being served at
// once, to check a client's concurrency bound.
func (s *Server) MaxInFlight(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight[endpoint]
}
