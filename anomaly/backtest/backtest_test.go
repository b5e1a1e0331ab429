package backtest

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/detector"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2014, 4, 10, 7, 15, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2014-04-10T07:15:00Z", want, true},
		{"2014-04-10T09:15:00+02:00", want, true},
		{"2014-04-10 07:15:00", want, true},
		{"2014-04-10 07:15:00.000000", want, true},
		{" 1397114100 ", want, true},
		{"1397114100.5", want.Add(500 * time.Millisecond), true},
		{"10/04/2014", time.Time{}, false},
		{"", time.Time{}, false},
		{"NaN", time.Time{}, false},
		{"1e300", time.Time{}, false},
	} {
		got, err := ParseTime(tc.in)
		if (err == nil) != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		values []float64 // NaN compares as NaN
		err    string    // substring of the error, "" for none
	}{
		{"nab", "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,2\n", []float64{1.5, 2}, ""},
		{"columns swapped, extra, blank line, CRLF", "value,timestamp,x\r\n3,1397114100,a\r\n\r\n4,1397114400,b\r\n", []float64{3, 4}, ""},
		{"NaN kept", "timestamp,value\n1397114100,NaN\n1397114400,1\n", []float64{math.NaN(), 1}, ""},
		{"header only", "timestamp,value\n", nil, ""},
		{"empty", "", nil, "empty input"},
		{"no value column", "timestamp,v\n1,2\n", nil, "line 1"},
		{"bad timestamp", "timestamp,value\n1397114100,1\nyesterday,2\n", nil, "line 3: timestamp \"yesterday\""},
		{"bad value", "timestamp,value\n1397114100,1\n1397114400,1\n1397114700,x\n", nil, "line 4: value \"x\""},
		{"short row", "timestamp,x,value\n1397114100,1\n", nil, "line 2: 2 fields"},
		{"bad quoting", "timestamp,value\n\"1397114100,1\n", nil, "read csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.values) {
				t.Fatalf("%d samples, want %d", len(got), len(tc.values))
			}
			for i, s := range got {
				if s.V != tc.values[i] && !(math.IsNaN(s.V) && math.IsNaN(tc.values[i])) {
					t.Errorf("sample %d = %v, want %v", i, s.V, tc.values[i])
				}
			}
		})
	}
}

const twoSeries = `{"status":"success","data":{"resultType":"matrix","result":[
 {"metric":{"__name__":"up","job":"a"},"values":[[1700000000,"1"],[1700000060.5,"NaN"]]},
 {"metric":{"job":"b"},"values":[[1700000000,"+Inf"]]}]}}`

func TestReadQueryRange(t *testing.T) {
	got, err := ReadQueryRange(strings.NewReader(twoSeries))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name() != `up{job="a"}` || got[1].Name() != `{job="b"}` {
		t.Fatalf("series %+v", got)
	}
	s := got[0].Samples
	if len(s) != 2 || s[0].V != 1 || !math.IsNaN(s[1].V) || !s[1].T.Equal(time.Unix(1700000060, 5e8)) {
		t.Errorf("samples %+v", s)
	}
	if !math.IsInf(got[1].Samples[0].V, 1) {
		t.Errorf("+Inf read as %v", got[1].Samples[0].V)
	}
	for _, tc := range []struct{ name, in, err string }{
		{"not json", "timestamp,value", "read query_range"},
		{"error status", `{"status":"error","error":"bad query"}`, "bad query"},
		{"vector", `{"status":"success","data":{"resultType":"vector","result":[]}}`, "want matrix"},
		{"bad pair", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1]]}]}}`, "value 0: 1 elements"},
		{"number value", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}}`, "value 0: value"},
		{"bad value", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}`, "value \"x\""},
		{"string time", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[["1","2"]]}]}}`, "time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadQueryRange(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// series writes n 1-minute samples (value 10 + i%3) as CSV, one NaN at 5.
func series(n int) string {
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := range n {
		v := fmt.Sprint(10 + i%3)
		if i == 5 {
			v = "NaN"
		}
		fmt.Fprintf(&b, "%s,%s\n", t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), v)
	}
	return b.String()
}

// noSeason is the default detector without the seasonal baseline, at the data's step.
func noSeason() detector.Config {
	c := detector.DefaultConfig()
	c.Season, c.Step = 0, 0
	return c
}

func writeScores(t *testing.T, in string) string {
	t.Helper()
	series, multi, err := ReadAny(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteScores(&out, series, multi, noSeason()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestWriteScoresCSV(t *testing.T) {
	out := writeScores(t, series(48*60))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != Header || len(lines) != 48*60+1 {
		t.Fatalf("header %q, %d lines", lines[0], len(lines))
	}
	if !strings.HasSuffix(lines[1], ",,,,,") || !strings.HasSuffix(lines[6], "NaN,,,,,") {
		t.Errorf("cold start and NaN rows must have empty fields: %q, %q", lines[1], lines[6])
	}
	last := strings.Split(lines[len(lines)-1], ",")
	if len(last) != 7 || last[2] == "" {
		t.Errorf("last row not scored: %q", lines[len(lines)-1])
	}
}

func TestWriteScoresQueryRange(t *testing.T) {
	out := writeScores(t, "\n "+twoSeries)
	want := "series," + Header + "\n" +
		`"up{job=""a""}",2023-11-14T22:13:20Z,1,,,,,` + "\n" +
		`"up{job=""a""}",2023-11-14T22:14:20.5Z,NaN,,,,,` + "\n" +
		`"{job=""b""}",2023-11-14T22:13:20Z,+Inf,,,,,` + "\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if _, _, err := ReadAny(strings.NewReader(" \n\t")); err == nil {
		t.Error("empty input accepted")
	}
}

func TestRunMatchesDetector(t *testing.T) {
	samples, err := ReadCSV(strings.NewReader(series(30 * 60)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := detector.DefaultConfig()
	cfg.Season, cfg.Warmup, cfg.ExtremeBlock = 0, time.Hour, time.Hour
	rows, err := Run(cfg, samples)
	if err != nil {
		t.Fatal(err)
	}
	det, _ := detector.New(cfg)
	for i, s := range samples {
		res, err := det.ScoreUpdate(s.T, s.V)
		if (err == nil) != rows[i].Scored || (err == nil && res != rows[i].Result) {
			t.Fatalf("row %d: %+v, detector %+v %v", i, rows[i], res, err)
		}
	}
	if MedianStep(samples) != time.Minute || MedianStep(nil) != time.Minute {
		t.Error("median step")
	}
}
