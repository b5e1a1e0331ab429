package promread

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// fakeProm speaks enough of /api/v1/query_range for the reader: each series is a
// label set and a function telling the value at grid index k (k counts steps from
// base), or false where the series has no sample.
type fakeProm struct {
	t         *testing.T
	base      time.Time
	step      time.Duration
	maxPoints int
	series    []fakeSeries
	warnings  []string
	// fail, when set, may answer a request instead (n counts requests from 1).
	fail func(n int, w http.ResponseWriter, r *http.Request) bool

	mu       sync.Mutex
	requests []rangeReq
}

type fakeSeries struct {
	labels map[string]string
	value  func(k int64) (float64, bool)
}

type rangeReq struct{ start, end, step int64 } // milliseconds

func parseSeconds(s string) (int64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return int64(math.Round(f * 1000)), nil
}

func (f *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	start, err1 := parseSeconds(r.Form.Get("start"))
	end, err2 := parseSeconds(r.Form.Get("end"))
	step, err3 := parseSeconds(r.Form.Get("step"))
	if err := errors.Join(err1, err2, err3); err != nil || step <= 0 {
		apiErr(w, http.StatusBadRequest, "bad_data", fmt.Sprintf("bad range: %v", err))
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, rangeReq{start, end, step})
	n := len(f.requests)
	f.mu.Unlock()
	if f.fail != nil && f.fail(n, w, r) {
		return
	}
	if points := (end-start)/step + 1; f.maxPoints > 0 && points > int64(f.maxPoints) {
		apiErr(w, http.StatusBadRequest, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
		return
	}
	type stream struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
	}
	result := []stream{}
	for _, s := range f.series {
		st := stream{Metric: s.labels, Values: [][2]any{}}
		for ts := start; ts <= end; ts += step {
			off := ts - f.base.UnixMilli()
			if off%f.step.Milliseconds() != 0 {
				f.t.Errorf("request point %d is off the grid (offset %dms)", ts, off)
			}
			v, ok := s.value(off / f.step.Milliseconds())
			if !ok {
				continue
			}
			st.Values = append(st.Values, [2]any{float64(ts) / 1000, strconv.FormatFloat(v, 'f', -1, 64)})
		}
		if len(st.Values) > 0 {
			result = append(result, st)
		}
	}
	body := map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}}
	if len(f.warnings) > 0 {
		body["warnings"] = f.warnings
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

func apiErr(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": typ, "error": msg})
}

func (f *fakeProm) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func always(v float64) func(int64) (float64, bool) {
	return func(int64) (float64, bool) { return v, true }
}

var base = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC) // test constant, never written

func newReader(t *testing.T, f *fakeProm, opts Options) *Reader {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	if opts.BaseBackoff == 0 {
		opts.BaseBackoff = time.Millisecond
	}
	r, err := NewFromAddress(srv.URL, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestChunkBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rng       time.Duration
		step      time.Duration
		maxPoints int
		points    int64 // grid points expected
		chunks    int
	}{
		{"single point", 0, time.Minute, 11000, 1, 1},
		{"limit of one", 4 * time.Second, time.Second, 1, 5, 5},
		{"exact fit", 9 * time.Second, time.Second, 10, 10, 1},
		{"one over", 10 * time.Second, time.Second, 10, 11, 2},
		{"uneven", 100 * time.Second, 3 * time.Second, 7, 34, 5},
		{"end off grid", 10*time.Second + 500*time.Millisecond, time.Second, 4, 11, 3},
		{"sub-second step", 30 * time.Second, 1500 * time.Millisecond, 6, 21, 4},
		{"week at 15s, Prometheus limit", 7 * 24 * time.Hour, 15 * time.Second, DefaultMaxPoints, 40321, 4},
		{"week at 1m, default limit", 7 * 24 * time.Hour, time.Minute, 0, 10081, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limit := tc.maxPoints
			if limit == 0 {
				limit = DefaultMaxPoints
			}
			f := &fakeProm{base: base, step: tc.step, maxPoints: limit, series: []fakeSeries{
				{map[string]string{"__name__": "up", "job": "a"}, func(k int64) (float64, bool) { return float64(k), true }},
			}}
			r := newReader(t, f, Options{MaxPoints: tc.maxPoints})
			got, err := r.Read(context.Background(), "up", base, base.Add(tc.rng), tc.step)
			if err != nil {
				t.Fatal(err)
			}
			if n := f.count(); n != tc.chunks {
				t.Errorf("%d requests, want %d", n, tc.chunks)
			}
			f.mu.Lock()
			reqs := f.requests
			f.mu.Unlock()
			for _, q := range reqs {
				if p := (q.end-q.start)/q.step + 1; p > int64(limit) {
					t.Errorf("request %v asks for %d points, limit %d", q, p, limit)
				}
			}
			if len(got) != 1 {
				t.Fatalf("%d series, want 1", len(got))
			}
			s := got[0].Samples
			if int64(len(s)) != tc.points {
				t.Fatalf("%d samples, want %d", len(s), tc.points)
			}
			for k, p := range s {
				want := model.TimeFromUnixNano(base.Add(time.Duration(k) * tc.step).UnixNano())
				if p.Timestamp != want || p.Value != model.SampleValue(k) {
					t.Fatalf("sample %d = %v, want %v @%v", k, p, k, want)
				}
			}
		})
	}
}

func TestChunksErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		start, end time.Time
		step       time.Duration
		max        int
	}{
		{"end before start", base, base.Add(-time.Second), time.Second, 10},
		{"zero step", base, base.Add(time.Second), 0, 10},
		{"sub-millisecond step", base, base.Add(time.Second), time.Microsecond, 10},
		{"zero limit", base, base.Add(time.Second), time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Chunks(tc.start, tc.end, tc.step, tc.max); err == nil {
				t.Error("no error")
			}
		})
	}
}

// A series that appears, one that vanishes, one with a hole, across chunk
// boundaries; NaN and +Inf returned as given.
func TestAppearVanishGapsValues(t *testing.T) {
	f := &fakeProm{base: base, step: time.Second, series: []fakeSeries{
		{map[string]string{"i": "steady"}, always(1)},
		{map[string]string{"i": "appears"}, func(k int64) (float64, bool) { return 2, k >= 4 }},
		{map[string]string{"i": "vanishes"}, func(k int64) (float64, bool) { return 3, k < 6 }},
		{map[string]string{"i": "hole"}, func(k int64) (float64, bool) { return 4, k != 3 && k != 7 }},
		{map[string]string{"i": "brief"}, func(k int64) (float64, bool) { return 5, k == 5 }},
		{map[string]string{"i": "never"}, func(k int64) (float64, bool) { return 0, false }},
		{map[string]string{"i": "odd"}, func(k int64) (float64, bool) {
			switch k {
			case 2:
				return math.NaN(), true
			case 8:
				return math.Inf(1), true
			case 9:
				return 0, true // a counter reset is the caller's
			}
			return float64(100 + k), true
		}},
	}}
	r := newReader(t, f, Options{MaxPoints: 3})
	got, err := r.Read(context.Background(), "x", base, base.Add(11*time.Second), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	idx := func(s Series) []int64 {
		var out []int64
		for _, p := range s.Samples {
			out = append(out, (p.Timestamp.UnixNano()-base.UnixNano())/int64(time.Second))
		}
		return out
	}
	want := map[string][]int64{
		"steady":   {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
		"appears":  {4, 5, 6, 7, 8, 9, 10, 11},
		"vanishes": {0, 1, 2, 3, 4, 5},
		"hole":     {0, 1, 2, 4, 5, 6, 8, 9, 10, 11},
		"brief":    {5},
		"odd":      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	}
	if len(got) != len(want) {
		t.Errorf("%d series, want %d: %v", len(got), len(want), got)
	}
	var order []string
	for _, s := range got {
		name := string(s.Labels["i"])
		order = append(order, name)
		if fmt.Sprint(idx(s)) != fmt.Sprint(want[name]) {
			t.Errorf("%s: grid points %v, want %v", name, idx(s), want[name])
		}
		if name == "odd" {
			v := s.Samples
			if !math.IsNaN(float64(v[2].Value)) || !math.IsInf(float64(v[8].Value), 1) || v[9].Value != 0 || v[10].Value != 110 {
				t.Errorf("odd values not as given: %v", v)
			}
		}
	}
	if fmt.Sprint(order) != "[appears brief hole odd steady vanishes]" {
		t.Errorf("series order %v, want sorted by labels", order)
	}
}

func TestRetries(t *testing.T) {
	unavailable := func(w http.ResponseWriter) {
		apiErr(w, http.StatusServiceUnavailable, "unavailable", "TSDB not ready")
	}
	for _, tc := range []struct {
		name     string
		fail     func(n int, w http.ResponseWriter, r *http.Request) bool
		attempts int
		wantReq  int
		wantErr  string // "" for success
	}{
		{"503 then success", func(n int, w http.ResponseWriter, _ *http.Request) bool {
			if n == 1 {
				unavailable(w)
				return true
			}
			return false
		}, 3, 2, ""},
		{"500 twice then success", func(n int, w http.ResponseWriter, _ *http.Request) bool {
			if n <= 2 {
				http.Error(w, "boom", http.StatusInternalServerError)
				return true
			}
			return false
		}, 3, 3, ""},
		{"connection dropped then success", func(n int, w http.ResponseWriter, _ *http.Request) bool {
			if n == 1 {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			}
			return false
		}, 3, 2, ""},
		{"503 until attempts run out", func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			unavailable(w)
			return true
		}, 3, 3, "giving up after 3 attempts"},
		{"400 not retried", func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			apiErr(w, http.StatusBadRequest, "bad_data", `1:5: parse error: unexpected "}"`)
			return true
		}, 3, 1, "parse error"},
		{"422 not retried", func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			apiErr(w, http.StatusUnprocessableEntity, "execution", "expanding series: too many")
			return true
		}, 3, 1, "expanding series"},
		{"404 not retried", func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			http.NotFound(w, nil)
			return true
		}, 3, 1, "client error: 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeProm{base: base, step: time.Second, fail: tc.fail, series: []fakeSeries{
				{map[string]string{"job": "a"}, always(1)},
			}}
			r := newReader(t, f, Options{MaxAttempts: tc.attempts})
			got, err := r.Read(context.Background(), `sum(rate(x[5m]))`, base, base.Add(9*time.Second), time.Second)
			if n := f.count(); n != tc.wantReq {
				t.Errorf("%d requests, want %d", n, tc.wantReq)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || len(got[0].Samples) != 10 {
					t.Errorf("got %v", got)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range []string{tc.wantErr, `"sum(rate(x[5m]))"`, "promread"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	t.Run("during back-off", func(t *testing.T) {
		f := &fakeProm{base: base, step: time.Second, fail: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			apiErr(w, http.StatusServiceUnavailable, "unavailable", "down")
			return true
		}}
		r := newReader(t, f, Options{MaxAttempts: 100, BaseBackoff: 10 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		t0 := time.Now()
		_, err := r.Read(ctx, "up", base, base.Add(time.Minute), time.Second)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want deadline exceeded", err)
		}
		if d := time.Since(t0); d > 2*time.Second {
			t.Errorf("returned after %v", d)
		}
		if n := f.count(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("during request", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		f := &fakeProm{base: base, step: time.Second, fail: func(_ int, w http.ResponseWriter, r *http.Request) bool {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return true
		}}
		r := newReader(t, f, Options{MaxAttempts: 5})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := r.Read(ctx, "up", base, base.Add(time.Minute), time.Second)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want canceled", err)
		}
		if n := f.count(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func TestWarningsLogged(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	f := &fakeProm{base: base, step: time.Second, warnings: []string{"result truncated somewhere"}, series: []fakeSeries{
		{map[string]string{"job": "a"}, always(1)},
	}}
	r := newReader(t, f, Options{MaxPoints: 5, Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))})
	if _, err := r.Read(context.Background(), "up", base, base.Add(9*time.Second), time.Second); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	if c := strings.Count(out, "result truncated somewhere"); c != 2 {
		t.Errorf("warning logged %d times, want once per chunk (2):\n%s", c, out)
	}
	if !strings.Contains(out, "query=up") {
		t.Errorf("log does not name the query:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestBackoffBounded(t *testing.T) {
	r := New(nil, Options{BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	for attempt := 1; attempt < 70; attempt++ {
		d := r.backoff(attempt)
		hi := min(100*time.Millisecond<<min(attempt-1, 20), time.Second)
		if d < hi/2 || d > hi {
			t.Errorf("attempt %d: wait %v outside [%v, %v]", attempt, d, hi/2, hi)
		}
	}
}
