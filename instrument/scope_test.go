package instrument_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/gorillamux"
)

// recordingHook logs the calls it gets, and adds a Server-Timing header as the
// database hook will.
type recordingHook struct {
	name string
	log  *[]string
}

func (h *recordingHook) Start(s *instrument.Scope, r *http.Request) {
	*h.log = append(*h.log, h.name+".Start "+s.Method())
	s.SetValue(h, 0)
	if instrument.ScopeFrom(r.Context()) != s {
		*h.log = append(*h.log, "request context does not hold the scope")
	}
}

func (h *recordingHook) WriteHeader(s *instrument.Scope, hdr http.Header) {
	n := s.Value(h).(int)
	*h.log = append(*h.log, fmt.Sprintf("%s.WriteHeader %d queries=%d", h.name, s.Status(), n))
	hdr.Add("Server-Timing", fmt.Sprintf(`%s;desc="%d queries"`, h.name, n))
}

func (h *recordingHook) End(s *instrument.Scope) {
	*h.log = append(*h.log, fmt.Sprintf("%s.End %s %d queries=%d", h.name, s.Route(), s.Status(), s.Value(h).(int)))
}

func TestHooks(t *testing.T) {
	var log []string
	db, cache := &recordingHook{"db", &log}, &recordingHook{"cache", &log}
	m, _ := newMiddleware(t, instrument.WithHook(db), instrument.WithHook(cache))
	mx := http.NewServeMux()
	mx.HandleFunc("POST /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		s := instrument.ScopeFrom(r.Context())
		// What the database wrapper will do: find the scope and count into it.
		s.SetValue(db, s.Value(db).(int)+7)
		if s.Start().IsZero() {
			t.Error("scope has no start time")
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "ok")
	})
	rec := serve(m.Handler(mx), "POST", "/items/3")
	want := []string{
		"db.Start POST", "cache.Start POST",
		"db.WriteHeader 201 queries=7", "cache.WriteHeader 201 queries=0",
		"db.End /items/{id} 201 queries=7", "cache.End /items/{id} 201 queries=0",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("hook calls:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if got := rec.Header().Values("Server-Timing"); len(got) != 2 || got[0] != `db;desc="7 queries"` {
		t.Errorf("Server-Timing %q", got)
	}
}

func TestHooksOnEmptyResponseAndNormalisedRoute(t *testing.T) {
	var log []string
	h := &recordingHook{"db", &log}
	m, _ := newMiddleware(t, instrument.WithHook(h))
	r := mux.NewRouter()
	r.HandleFunc("/items/{id:[0-9]+}", func(http.ResponseWriter, *http.Request) {}) // writes nothing
	srv := httptest.NewServer(gorillamux.Handler(m, r))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/items/7")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Server-Timing"); got != `db;desc="0 queries"` {
		t.Errorf("Server-Timing on an empty response = %q", got)
	}
	if want := "db.End /items/{id} 200 queries=0"; log[len(log)-1] != want {
		t.Errorf("End saw %q, want %q", log[len(log)-1], want)
	}
}

func TestScopeOnlyWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []instrument.Option
		want bool
	}{
		{"default", nil, false},
		{"WithScope", []instrument.Option{instrument.WithScope()}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newMiddleware(t, tc.opts...)
			var got *instrument.Scope
			serve(m.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				got = instrument.ScopeFrom(r.Context())
			})), "GET", "/")
			if (got != nil) != tc.want {
				t.Errorf("scope present = %v, want %v", got != nil, tc.want)
			}
		})
	}
}

func TestScopeKeepsContextValuesAndCancellation(t *testing.T) {
	type key struct{}
	m, _ := newMiddleware(t, instrument.WithScope())
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "outer"))
	var inner context.Context
	h := m.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { inner = r.Context() }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	if inner.Value(key{}) != "outer" {
		t.Error("value of the outer context lost")
	}
	cancel()
	<-inner.Done() // blocks forever, failing by timeout, if cancellation does not pass through
	if instrument.ScopeFrom(inner) == nil {
		t.Error("scope gone after the request ended; a goroutine may still hold the context")
	}
}

func TestScopeValues(t *testing.T) {
	m, _ := newMiddleware(t, instrument.WithScope())
	serve(m.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		s := instrument.ScopeFrom(r.Context())
		for i := 0; i < 10; i++ { // more than the inline slots
			s.SetValue(i, i*i)
		}
		s.SetValue(3, "replaced")
		for i := 0; i < 10; i++ {
			want := any(i * i)
			if i == 3 {
				want = "replaced"
			}
			if got := s.Value(i); got != want {
				t.Errorf("Value(%d) = %v, want %v", i, got, want)
			}
		}
		if s.Value("absent") != nil {
			t.Error("absent key has a value")
		}
	})), "GET", "/")
}
