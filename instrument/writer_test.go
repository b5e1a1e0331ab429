package instrument

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type baseWriter struct{ h http.Header }

func (b *baseWriter) Header() http.Header         { return b.h }
func (b *baseWriter) Write(p []byte) (int, error) { return len(p), nil }
func (b *baseWriter) WriteHeader(int)             {}

func TestWrapWriterMethodSets(t *testing.T) {
	for bits := 0; bits < 16; bits++ {
		w := wrapWriter(&responseWriter{w: &baseWriter{h: http.Header{}}}, bits)
		if got := interfacesOf(w); got != bits {
			t.Errorf("wrapWriter(%04b) offers %04b", bits, got)
		}
		if _, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok {
			t.Errorf("wrapWriter(%04b) has no Unwrap", bits)
		}
	}
}

// TestRealServerWriters checks, on real HTTP/1.1 and HTTP/2 servers, that the handler
// behind the middleware sees the same optional interfaces as one without it, and that
// http.ResponseController reaches the server's writer through Unwrap.
func TestRealServerWriters(t *testing.T) {
	for proto, want := range map[string]int{
		"HTTP/1.1": hasFlusher | hasHijacker | hasReaderFrom,
		"HTTP/2.0": hasFlusher | hasPusher,
	} {
		t.Run(proto, func(t *testing.T) {
			m, err := New(prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			var outer, inner int
			var deadlineErr, flushErr error
			done := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				outer = interfacesOf(w)
				m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					inner = interfacesOf(w)
					rc := http.NewResponseController(w)
					deadlineErr = rc.SetWriteDeadline(time.Now().Add(time.Minute))
					_, _ = io.WriteString(w, "x")
					flushErr = rc.Flush()
				})).ServeHTTP(w, r)
			})
			srv := httptest.NewUnstartedServer(h)
			if proto == "HTTP/2.0" {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			client := srv.Client()
			if proto == "HTTP/2.0" {
				client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}
				client.Transport.(*http.Transport).ForceAttemptHTTP2 = true
			}
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			<-done
			if resp.Proto != proto {
				t.Fatalf("served over %s", resp.Proto)
			}
			if outer != want {
				t.Errorf("server offers %04b, expected %04b", outer, want)
			}
			if inner != outer {
				t.Errorf("handler sees interfaces %04b, server offers %04b", inner, outer)
			}
			if deadlineErr != nil || flushErr != nil {
				t.Errorf("ResponseController: SetWriteDeadline %v, Flush %v", deadlineErr, flushErr)
			}
		})
	}
}
