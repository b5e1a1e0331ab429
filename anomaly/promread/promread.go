// Package promread is the anomaly sidecar's reader: it runs range queries against
// Prometheus (or any server speaking its HTTP API: VictoriaMetrics, Thanos) through
// client_golang's api/prometheus/v1 and returns the result as series on a step grid.
//
// # The grid and chunking
//
// A read of [start, end] at step has the grid points start + k·step for k = 0, 1, …
// while the point is not after end. Prometheus refuses a range query with more than
// 11,000 points per series, so a long range is split into consecutive chunks of at
// most Options.MaxPoints grid points each; chunk i starts exactly one step after the
// last point of chunk i-1, so the chunks together hold every grid point once. The
// results are stitched per label set; a sample whose timestamp is not after the last
// one already kept for that series is dropped, so that a server which answers a
// boundary point twice cannot duplicate it.
//
// The grid is anchored at start as given. Callers that want the same grid from one
// read to the next (for example a scheduler reading every minute) should align start
// to a multiple of step (start.Truncate(step)). Prometheus works in milliseconds, so
// step must be at least a millisecond.
//
// # Gaps, appearing and vanishing series
//
// A series that appears or vanishes mid-range, or has holes (a failed scrape, a
// staleness marker), is kept: gaps are absent samples, not NaN. Every returned
// sample sits on the grid, samples are in increasing timestamp order, and a missing
// grid point simply has no sample. A series with no sample in the whole range is not
// returned.
//
// # Values
//
// Values are returned exactly as Prometheus gives them: NaN (for example 0/0 in a
// ratio), +Inf and -Inf, and the raw values of counters with their resets are the
// caller's to handle; the reader neither filters nor repairs anything. Only float
// samples are returned; native histogram samples are ignored.
//
// # Errors, warnings and retries
//
// Warnings from the API are logged (Options.Logger) with the query and the chunk's
// range. Every error is wrapped with the query and the chunk's range. A request that
// fails with a network error or a 5xx status (503 included) is retried with
// exponential back-off and full jitter, at most Options.MaxAttempts times in all,
// while ctx allows; a 4xx (a bad query: bad_data, execution errors, other client
// errors) or an unreadable response is not retried. A status that is not the API's
// own (a 401 from a web configuration's basic auth, a 400 from a TLS listener spoken
// to in plain HTTP) is named in the error with the first line of the answer, which
// client_golang's "client error: 401" leaves out.
package promread

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// DefaultMaxPoints is Prometheus's limit on the points per series of one range query.
const DefaultMaxPoints = 11000

// Defaults for the retry policy (see Options).
const (
	DefaultMaxAttempts = 4
	DefaultBaseBackoff = 250 * time.Millisecond
	DefaultMaxBackoff  = 5 * time.Second
)

// Options tune a Reader. The zero value gives the defaults.
type Options struct {
	// MaxPoints is the most grid points one request may ask for per series;
	// 0 means DefaultMaxPoints. Set it lower for servers with a smaller limit.
	MaxPoints int
	// MaxAttempts bounds the tries of one request, the first included; 0 means
	// DefaultMaxAttempts, 1 means no retry.
	MaxAttempts int
	// BaseBackoff is the wait before the first retry (before jitter); it doubles
	// with every further retry up to MaxBackoff. 0 means the defaults.
	BaseBackoff, MaxBackoff time.Duration
	// Logger receives warnings from the API and retried failures; nil discards them.
	Logger *slog.Logger
}

// Series is one result series of a read.
type Series struct {
	// Labels is the series' label set as Prometheus returned it (with __name__
	// when the query keeps it).
	Labels model.LabelSet
	// Samples are on the read's step grid in increasing time order; a grid point
	// without a value has no sample (see the package comment on gaps).
	Samples []model.SamplePair
}

// Reader runs chunked, retried range queries. It is safe for concurrent use.
type Reader struct {
	api  v1.API
	opts Options
	log  *slog.Logger
}

