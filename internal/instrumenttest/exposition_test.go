package instrumenttest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/instrument/otelexemplar"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// withSpan returns a handler that puts a sampled span with traceID into the request
// context before next runs, as an OpenTelemetry middleware would.
func withSpan(traceID string, next http.Handler) http.Handler {
	tid, _ := trace.TraceIDFromHex(traceID)
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(trace.ContextWithSpanContext(r.Context(), sc)))
	})
}

func TestExemplars(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	for _, tc := range []struct {
		name string
		opts []instrument.Option
	}{
		{"classic", nil},
		{"native", []instrument.Option{instrument.WithNativeHistograms(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newMiddleware(t, append(tc.opts, instrument.WithExemplars(otelexemplar.TraceID))...)
			serve(withSpan(id, m.Handler(http.NotFoundHandler())), "GET", "/")
			serve(m.Handler(http.NotFoundHandler()), "GET", "/") // no span: no exemplar
			var found []string
			h := families(t, reg)["http_server_request_duration_seconds"].GetMetric()[0].GetHistogram()
			for _, b := range h.GetBucket() {
				if e := b.GetExemplar(); e != nil {
					found = append(found, pairs(e.GetLabel()))
				}
			}
			for _, e := range h.GetExemplars() { // native histograms carry them here
				found = append(found, pairs(e.GetLabel()))
			}
			if len(found) == 0 || found[0] != "trace_id="+id {
				t.Errorf("exemplars %v, want one with trace_id=%s", found, id)
			}
		})
	}
}

func TestNativeHistogramsKeepClassicBuckets(t *testing.T) {
	m, reg := newMiddleware(t, instrument.WithNativeHistograms(1.1))
	serve(m.Handler(http.NotFoundHandler()), "GET", "/")
	for _, name := range []string{"http_server_request_duration_seconds", "http_server_response_body_size_bytes"} {
		h := families(t, reg)[name].GetMetric()[0].GetHistogram()
		if h.Schema == nil || len(h.GetBucket()) == 0 {
			t.Errorf("%s: native schema %v, %d classic buckets; want both", name, h.Schema, len(h.GetBucket()))
		}
	}
}

// TestPromtoolCheckMetrics runs Prometheus's own linter over the exposition of a
// middleware that has served a few requests.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := testtool.Need(t, "promtool", "apt-get install prometheus; .ci/run installs it")
	m, reg := newMiddleware(t, instrument.WithConstLabels(map[string]string{"server": "api"}))
	mx := http.NewServeMux()
	mx.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })
	h := m.Handler(mx)
	for _, p := range []string{"/api/items/1", "/missing"} {
		serve(h, "GET", p)
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/api/items/{id}",server="api",le="1"} 1`,
		`http_server_active_requests{http_request_method="GET",server="api"} 0`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("exposition lacks %s", want)
		}
	}
	cmd := exec.CommandContext(context.Background(), promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
