package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/detector"
	"github.com/perfwatch/perfwatch/anomaly/sidecar"
)

// writeSeries writes a CSV of a daily cycle at 5-minute steps over days, with a spike
// at the given row.
func writeSeries(t *testing.T, path string, days, spike int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	n := days * 288
	for i := range n {
		ts := start.Add(time.Duration(i) * 5 * time.Minute)
		v := 100 + 30*math.Sin(2*math.Pi*float64(i%288)/288) + float64(i%7)
		if i == spike {
			v = 1000
		}
		fmt.Fprintf(&b, "%s,%g\n", ts.Format("2006-01-02 15:04:05"), v)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	err = run(context.Background(), args, out, io.Discard)
	data, rerr := os.ReadFile(out.Name())
	if rerr != nil {
		t.Fatal(rerr)
	}
	return string(data), err
}

func TestBacktestCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	days := 10
	spike := 9*288 + 100
	writeSeries(t, in, days, spike)
	cfg := filepath.Join(dir, "a.yml")
	if err := os.WriteFile(cfg, []byte("model: {season: 1d, min_history: 1d, warmup: 2h}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "--config.file="+cfg, "backtest", "--input="+in, "--step=5m")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != days*288+1 || strings.Join(rows[0], ",") != "timestamp,value,yhat,yhat_lower,yhat_upper,anomaly_score,probability" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if rows[1][5] != "" {
		t.Errorf("first row scored (%v): a cold start must leave the model's columns empty", rows[1])
	}
	score, err := strconv.ParseFloat(rows[spike+1][5], 64)
	if err != nil || score <= 1 {
		t.Errorf("spike row %v: score %v, %v; want above 1", rows[spike+1], score, err)
	}
}

func TestBacktestQueryRange(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "range.json")
	var vals []string
	for i := range 120 {
		vals = append(vals, fmt.Sprintf(`[%d,"%d"]`, 1767571200+60*i, 10+i%3))
	}
	body := `{"status":"success","data":{"resultType":"matrix","result":[` +
		`{"metric":{"__name__":"up","job":"a"},"values":[` + strings.Join(vals, ",") + `]},` +
		`{"metric":{"__name__":"up","job":"b"},"values":[` + strings.Join(vals, ",") + `]}]}}`
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(dir, "scores.csv")
	if _, err := runCmd(t, "backtest", "--input="+in, "--output="+outFile); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 241 || rows[0][0] != "series" || rows[1][0] != `up{job="a"}` || rows[240][0] != `up{job="b"}` {
		t.Errorf("%d rows; first %v, last %v", len(rows), rows[1], rows[len(rows)-1])
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("timestamp,value\n2026-01-01 00:00:00,1\nnot a time,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(badCfg, []byte("schedule: {stepp: 1m}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"bad csv row", []string{"backtest", "--input=" + bad}, "line 3"},
		{"missing input", []string{"backtest", "--input=" + filepath.Join(dir, "none.csv")}, "none.csv"},
		{"unknown query", []string{"backtest", "--input=" + bad, "--query=nope"}, `no query "nope"`},
		{"bad config", []string{"--config.file=" + badCfg, "backtest", "--input=" + bad}, "stepp"},
		{"bad shard", []string{"serve", "--shard=3/2"}, "shard"},
		{"unknown flag", []string{"--nope"}, "nope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestShippedConfig checks the configuration make demo and docker compose use: it
// decodes, and each query's detector, fed a series at the configured step, scores
// within minutes of its first sample.
func TestShippedConfig(t *testing.T) {
	cfg, err := config.Load("../../perfwatch-anomaly.yml")
	if err != nil {
		t.Fatal(err)
	}
	step := time.Duration(cfg.Schedule.Step)
	for _, q := range cfg.Queries {
		dc, err := sidecar.DetectorConfig(q.Model, step)
		if err != nil {
			t.Fatal(err)
		}
		det, err := detector.New(dc)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		first := time.Duration(-1)
		for i := 0; first < 0 && i < int(time.Hour/step); i++ {
			ts := t0.Add(time.Duration(i) * step)
			if _, err := det.ScoreUpdate(ts, 10+math.Sin(float64(i)/7)); err == nil {
				first = ts.Sub(t0)
			}
		}
		t.Logf("%s: first score after %v", q.Name, first)
		if first < 0 || first > 8*time.Minute {
			t.Errorf("query %s first scores after %v (-1: not within an hour); the demo must show scores within minutes", q.Name, first)
		}
	}
}
