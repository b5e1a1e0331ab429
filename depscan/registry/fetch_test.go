package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
)

func leftPad(t testing.TB) []byte {
	data, err := os.ReadFile("testdata/npm/left-pad.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var leftPadPkg = depscan.Package{Ecosystem: depscan.Npm, Name: "left-pad", Version: "1.1.3"}

// sequenceServer answers the n-th request with steps[n] (the last repeated):
// a status code, 200 meaning the left-pad document.
func sequenceServer(t *testing.T, header http.Header, steps ...int) (*httptest.Server, *[]time.Time) {
	doc := leftPad(t)
	var mu sync.Mutex
	var times []time.Time
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := len(times)
		times = append(times, time.Now())
		mu.Unlock()
		code := steps[min(i, len(steps)-1)]
		if code != http.StatusOK {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(code)
			return
		}
		_, _ = w.Write(doc)
	}))
	t.Cleanup(s.Close)
	return s, &times
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		steps    []int
		requests int
		wantErr  error
	}{
		{"5xx retried", []int{502, 503, 200}, 3, nil},
		{"429 retried", []int{429, 200}, 2, nil},
		{"5xx exhausts the attempts", []int{500}, 4, ErrUnreachable},
		{"404 not retried", []int{404}, 1, ErrNotFound},
		{"403 not retried", []int{403}, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, times := sequenceServer(t, nil, tc.steps...)
			c := fastRetries(New(Options{NpmURL: s.URL}))
			info := c.Lookup(context.Background(), []depscan.Package{leftPadPkg})[KeyOf(leftPadPkg)]
			if len(*times) != tc.requests {
				t.Errorf("%d requests, want %d", len(*times), tc.requests)
			}
			last := tc.steps[len(tc.steps)-1]
			switch {
			case last == http.StatusOK:
				if info.Err != nil || info.Latest != "1.3.0" {
					t.Errorf("got %q, %v; want 1.3.0", info.Latest, info.Err)
				}
			case tc.wantErr != nil && !errors.Is(info.Err, tc.wantErr):
				t.Errorf("Err = %v, want %v", info.Err, tc.wantErr)
			case info.Err == nil:
				t.Error("Err = nil, want an error")
			}
		})
	}
}

// A 429's Retry-After (RFC 9110 §10.2.3) is waited for, not the shorter backoff.
func TestRetryAfter(t *testing.T) {
	s, times := sequenceServer(t, http.Header{"Retry-After": {"1"}}, 429, 200)
	c := fastRetries(New(Options{NpmURL: s.URL}))
	info := c.Lookup(context.Background(), []depscan.Package{leftPadPkg})[KeyOf(leftPadPkg)]
	if info.Err != nil {
		t.Fatal(info.Err)
	}
	if len(*times) != 2 {
		t.Fatalf("%d requests, want 2", len(*times))
	}
	if gap := (*times)[1].Sub((*times)[0]); gap < time.Second {
		t.Errorf("retried after %v, want at least the 1 s Retry-After", gap)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"-1", 0}, {"soon", 0},
		{"Wed, 02 Dec 2026 08:00:30 GMT", 30 * time.Second},
		{"Wed, 02 Dec 2026 07:59:00 GMT", 0},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// A registry that does not answer within the timeout is unreachable, and is not
// asked again during the same lookup: 30 packages cost one package's attempts.
func TestTimeoutMarksRegistryDown(t *testing.T) {
	var n atomic.Int64
	release := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); s.Close() })
	c := fastRetries(New(Options{NpmURL: s.URL, Timeout: 50 * time.Millisecond, Concurrency: 1}))
	var pkgs []depscan.Package
	for i := range 30 {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Npm, Name: fmt.Sprintf("pkg-%d", i), Version: "1.0.0"})
	}
	got := c.Lookup(context.Background(), pkgs)
	for _, p := range pkgs {
		if err := got[KeyOf(p)].Err; !errors.Is(err, ErrUnreachable) {
			t.Fatalf("%s: Err = %v, want ErrUnreachable", p.Name, err)
		}
	}
	if n.Load() != int64(c.attempts) {
		t.Errorf("%d requests, want %d (one package's attempts)", n.Load(), c.attempts)
	}
}

