package sentryingest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are the captured SDK envelopes and events (decompressed) and the hostile
// shapes of TestHostile.
func fuzzSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.body"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			if d, err := io.ReadAll(zr); err == nil {
				b = d
			}
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "\n", "{}", "{}\n", "{}\n\n\n", "{}\n{\"type\":\"event\",\"length\":10}\nabc",
		"{}\n{\"type\":\"event\",\"length\":9223372036854775807}\n",
		"{}\n{\"type\":\"event\",\"length\":-5}\n{}", "{}\n{\"type\":\"\"}\n{}",
		"{}\n{\"type\":\"event\"}\n{\"exception\":{\"values\":[{\"stacktrace\":{\"frames\":[{}]}}]}}",
		"{}\n{\"type\":\"event\"}\n{\"exception\":[{\"type\":\"A\"}],\"request\":{\"headers\":[[\"User-Agent\",1]]}}",
		"{\"dsn\":\"http://abc123@h/7\"}\n{\"type\":\"event\",\"length\":2}\n{}\n",
		"{}\r\n{\"type\":\"event\",\"length\":2}\r\n{}\r\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseEnvelope: the parser and the event conversion never panic, and what they
// return stays within the limits and the input.
func FuzzParseEnvelope(f *testing.F) {
	fuzzSeeds(f)
	lim := Limits{MaxItems: 20, MaxEventBytes: 64 << 10, MaxItemBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := ParseEnvelope(b, lim)
		if err != nil {
			if env != nil {
				t.Fatal("envelope and error")
			}
			return
		}
		if len(env.Items) > lim.MaxItems {
			t.Fatalf("%d items over the limit", len(env.Items))
		}
		total := 0
		for _, it := range env.Items {
			if it.Type == "" {
				t.Fatal("item without type")
			}
			if len(it.Payload) > lim.itemLimit(it.Type) {
				t.Fatalf("%s payload of %d bytes over the limit", it.Type, len(it.Payload))
			}
			total += len(it.Payload)
			if it.Type == "event" {
				if ev, err := convertEvent(it.Payload, "Mozilla/5.0 Firefox/1"); err == nil {
					if len(ev.Frames) > maxFrames || len(ev.Types) == 0 {
						t.Fatalf("event %+v", ev)
					}
				}
			}
		}
		if total > len(b) {
			t.Fatalf("payloads of %d bytes from %d", total, len(b))
		}
	})
}

// FuzzHandler: the whole handler, on envelopes and store bodies, answers every input
// with 200 or a 4xx and never panics.
func FuzzHandler(f *testing.F) {
	fuzzSeeds(f)
	h, _, _ := newTestHandler(f, testConfig())
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, path := range []string{"/api/7/envelope/?sentry_key=abc123", "/api/7/store/?sentry_key=abc123"} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b)))
			if w.Code != 200 && (w.Code < 400 || w.Code > 499) {
				t.Fatalf("%s: status %d", path, w.Code)
			}
			if w.Code != 200 && !strings.Contains(w.Body.String(), `"detail"`) {
				t.Fatalf("%s: %d without detail: %s", path, w.Code, w.Body)
			}
		}
	})
}
