package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

func TestParseGoProxy(t *testing.T) {
	tests := []struct {
		in   string
		want []proxyEntry
	}{
		{"https://proxy.golang.org,direct", []proxyEntry{{"https://proxy.golang.org", false}, {"direct", false}}},
		{"https://a.example/|https://b.example,off", []proxyEntry{{"https://a.example", true}, {"https://b.example", false}, {"off", false}}},
		{"off", []proxyEntry{{"off", false}}},
		{" , ", []proxyEntry{{"off", false}}},
	}
	for _, tc := range tests {
		if got := parseGoProxy(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseGoProxy(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// statusServer answers every request with code and counts the requests.
func statusServer(t *testing.T, code int) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(code)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// The GOPROXY list semantics of go.dev/ref/mod#goproxy-protocol: after a comma
// the next entry is tried only on 404 or 410, after a pipe on any error.
func TestGoProxyListSemantics(t *testing.T) {
	fs := newFixtureServer(t)
	good := fs.URL + "/go"
	pkg := depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/text", Version: "v0.3.7"}
	tests := []struct {
		name    string
		first   int // status the first proxy answers
		sep     string
		then    string // "" for the fixture proxy
		wantErr error  // nil: the fixture proxy's answer
		firstN  int64  // requests the first proxy should see (0: don't check)
	}{
		{"comma after 404", http.StatusNotFound, ",", "", nil, 0},
		{"comma after 410", http.StatusGone, ",", "", nil, 0},
		{"comma stops at 500", http.StatusInternalServerError, ",", "", ErrUnreachable, 4},
		{"comma stops at 403", http.StatusForbidden, ",", "", nil, 1},
		{"pipe after 500", http.StatusInternalServerError, "|", "", nil, 0},
		{"pipe after 403", http.StatusForbidden, "|", "", nil, 0},
		{"direct after 404", http.StatusNotFound, ",", "direct", ErrDirect, 0},
		{"off after 404", http.StatusNotFound, ",", "off", ErrOffline, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, n := statusServer(t, tc.first)
			then := good
			if tc.then != "" {
				then = tc.then
			}
			o := fs.options(t)
			o.GoProxy = first.URL + tc.sep + then
			c := fastRetries(New(o))
			info := c.Lookup(context.Background(), []depscan.Package{pkg})[KeyOf(pkg)]
			if tc.firstN != 0 && n.Load() != tc.firstN {
				t.Errorf("first proxy saw %d requests, want %d", n.Load(), tc.firstN)
			}
			switch {
			case tc.wantErr == nil && tc.first == http.StatusForbidden && tc.sep == ",":
				// A 403 after a comma is final: the error is the 403.
				if info.Err == nil || errors.Is(info.Err, ErrNotFound) {
					t.Errorf("Err = %v, want the 403", info.Err)
				}
			case tc.wantErr == nil:
				if info.Err != nil || info.Latest != "v0.44.0" {
					t.Errorf("got %q, %v; want v0.44.0 from the second proxy", info.Latest, info.Err)
				}
			case !errors.Is(info.Err, tc.wantErr):
				t.Errorf("Err = %v, want %v", info.Err, tc.wantErr)
			}
		})
	}
}

func TestGoProxyOffDirectPrivate(t *testing.T) {
	fs := newFixtureServer(t)
	pub := depscan.Package{Ecosystem: depscan.Go, Name: "golang.org/x/text", Version: "v0.3.7"}
	priv := depscan.Package{Ecosystem: depscan.Go, Name: "github.com/corp/secret", Version: "v1.0.0"}
	npm := depscan.Package{Ecosystem: depscan.Npm, Name: "left-pad", Version: "1.3.0"}

	o := fs.options(t)
	o.GoProxy = "off"
	got := New(o).Lookup(context.Background(), []depscan.Package{pub, npm})
	if err := got[KeyOf(pub)].Err; !errors.Is(err, ErrOffline) {
		t.Errorf("GOPROXY=off: Err = %v, want ErrOffline", err)
	}
	if got[KeyOf(npm)].Err != nil {
		t.Errorf("GOPROXY=off must not stop npm: %v", got[KeyOf(npm)].Err)
	}

	o.GoProxy = "direct"
	if err := New(o).Lookup(context.Background(), []depscan.Package{pub})[KeyOf(pub)].Err; !errors.Is(err, ErrDirect) {
		t.Errorf("GOPROXY=direct: Err = %v, want ErrDirect", err)
	}

	o.GoProxy = fs.URL + "/go"
	o.GoPrivate = "example.com/x,github.com/corp/*"
	before := fs.requests.Load()
	got = New(o).Lookup(context.Background(), []depscan.Package{priv, pub})
	if err := got[KeyOf(priv)].Err; !errors.Is(err, ErrPrivate) {
		t.Errorf("GOPRIVATE: Err = %v, want ErrPrivate", err)
	}
	for _, p := range fs.paths() {
		if len(p) > 0 && p == "/go/github.com/corp/secret/@v/list" {
			t.Errorf("a private module was sent to the proxy")
		}
	}
	if got[KeyOf(pub)].Err != nil || fs.requests.Load() == before {
		t.Errorf("public module not looked up: %v", got[KeyOf(pub)].Err)
	}
}

func TestToolchainSemver(t *testing.T) {
	// The toolchain module's versions (go.dev/doc/toolchain#download) against the
	// versions OSV and govulncheck give the standard library.
	tests := []struct{ in, want, platform string }{
		{"v0.0.1-go1.22.0.linux-amd64", "v1.22.0", "linux-amd64"},
		{"v0.0.1-go1.20.darwin-arm64", "v1.20.0", "darwin-arm64"},
		{"v0.0.1-go1.21rc2.windows-386", "v1.21.0-rc.2", "windows-386"},
		{"v0.0.1-go1.23.4.linux-amd64", "v1.23.4", "linux-amd64"},
		{"v0.0.1-go1.22.0", "", ""},
		{"v1.0.0", "", ""},
	}
	for _, tc := range tests {
		got, platform, ok := toolchainSemver(tc.in)
		if got != tc.want || platform != tc.platform || ok != (tc.want != "") {
			t.Errorf("toolchainSemver(%q) = %q, %q, %v; want %q, %q", tc.in, got, platform, ok, tc.want, tc.platform)
		}
	}
}
