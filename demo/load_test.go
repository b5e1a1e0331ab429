package demo

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseMix(t *testing.T) {
	mix, err := ParseMix("item=0, vault=7")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range mix {
		if (tg.Name == "item" && tg.Weight != 0) || (tg.Name == "vault" && tg.Weight != 7) {
			t.Errorf("%s weight %d", tg.Name, tg.Weight)
		}
	}
	for _, bad := range []string{"nosuch=1", "item", "item=-1", "item=x",
		"item=0,user=0,folders=0,vault=0,vault_joined=0,create=0,sync=0,export=0,report=0,missing=0,page=0"} {
		if _, err := ParseMix(bad); err == nil || !strings.Contains(err.Error(), "load mix") {
			t.Errorf("ParseMix(%q) err = %v", bad, err)
		}
	}
}

func TestLoadSendsTheMix(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+strings.SplitN(strings.TrimPrefix(r.URL.Path, "/api/"), "/", 2)[0]]++
		mu.Unlock()
	}))
	defer srv.Close()
	mix, _ := ParseMix("item=1,sync=1,user=0,folders=0,vault=0,vault_joined=0,create=0,export=0,report=0,missing=0,page=0")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	l := &Load{BaseURL: srv.URL, RPS: 200, Mix: mix, Client: srv.Client(), Logger: slog.New(slog.DiscardHandler)}
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the last requests land
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen["GET items"] < 10 || seen["POST sync"] < 10 {
		t.Errorf("requests seen %v, want only items and sync, many of each", seen)
	}
	if err := (&Load{RPS: 0}).Run(ctx); err == nil {
		t.Error("zero rate accepted")
	}
}

// When Run returns, the generator holds no connection open to the server: a kept-alive
// or never-used connection would make the server's graceful shutdown wait (for a new
// one, the 5 s net/http allows it), longer than perfwatch's shutdown timeout.
func TestLoadClosesItsConnections(t *testing.T) {
	var mu sync.Mutex
	open := map[string]http.ConnState{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		if s == http.StateClosed || s == http.StateHijacked {
			delete(open, c.RemoteAddr().String())
		} else {
			open[c.RemoteAddr().String()] = s
		}
	}
	srv.Start()
	defer srv.Close()
	mix := []Target{{Name: "root", Weight: 1, Method: "GET", Path: func() string { return "/" }}}
	l := &Load{BaseURL: srv.URL, RPS: 500, Mix: mix, Client: &http.Client{Transport: &http.Transport{}},
		Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		n := len(open)
		mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open after Run returned: %v", n, open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
