package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// maxBody bounds a registry document; the largest npm documents are tens of MB.
const maxBody = 256 << 20

// downAfter is how many packages in a row a registry may fail with 5xx or 429
// through all retries before it is taken to be down for the rest of the lookup.
const downAfter = 3

// run is one Lookup's state: the hosts found unreachable, so that a registry that
// is down costs one package's retries, not every package's.
type run struct {
	c        *Client
	mu       sync.Mutex
	down     map[string]error
	failures map[string]int // packages in a row that exhausted their retries
}

func (r *run) isDown(host string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down[host]
}

func (r *run) markDown(host string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down[host] == nil {
		r.down[host] = err
	}
}

// failed counts a request that exhausted its retries on error answers, and
// takes the host to be down after downAfter in a row.
func (r *run) failed(host string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures == nil {
		r.failures = map[string]int{}
	}
	r.failures[host]++
	if r.failures[host] >= downAfter && r.down[host] == nil {
		r.down[host] = err
	}
}

func (r *run) succeeded(host string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.failures, host)
}

// statusError is a response the registry answered with an unexpected status.
type statusError struct {
	url  string
	code int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.url, e.code, http.StatusText(e.code))
}

func (e *statusError) Is(target error) bool {
	return target == ErrNotFound && (e.code == http.StatusNotFound || e.code == http.StatusGone)
}

// get fetches u and hands its body to decode, retrying transport failures, 5xx and
// 429 answers with exponential backoff (a Retry-After wait honoured up to maxWait),
// and nothing else: a 4xx will not change, and neither will a body decode rejects.
// decode may be called once per attempt and must start afresh each time.
func (r *run) get(ctx context.Context, u, accept string, decode func(io.Reader) error) error {
	host := u
	if pu, err := url.Parse(u); err == nil && pu.Host != "" {
		host = pu.Host
	}
	if err := r.isDown(host); err != nil {
		return err
	}
	var last error
	var retryAfter time.Duration
	for attempt := range r.c.attempts {
		if attempt > 0 {
			// Another package may have found the host down meanwhile.
			if err := r.isDown(host); err != nil {
				return err
			}
			wait := r.c.backoff << (attempt - 1)
			if retryAfter > 0 {
				wait = min(retryAfter, r.c.maxWait)
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("GET %s: %w", u, ctx.Err())
			case <-t.C:
			}
		}
		var transport bool
		transport, retryAfter, last = r.once(ctx, u, accept, decode)
		var se *statusError
		switch {
		case last == nil:
			r.succeeded(host)
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("GET %s: %w", u, ctx.Err())
		case transport && noSuchHost(last):
			// A name that does not resolve will not resolve a second later:
			// the registry is down for this lookup at once.
			err := fmt.Errorf("%s %w: %w", host, ErrUnreachable, last)
			r.markDown(host, err)
			return err
		case transport:
			continue
		case errors.As(last, &se) && (se.code == http.StatusTooManyRequests || se.code >= 500):
			continue
		default:
			return last
		}
	}
	err := fmt.Errorf("%s %w: %w (after %d attempts)", host, ErrUnreachable, last, r.c.attempts)
	var se *statusError
	if errors.As(last, &se) {
		// A 5xx may be one package's trouble: the registry is taken to be
		// down only when it keeps failing.
		r.failed(host, err)
	} else {
		// A registry that does not answer at all is down.
		r.markDown(host, err)
	}
	return err
}

// noSuchHost reports a DNS answer that the name does not exist (NXDOMAIN), as
// on a machine that reaches no public registry, unlike a timeout or a refused
// connection, which may pass.
func noSuchHost(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) && dns.IsNotFound
}

// once makes one request. transport reports a failure to get an answer at all
// (connection refused, the per-request timeout), as opposed to an answer refused.
func (r *run) once(ctx context.Context, u, accept string, decode func(io.Reader) error) (transport bool, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, r.c.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, 0, fmt.Errorf("GET %s: %w", u, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := r.c.http.Do(req)
	if err != nil {
		return true, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return false, parseRetryAfter(resp.Header.Get("Retry-After"), r.c.now()), &statusError{u, resp.StatusCode}
	}
	if err := decode(&limitedReader{r: resp.Body, n: maxBody}); err != nil {
		if ctx.Err() != nil {
			return true, 0, fmt.Errorf("read %s: %w", u, ctx.Err())
		}
		return false, 0, fmt.Errorf("read %s: %w", u, err)
	}
	return false, 0, nil
}

// parseRetryAfter reads a Retry-After header (RFC 9110 §10.2.3): delay seconds or
// an HTTP date; zero when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// limitedReader fails, rather than truncating silently, past n bytes.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("response larger than %d bytes", int64(maxBody))
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
