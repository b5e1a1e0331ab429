package rum

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
)

// checkAnswer fails on an answer that is neither 204 nor 4xx.
func checkAnswer(t testing.TB, code int, what string) {
	t.Helper()
	if code != 204 && (code < 400 || code > 499) {
		t.Fatalf("%s: answered %d", what, code)
	}
}

// FuzzBeacon: whatever the body and headers, the handler neither panics nor answers
// 5xx, and its series stay within MaxSeries.
func FuzzBeacon(f *testing.F) {
	for _, s := range []string{typicalBeacon, `{"v":1}`, `{"v":1,"events":[{}]}`, "", "{", "null",
		`{"v":1,"page":"/x","nav":"spa","events":[{"t":"error","type":"E","message":"m","frames":[{"fn":"f","url":"https://a/b.js?q","line":1}],"count":5}]}`,
		`{"v":1,"events":[{"t":"measure","name":"a","duration":1},{"t":"api","method":"GET","route":"/r","status":404,"duration":1e3}]}`,
		`{"v":1,"events":[{"t":"resource","initiator":"img","count":1,"bytes":1,"duration":1},{"t":"nav","dns":1}]}`,
		`{"v":2}`, `{"v":1,"events":[1,"a",null,[]]}`,
	} {
		f.Add([]byte(s), false, "")
		f.Add([]byte(s), true, "https://shop.example")
	}
	reg := newRegistry()
	h, err := New(reg, nopCapturer{}, testConfig)
	if err != nil {
		f.Fatal(err)
	}
	bound := MaxSeries(testConfig)
	f.Fuzz(func(t *testing.T, body []byte, gz bool, origin string) {
		if gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = b.Bytes()
		}
		r := httptest.NewRequest("POST", "/rum/v1/beacon", bytes.NewReader(body))
		if gz {
			r.Header.Set("Content-Encoding", "gzip")
		}
		if origin != "" && !strings.ContainsAny(origin, "\r\n") {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		checkAnswer(t, w.Code, "fuzz")
		if n := countSeries(t, reg); n > bound {
			t.Fatalf("%d series over the bound %d", n, bound)
		}
	})
}

// TestHostile: thousands of random pages, routes, measures, methods and statuses,
// huge bodies, wrong types and a flood from many addresses: every answer is 204 or
// 4xx, the series stay within MaxSeries and the client table within its bound.
func TestHostile(t *testing.T) {
	reg := newRegistry()
	cfg := testConfig
	cfg.RateLimit = RateLimit{PerClientPerSecond: 1, Burst: 5, Clients: 1000}
	h, err := New(reg, &capturer{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		const chars = "abcdefghijklmnopqrstuvwxyz0123456789/{}-_.%é\\\"\u2028"
		n := rng.IntN(40)
		var b strings.Builder
		for range n {
			c := []rune(chars)
			b.WriteRune(c[rng.IntN(len(c))])
		}
		return b.String()
	}
	jsonStr := func(s string) string { return fmt.Sprintf("%q", s) }
	answers := map[int]int{}
	send := func(body, remote string, hdr map[string]string) {
		w := do(h, req{body: body, remote: remote, header: hdr})
		checkAnswer(t, w.Code, body[:min(len(body), 80)])
		answers[w.Code]++
	}
	for i := range 5000 {
		remote := fmt.Sprintf("203.0.%d.%d:4000", i/250, i%250) // a flood from 5000 addresses
		var ev []string
		for range rng.IntN(12) {
			switch rng.IntN(8) {
			case 0:
				ev = append(ev, fmt.Sprintf(`{"t":"vital","name":%s,"value":%g}`, jsonStr([]string{"LCP", "INP", "CLS", "FCP", "TTFB", word()}[rng.IntN(6)]), rng.NormFloat64()*1e6))
			case 1:
				ev = append(ev, fmt.Sprintf(`{"t":"api","method":%s,"route":%s,"status":%d,"duration":%g}`, jsonStr(word()), jsonStr("/api/"+word()), rng.IntN(800)-50, rng.Float64()*1e4))
			case 2:
				ev = append(ev, fmt.Sprintf(`{"t":"measure","name":%s,"duration":%g}`, jsonStr(word()), rng.Float64()*100))
			case 3:
				ev = append(ev, fmt.Sprintf(`{"t":"resource","initiator":%s,"count":%d,"bytes":%d}`, jsonStr(word()), rng.IntN(100), rng.IntN(1e6)))
			case 4:
				ev = append(ev, fmt.Sprintf(`{"t":%s,"x":1}`, jsonStr(word())))
			case 5: // wrong types
				ev = append(ev, []string{`{"t":"vital","name":"LCP","value":"1"}`, `{"t":"api","status":"200"}`, `[]`, `"x"`, `{"t":1}`, `{"t":"nav","dns":{}}`}[rng.IntN(6)])
			case 6:
				ev = append(ev, fmt.Sprintf(`{"t":"error","type":%s,"message":%s,"count":%d,"frames":[{"fn":%s,"url":%s,"line":%d}]}`, jsonStr(word()), jsonStr(word()), rng.IntN(200), jsonStr(word()), jsonStr("https://"+word()), rng.IntN(1e6)))
			case 7:
				ev = append(ev, fmt.Sprintf(`{"t":"nav","dns":%g,"load":%g}`, rng.NormFloat64()*1e6, rng.Float64()*1e3))
			}
		}
		body := fmt.Sprintf(`{"v":1,"page":%s,"nav":%s,"events":[%s]}`, jsonStr("/"+word()), jsonStr(word()), strings.Join(ev, ","))
		switch rng.IntN(20) {
		case 0:
			body = `{"v":1,"page":"` + strings.Repeat("/x", 40<<10) + `"}` // huge
		case 1:
			body = `{"v":1,"page":["/"],"events":5}` // wrong types
		case 2:
			body = body[:rng.IntN(len(body))] // cut
		case 3:
			body = `{"v":1,"events":[` + strings.Repeat(`{"t":"vital"},`, 150) + `{}]}` // too many
		}
		send(body, remote, nil)
		if i%10 == 0 { // some clients beyond their burst
			for range 8 {
				send(`{"v":1,"page":"/","events":[]}`, "198.51.100.1:1", nil)
			}
		}
	}
	n, bound := countSeries(t, reg), MaxSeries(cfg)
	if n > bound {
		t.Errorf("%d series over the bound %d", n, bound)
	}
	if c := h.limit.len(); c > cfg.RateLimit.Clients {
		t.Errorf("%d clients over the bound %d", c, cfg.RateLimit.Clients)
	}
	if answers[204] == 0 || answers[400] == 0 || answers[413] == 0 || answers[429] == 0 {
		t.Errorf("answers %v", answers)
	}
	t.Logf("answers %v; %d series (bound %d)", answers, n, bound)
}

// FuzzParse: the hand-written decoder accepts only valid JSON, and never more events
// than the bound.
func FuzzParse(f *testing.F) {
	for _, s := range []string{typicalBeacon, `{"v":1,"events":[{"t":"x","a":[1,{"b":null}],"s":"\u00e9\ud83d\ude00\n"}]}`,
		`{"v":1e999}`, `{"v":-0.5e+3}`, `{"v":01}`, `{"v":1,}`, `{"v":"\x01"}`, `{"v":1} x`, `{"events":[[[[[[]]]]]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b beacon
		err := parseBeacon(body, &b)
		if err == nil && !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if len(b.events) > MaxEvents {
			t.Fatalf("%d events", len(b.events))
		}
	})
}
