package demo

import (
	"context"
	"log/slog"
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
