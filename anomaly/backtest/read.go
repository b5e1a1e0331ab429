// Package backtest scores a recorded series offline with the sidecar's
// default detector, for tuning and for the NAB run: it reads a CSV
// (timestamp,value) or a saved Prometheus range query, runs the detector
// causally (each row is scored against the rows before it, then learnt) and
// writes one CSV row per input row with yhat, the band, the vmanomaly score
// and the probability, empty while the detector is in cold start.
package backtest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// timeLayouts are the textual timestamp forms accepted, besides Unix
// seconds: RFC 3339 and NAB's "2006-01-02 15:04:05" (UTC), with optional
// fractional seconds.
var timeLayouts = [...]string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

// ParseTime parses an RFC 3339 timestamp, NAB's "2006-01-02 15:04:05"
// (taken as UTC) or Unix seconds (fractions allowed).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(f) || math.Abs(f) > 1e11 {
		return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339, \"2006-01-02 15:04:05\" or Unix seconds", s)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// parseValue parses a sample value; NaN and infinities are allowed (the
// detector skips them), as Prometheus writes them ("NaN", "+Inf").
func parseValue(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	return v, nil
}

// ReadCSV reads a CSV whose header is timestamp,value (further columns are
// ignored) and returns its rows in file order. A bad row is an error naming
// its line.
func ReadCSV(r io.Reader) ([]baseline.Sample, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("read csv: empty input, want a timestamp,value header")
	}
	if err != nil {
		return nil, fmt.Errorf("read csv: header: %w", err)
	}
	it, iv := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "timestamp":
			it = i
		case "value":
			iv = i
		}
	}
	if it < 0 || iv < 0 {
		return nil, fmt.Errorf("read csv: line 1: header %q lacks a timestamp and a value column", strings.Join(header, ","))
	}
	var out []baseline.Sample
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read csv: %w", err) // csv.ParseError names the line
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if it >= len(rec) || iv >= len(rec) {
			return nil, fmt.Errorf("read csv: line %d: %d fields, want at least %d", line, len(rec), max(it, iv)+1)
		}
		t, err := ParseTime(rec[it])
		if err != nil {
			return nil, fmt.Errorf("read csv: line %d: %w", line, err)
		}
		v, err := parseValue(rec[iv])
		if err != nil {
			return nil, fmt.Errorf("read csv: line %d: %w", line, err)
		}
		out = append(out, baseline.Sample{T: t, V: v})
	}
}

// Series is one series of a range query: its labels and samples.
type Series struct {
	Labels  map[string]string
	Samples []baseline.Sample
}

// Name renders the labels as a Prometheus series selector,
// name{a="b",...}, labels sorted.
func (s Series) Name() string {
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(s.Labels["__name__"])
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, s.Labels[k])
	}
	b.WriteByte('}')
	return b.String()
}

// ReadQueryRange reads the body of a Prometheus /api/v1/query_range
// response (status success, resultType matrix) and returns its series.
func ReadQueryRange(r io.Reader) ([]Series, error) {
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string   `json:"metric"`
				Values [][]json.RawMessage `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r).Decode(&body); err != nil {
		return nil, fmt.Errorf("read query_range: %w", err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("read query_range: status %q: %s", body.Status, body.Error)
	}
	if body.Data.ResultType != "matrix" {
		return nil, fmt.Errorf("read query_range: result type %q, want matrix", body.Data.ResultType)
	}
	out := make([]Series, 0, len(body.Data.Result))
	for i, res := range body.Data.Result {
		s := Series{Labels: res.Metric, Samples: make([]baseline.Sample, 0, len(res.Values))}
		for j, pair := range res.Values {
			if len(pair) != 2 {
				return nil, fmt.Errorf("read query_range: series %d, value %d: %d elements, want [time, \"value\"]", i, j, len(pair))
			}
			var ts float64
			if err := json.Unmarshal(pair[0], &ts); err != nil {
				return nil, fmt.Errorf("read query_range: series %d, value %d: time: %w", i, j, err)
			}
			var vs string
			if err := json.Unmarshal(pair[1], &vs); err != nil {
				return nil, fmt.Errorf("read query_range: series %d, value %d: value: %w", i, j, err)
			}
			t, err := ParseTime(strconv.FormatFloat(ts, 'f', -1, 64))
			if err != nil {
				return nil, fmt.Errorf("read query_range: series %d, value %d: %w", i, j, err)
			}
			v, err := parseValue(vs)
			if err != nil {
				return nil, fmt.Errorf("read query_range: series %d, value %d: %w", i, j, err)
			}
			s.Samples = append(s.Samples, baseline.Sample{T: t, V: v})
		}
		out = append(out, s)
	}
	return out, nil
}
