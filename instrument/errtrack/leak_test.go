package errtrack_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/perfwatch/perfwatch/instrument/errtrack/errapi"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The secrets are plain words, so that no rule about which characters a secret has
// can hide them; each is searched for, word by word, in everything the tracker writes.
var secrets = []string{
	"correct horse battery staple",
	"purple monkey dishwasher",
	"tangerineelephantparade",
	"4111 1111 1111 1111",
	"5500005555555559",
	"alice.jones@example.org",
	"velvet thunder",
}

func TestNothingSecretLeaves(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "errors.json")
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	tr, err := errtrack.New(reg, errtrack.WithStateFile(state), errtrack.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	mw, err := instrument.New(reg, instrument.WithHook(tr))
	if err != nil {
		t.Fatal(err)
	}
	appLog := slog.New(tr.Handler(slog.NewJSONHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		tr.Report(r.Context(), fmt.Errorf("login failed for alice.jones@example.org: password=%s", secrets[0]))
		tr.Report(r.Context(), fmt.Errorf(`upstream rejected {"api_key": %q}`, secrets[1]), errtrack.WithExtra("password", secrets[6]),
			errtrack.WithExtra("note", "token="+secrets[6]))
		appLog.Error("auth", "err", fmt.Errorf("upstream said: Authorization: Bearer %s", secrets[2]))
		tr.ReportDBError(r.Context(), errors.New(`duplicate key: Key (email)=(alice.jones@example.org) already exists`), "sqlite", "INSERT", "INSERT users")
		w.WriteHeader(http.StatusUnauthorized)
	})
	mux.HandleFunc("POST /pay", func(w http.ResponseWriter, r *http.Request) {
		panic(fmt.Sprintf("charge declined for card %s (backup 5500005555555559)", secrets[3]))
	})
	srv := httptest.NewServer(mw.Handler(tr.Recover(mux)))
	defer srv.Close()
	for _, p := range []string{"/login", "/pay", "/login"} {
		resp, err := http.Post(srv.URL+p, "text/plain", strings.NewReader("password="+secrets[0]))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		find(t, "response of "+p, string(b))
	}
	tr.Report(context.Background(), sql.ErrNoRows) // not an error: nothing happens
	if err := tr.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(tr.Groups(errtrack.Query{})) < 4 {
		t.Fatalf("only %d groups: the test reports too little", len(tr.Groups(errtrack.Query{})))
	}

	api := errapi.Handler(tr)
	get := func(path string, accept string) string {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	list := get("/api/errors/groups", "application/json")
	find(t, "API list", list)
	find(t, "HTML list", get("/errors/", "text/html"))
	for _, g := range tr.Groups(errtrack.Query{}) {
		find(t, "API group "+g.ID, get("/api/errors/groups/"+g.ID, "application/json"))
		find(t, "HTML group "+g.ID, get("/errors/"+g.ID, "text/html"))
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	// The series without their sample values: a duration may well hold the digits 4111.
	var series strings.Builder
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			line = line[:i]
		}
		series.WriteString(line + "\n")
	}
	find(t, "metrics", series.String())
	find(t, "logs", logs.String())
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	find(t, "state file", string(b))
	if !strings.Contains(list, "[Filtered]") {
		t.Errorf("no [Filtered] in the API's list: the secrets never got there?\n%s", list)
	}
}

// find fails the test for every word of a secret found in text.
func find(t *testing.T, where, text string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, s := range secrets {
		for _, w := range strings.Fields(s) {
			if len(w) >= 4 && strings.Contains(lower, strings.ToLower(w)) && w != "1111" {
				t.Errorf("%s contains %q (of secret %q)", where, w, s)
			}
		}
		if strings.Contains(text, strings.ReplaceAll(s, " ", "")) {
			t.Errorf("%s contains secret %q", where, s)
		}
	}
}
