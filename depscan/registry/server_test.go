package registry

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fixtureServer serves the recorded fixtures: the Go proxy tree under /go/, npm
// documents under /npm/ and PyPI documents under /pypi/. It counts requests and
// the most in flight at once.
type fixtureServer struct {
	*httptest.Server
	requests atomic.Int64
	inFlight atomic.Int64
	maxSeen  atomic.Int64
	delay    time.Duration

	mu   sync.Mutex
	seen []string
}

func newFixtureServer(t testing.TB) *fixtureServer {
	fs := &fixtureServer{}
	goProxy := http.StripPrefix("/go", http.FileServer(http.Dir("testdata/goproxy")))
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		n := fs.inFlight.Add(1)
		defer fs.inFlight.Add(-1)
		for {
			m := fs.maxSeen.Load()
			if n <= m || fs.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		fs.mu.Lock()
		fs.seen = append(fs.seen, r.URL.EscapedPath())
		fs.mu.Unlock()
		if fs.delay > 0 {
			time.Sleep(fs.delay)
		}
		p := r.URL.EscapedPath()
		switch {
		case strings.HasPrefix(p, "/go/"):
			goProxy.ServeHTTP(w, r)
		case strings.HasPrefix(p, "/npm/"):
			file := map[string]string{"/npm/left-pad": "left-pad.json", "/npm/request": "request.json", "/npm/@types%2fnode": "types-node.json"}[p]
			serveFile(w, file, "testdata/npm")
		case strings.HasPrefix(p, "/pypi/pypi/") && strings.HasSuffix(p, "/json"):
			name := strings.TrimSuffix(strings.TrimPrefix(p, "/pypi/pypi/"), "/json")
			serveFile(w, name+".json", "testdata/pypi")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(fs.Close)
	return fs
}

func serveFile(w http.ResponseWriter, file, dir string) {
	if file == "" || strings.Contains(file, "/") {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

func (fs *fixtureServer) paths() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]string(nil), fs.seen...)
}

// fixtureOptions points every registry at the fixture server.
func (fs *fixtureServer) options(t testing.TB) Options {
	return Options{
		GoProxy:   fs.URL + "/go",
		GoPrivate: "-",
		NpmURL:    fs.URL + "/npm",
		PyPIURL:   fs.URL + "/pypi",
		CacheDir:  t.TempDir(),
	}
}

// fastRetries shortens the backoff so that tests of retries take milliseconds.
func fastRetries(c *Client) *Client {
	c.backoff = time.Millisecond
	return c
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