// A registry answering 5xx to package after package is taken to be down after
// downAfter of them, so that the rest do not each wait through their retries.
func TestPersistent5xxMarksRegistryDown(t *testing.T) {
	s, n := statusServer(t, http.StatusServiceUnavailable)
	c := fastRetries(New(Options{NpmURL: s.URL, Concurrency: 1}))
	var pkgs []depscan.Package
	for i := range 20 {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Npm, Name: fmt.Sprintf("pkg-%d", i), Version: "1.0.0"})
	}
	got := c.Lookup(context.Background(), pkgs)
	for _, p := range pkgs {
		if err := got[KeyOf(p)].Err; !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("%s: Err = %v, want ErrUnreachable with the 503", p.Name, err)
		}
	}
	if want := int64(downAfter * c.attempts); n.Load() != want {
		t.Errorf("%d requests, want %d", n.Load(), want)
	}
}

func TestContextCancel(t *testing.T) {
	started := make(chan struct{}, 100)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(s.Close)
	c := New(Options{NpmURL: s.URL, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	var pkgs []depscan.Package
	for i := range 20 {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Npm, Name: fmt.Sprintf("pkg-%d", i), Version: "1.0.0"})
	}
	done := make(chan map[Key]Info)
	go func() { done <- c.Lookup(ctx, pkgs) }()
	select {
	case got := <-done:
		for _, p := range pkgs {
			if err := got[KeyOf(p)].Err; !errors.Is(err, context.Canceled) {
				t.Errorf("%s: Err = %v, want context.Canceled", p.Name, err)
			}
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Lookup did not return after its context was cancelled")
	}
}

// At most Concurrency packages are looked up at once, and the bound is used.
func TestConcurrencyBound(t *testing.T) {
	for _, limit := range []int{1, 4} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			fs := newFixtureServer(t)
			fs.delay = 10 * time.Millisecond
			o := fs.options(t)
			o.Concurrency = limit
			o.NpmURL = fs.URL + "/npm"
			var pkgs []depscan.Package
			for i := range 40 {
				pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Npm, Name: fmt.Sprintf("missing-%d", i), Version: "1.0.0"})
			}
			New(o).Lookup(context.Background(), pkgs)
			if m := fs.maxSeen.Load(); m > int64(limit) || (limit > 1 && m < 2) {
				t.Errorf("%d requests in flight at most, want at most %d (and more than 1)", m, limit)
			}
			if n := fs.requests.Load(); n != 40 {
				t.Errorf("%d requests, want 40", n)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	l := &limitedReader{r: neverEnding{}, n: 10}
	buf := make([]byte, 64)
	total := 0
	var err error
	for err == nil {
		var n int
		n, err = l.Read(buf)
		total += n
	}
	if total != 10 || err == nil {
		t.Errorf("read %d bytes then %v, want 10 then an error", total, err)
	}
}

type neverEnding struct{}

func (neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// A registry whose name does not resolve (NXDOMAIN, as PyPI's does on a machine
// that reaches no public registry) is down at once: no retries, and the packages
// not yet asked are not asked.
func TestNoSuchHostMarksRegistryDown(t *testing.T) {
	var dials atomic.Int64
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.DNSError{Err: "no such host", Name: "pypi.example", IsNotFound: true}
	}}
	const concurrency = 4
	c := fastRetries(New(Options{PyPIURL: "http://pypi.example", HTTPClient: &http.Client{Transport: transport}, Concurrency: concurrency}))
	var pkgs []depscan.Package
	for i := range 40 {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.PyPI, Name: fmt.Sprintf("pkg-%d", i), Version: "1.0.0"})
	}
	got := c.Lookup(context.Background(), pkgs)
	for _, p := range pkgs {
		if err := got[KeyOf(p)].Err; !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "no such host") {
			t.Fatalf("%s: Err = %v, want ErrUnreachable naming the DNS answer", p.Name, err)
		}
	}
	// Only the packages already in flight when the first answer came dial.
	if n := dials.Load(); n > concurrency {
		t.Errorf("%d dials, want at most %d", n, concurrency)
	}
}
