package instrumenttest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"
	gws "github.com/gorilla/websocket"
)

// TestWebsocketLibraries upgrades connections with the two websocket libraries Go
// applications use most, each in its own way (gorilla/websocket writes the 101 on the
// hijacked connection itself; coder/websocket calls WriteHeader(101) first), and
// checks that the connection's lifetime lands in the upgraded family, never in the
// request duration histogram that latency rules read.
func TestWebsocketLibraries(t *testing.T) {
	const hold = 200 * time.Millisecond
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		dial    func(t *testing.T, url string)
	}{
		{"gorilla/websocket", func(w http.ResponseWriter, r *http.Request) {
			c, err := (&gws.Upgrader{}).Upgrade(w, r, nil)
			if err != nil {
				return // Upgrade has answered with an error status
			}
			defer c.Close()
			if _, msg, err := c.ReadMessage(); err == nil {
				_ = c.WriteMessage(gws.TextMessage, msg)
			}
			time.Sleep(hold)
		}, func(t *testing.T, url string) {
			c, resp, err := gws.DefaultDialer.Dial("ws"+strings.TrimPrefix(url, "http")+"/ws", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Errorf("status %d", resp.StatusCode)
			}
			if err := c.WriteMessage(gws.TextMessage, []byte("ping")); err != nil {
				t.Fatal(err)
			}
			if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "ping" {
				t.Fatalf("echo %q, %v", msg, err)
			}
		}},
		{"coder/websocket", func(w http.ResponseWriter, r *http.Request) {
			c, err := cws.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			ctx := r.Context()
			if typ, msg, err := c.Read(ctx); err == nil {
				_ = c.Write(ctx, typ, msg)
			}
			time.Sleep(hold)
			_ = c.Close(cws.StatusNormalClosure, "")
		}, func(t *testing.T, url string) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := cws.Dial(ctx, url+"/ws", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Errorf("status %d", resp.StatusCode)
			}
			if err := c.Write(ctx, cws.MessageText, []byte("ping")); err != nil {
				t.Fatal(err)
			}
			if _, msg, err := c.Read(ctx); err != nil || string(msg) != "ping" {
				t.Fatalf("echo %q, %v", msg, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newMiddleware(t)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /ws", tc.handler)
			mux.HandleFunc("GET /api", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })
			srv := httptest.NewServer(m.Handler(mux))
			defer srv.Close()
			tc.dial(t, srv.URL)
			resp, err := http.Get(srv.URL + "/api")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			deadline := time.Now().Add(5 * time.Second)
			for {
				mf := families(t, reg)["perfwatch_http_server_upgraded_duration_seconds"]
				if mf != nil && len(mf.GetMetric()) == 1 && mf.GetMetric()[0].GetHistogram().GetSampleCount() == 1 {
					m := mf.GetMetric()[0]
					if got := labelsOf(m); got != "http_request_method=GET,http_response_status_code=101,http_route=/ws" {
						t.Errorf("upgraded series %s", got)
					}
					if s := m.GetHistogram().GetSampleSum(); s < hold.Seconds() {
						t.Errorf("lifetime %v s, want at least %v", s, hold.Seconds())
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no upgraded request recorded: %v", mf)
				}
				time.Sleep(20 * time.Millisecond)
			}
			for _, m := range families(t, reg)["http_server_request_duration_seconds"].GetMetric() {
				if got := labelsOf(m); got != "http_request_method=GET,http_response_status_code=200,http_route=/api" {
					t.Errorf("request duration has %s: the websocket reached the latency histogram", got)
				}
			}
		})
	}
}