// New returns a Reader that queries through a.
func New(a v1.API, opts Options) *Reader {
	if opts.MaxPoints <= 0 {
		opts.MaxPoints = DefaultMaxPoints
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = DefaultBaseBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxBackoff < opts.BaseBackoff {
		opts.MaxBackoff = opts.BaseBackoff
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Reader{api: a, opts: opts, log: log}
}

// NewFromAddress returns a Reader for the Prometheus HTTP API at address (for
// example "https://localhost:9090"), sending its requests through rt, which carries
// the authentication and TLS settings; nil means api.DefaultRoundTripper.
func NewFromAddress(address string, rt http.RoundTripper, opts Options) (*Reader, error) {
	c, err := api.NewClient(api.Config{Address: address, RoundTripper: rt})
	if err != nil {
		// url.Error repeats the address, which may hold a password: keep only why.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("promread: the Prometheus URL: %w", err)
	}
	return New(v1.NewAPI(c), opts), nil
}

// Chunk is one request's share of a read: the grid points From, From+Step, …, To.
type Chunk struct {
	From, To time.Time
}

// Chunks splits the grid of [start, end] at step into consecutive chunks of at most
// maxPoints points each, in time order, without overlap or gap.
func Chunks(start, end time.Time, step time.Duration, maxPoints int) ([]Chunk, error) {
	switch {
	case step < time.Millisecond:
		return nil, fmt.Errorf("step %v is below Prometheus's resolution of 1ms", step)
	case end.Before(start):
		return nil, fmt.Errorf("end %s is before start %s", end.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
	case maxPoints < 1:
		return nil, fmt.Errorf("points limit %d is below 1", maxPoints)
	}
	n := int64(end.Sub(start)/step) + 1 // grid points in all
	per := int64(maxPoints)
	out := make([]Chunk, 0, (n+per-1)/per)
	for first := int64(0); first < n; first += per {
		last := min(first+per, n) - 1
		out = append(out, Chunk{
			From: start.Add(time.Duration(first) * step),
			To:   start.Add(time.Duration(last) * step),
		})
	}
	return out, nil
}

// Read runs query over [start, end] at step, in as many requests as the points
// limit needs, and returns the series sorted by label set. See the package comment
// for the grid, gaps, values and errors.
func (r *Reader) Read(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Series, error) {
	chunks, err := Chunks(start, end, step, r.opts.MaxPoints)
	if err != nil {
		return nil, fmt.Errorf("promread: query %q: %w", query, err)
	}
	byFP := map[model.Fingerprint]*Series{}
	for _, c := range chunks {
		m, err := r.queryRange(ctx, query, v1.Range{Start: c.From, End: c.To, Step: step})
		if err != nil {
			return nil, fmt.Errorf("promread: query %q from %s to %s step %v: %w",
				query, c.From.UTC().Format(time.RFC3339Nano), c.To.UTC().Format(time.RFC3339Nano), step, err)
		}
		for _, ss := range m {
			fp := ss.Metric.Fingerprint()
			s := byFP[fp]
			if s == nil {
				s = &Series{Labels: model.LabelSet(ss.Metric.Clone())}
				byFP[fp] = s
			}
			for _, p := range ss.Values {
				if n := len(s.Samples); n > 0 && !p.Timestamp.After(s.Samples[n-1].Timestamp) {
					continue // a duplicated or out-of-order point
				}
				s.Samples = append(s.Samples, p)
			}
		}
	}
	out := make([]Series, 0, len(byFP))
	for _, s := range byFP {
		if len(s.Samples) > 0 {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b Series) int {
		switch {
		case a.Labels.Before(b.Labels):
			return -1
		case b.Labels.Before(a.Labels):
			return 1
		}
		return 0
	})
	return out, nil
}

// queryRange is one chunk's request with its retries.
func (r *Reader) queryRange(ctx context.Context, query string, rng v1.Range) (model.Matrix, error) {
	for attempt := 1; ; attempt++ {
		v, warnings, _, err := r.api.QueryRange(ctx, query, rng)
		for _, w := range warnings {
			r.log.Warn("prometheus warning", "query", query, "start", rng.Start, "end", rng.End, "warning", w)
		}
		if err == nil {
			m, ok := v.(model.Matrix)
			if !ok {
				return nil, fmt.Errorf("result is a %v, not a matrix", typeOf(v))
			}
			return m, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (after %d attempts: %v)", ctx.Err(), attempt, err)
		}
		if !Retryable(err) {
			return nil, explain(err)
		}
		if attempt >= r.opts.MaxAttempts {
			return nil, fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		wait := r.backoff(attempt)
		r.log.Warn("prometheus query failed, retrying", "query", query, "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (after %d attempts: %v)", ctx.Err(), attempt, err)
		case <-t.C:
		}
	}
}

// backoff is the wait after the given failed attempt (1-based): full jitter in
// [d/2, d] where d doubles from BaseBackoff up to MaxBackoff.
func (r *Reader) backoff(attempt int) time.Duration {
	d := r.opts.BaseBackoff
	for i := 1; i < attempt && d < r.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.opts.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// Retryable reports whether a failed request may succeed when tried again: network
// errors (a per-request timeout included) and 5xx responses are; a 4xx (bad query,
// execution error), an unreadable response or a cancelled context is not. Read also
// stops retrying as soon as its own ctx is done.
func Retryable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ae *v1.Error
	if errors.As(err, &ae) {
		return ae.Type == v1.ErrServer
	}
	return true // transport: connection refused, reset, timeout
}

// explain adds to a client_golang error for an HTTP status that is not the API's own
// (Prometheus answers a bad query with 400 or 422 and a JSON error) the status's name
// and the start of the body, since client_golang's message is only "client error: 401":
// a 401 is the credentials, a 400 "Client sent an HTTP request to an HTTPS server".
func explain(err error) error {
	var ae *v1.Error
	if !errors.As(err, &ae) || ae.Detail == "" {
		return err
	}
	var code int
	if _, serr := fmt.Sscanf(ae.Msg, "client error: %d", &code); serr != nil {
		return err
	}
	detail, _, _ := strings.Cut(strings.TrimSpace(ae.Detail), "\n")
	if len(detail) > 200 {
		detail = detail[:200] + "…"
	}
	what := http.StatusText(code)
	if code == http.StatusUnauthorized || code == http.StatusForbidden {
		what += ": the server refused the client's credentials, or got none"
	}
	return fmt.Errorf("%w (%s; it answered %q)", err, what, detail)
}

func typeOf(v model.Value) string {
	if v == nil {
		return "nothing"
	}
	return v.Type().String()
}
