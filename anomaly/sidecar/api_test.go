package sidecar

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/shard"
)

func TestAPI(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(72 * time.Hour)}
	e, _ := newTestEngine(t, testConfig, testReader(start), shard.Shard{Index: 1, Count: 1}, clk)
	ctx := context.Background()
	if err := e.Fit(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if err := e.Infer(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	for _, tt := range []struct {
		method, path string
		header       map[string]string
		status       int
		want         string
	}{
		{"GET", "/api/v1/recommendations", nil, 200, `"recommendations": []`},
		{"GET", "/api/v1/predictions", nil, 200, `"load_2x":`},
		{"GET", "/api/v1/status", nil, 200, `"shard": "1/1"`},
		{"POST", "/api/v1/fit", nil, 202, `refit scheduled`},
		{"POST", "/api/v1/fit", map[string]string{"Origin": "https://evil.example"}, 403, "cross-origin"},
		{"POST", "/api/v1/fit", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-site"},
		{"GET", "/api/v1/fit", nil, 405, ""},
		{"POST", "/api/v1/status", nil, 405, ""},
		{"GET", "/api/v1/nope", nil, 404, ""},
	} {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(body.String(), tt.want) {
			t.Errorf("%s %s: %d %q, want %d and %q", tt.method, tt.path, resp.StatusCode, body.String(), tt.status, tt.want)
		}
		if tt.status == 200 && !json.Valid(body.Bytes()) {
			t.Errorf("%s: not JSON: %s", tt.path, body.String())
		}
	}
	// The accepted POST left one refit pending for Run.
	select {
	case <-e.refit:
	default:
		t.Error("POST /api/v1/fit scheduled no refit")
	}
}
