package exporter

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTextfileCollector(t *testing.T) {
	const dir = "testdata/textfile"
	mtime := func(t *testing.T, path string) float64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return float64(st.ModTime().Unix())
	}
	for _, tc := range []struct {
		name    string
		dir     string
		dirs    []string           // instead of dir: several directories or globs
		want    map[string]float64 // every series, besides the mtimes
		mtimes  []string           // files whose mtime is exported, under dir (or testdata/textfile with dirs)
		wantLog string
		// wantText are lines the exposition must contain.
		wantText []string
	}{
		{
			name: "good file", dir: dir + "/good", mtimes: []string{"app.prom"},
			want: map[string]float64{
				`app_jobs_total{queue="fast",shard=""}`:  12,
				`app_jobs_total{queue="slow",shard="2"}`: 3,
				"app_temperature_celsius":                21.5,
				"app_untyped_thing":                      7,
				"node_textfile_scrape_error":             0,
			},
			wantText: []string{
				"# TYPE app_jobs_total counter", "# HELP app_jobs_total Jobs processed.",
				"# TYPE app_untyped_thing untyped",
				"# HELP app_temperature_celsius Metric read from testdata/textfile/good/app.prom",
			},
		},
		{
			name: "two files merge", dir: dir + "/merge", mtimes: []string{"a.prom", "b.prom"},
			want: map[string]float64{
				`backup_last_success_seconds{job="db"}`:    1700000000,
				`backup_last_success_seconds{job="files"}`: 1700000100,
				"node_textfile_scrape_error":               0,
			},
		},
		{
			name: "bad syntax skips the file", dir: dir + "/badsyntax", mtimes: []string{"good.prom"}, wantLog: "failed to parse textfile data",
			want: map[string]float64{`backup_last_success_seconds{job="db"}`: 1700000000, "node_textfile_scrape_error": 1},
		},
		{
			name: "timestamps skip the file", dir: dir + "/timestamp", mtimes: []string{"good.prom"}, wantLog: "unsupported client-side timestamps",
			want: map[string]float64{`backup_last_success_seconds{job="db"}`: 1700000000, "node_textfile_scrape_error": 1},
		},
		{
			name: "inconsistent help and type drop the later family", dir: dir + "/inconsistent",
			mtimes: []string{"a.prom", "b.prom", "c.prom"}, wantLog: "inconsistent metric help text or type",
			want: map[string]float64{
				`backup_last_success_seconds{job="db"}`: 1700000000,
				"other_metric":                          1,
				"node_textfile_scrape_error":            1,
			},
		},
		{
			// The +Inf bucket is the count, whether the file has one or not.
			name: "histograms and summaries", dir: dir + "/histogram", mtimes: []string{"h.prom"},
			want: map[string]float64{
				`req_seconds_bucket{le="0.25",route="/a"}`: 1,
				`req_seconds_bucket{le="1",route="/a"}`:    3,
				`req_seconds_bucket{le="+Inf",route="/a"}`: 4,
				`req_seconds_sum{route="/a"}`:              3.5,
				`req_seconds_count{route="/a"}`:            4,
				`req_seconds_bucket{le="1",route="/b"}`:    0,
				`req_seconds_bucket{le="+Inf",route="/b"}`: 2,
				`req_seconds_sum{route="/b"}`:              0,
				`req_seconds_count{route="/b"}`:            2,
				`rpc_seconds{quantile="0.5"}`:              0.05,
				`rpc_seconds{quantile="0.99"}`:             0.4,
				"rpc_seconds_sum":                          12,
				"rpc_seconds_count":                        100,
				"plain_metric":                             4,
				"node_textfile_scrape_error":               0,
			},
			wantText: []string{
				"# HELP req_seconds Request latency.", "# TYPE req_seconds histogram", "# TYPE rpc_seconds summary",
				`req_seconds_bucket{route="/a",le="0.25"} 1`, `req_seconds_bucket{route="/b",le="+Inf"} 2`,
			},
		},
		{name: "empty dir", dir: dir + "/empty", want: map[string]float64{"node_textfile_scrape_error": 0}},
		{name: "missing dir", dir: dir + "/missing", wantLog: "failed to read textfile collector directory",
			want: map[string]float64{"node_textfile_scrape_error": 1}},
		{name: "no directory configured", dir: "", want: map[string]float64{"node_textfile_scrape_error": 0}},
		{
			// Families merge across directories as across files.
			name: "two directories", dirs: []string{dir + "/good", dir + "/merge"},
			mtimes: []string{"good/app.prom", "merge/a.prom", "merge/b.prom"},
			want: map[string]float64{
				`app_jobs_total{queue="fast",shard=""}`:    12,
				`app_jobs_total{queue="slow",shard="2"}`:   3,
				"app_temperature_celsius":                  21.5,
				"app_untyped_thing":                        7,
				`backup_last_success_seconds{job="db"}`:    1700000000,
				`backup_last_success_seconds{job="files"}`: 1700000100,
				"node_textfile_scrape_error":               0,
			},
		},
		{
			// A glob names directories; one that matches nothing is read as a
			// directory, so it is reported missing rather than ignored.
			name: "globs", dirs: []string{dir + "/m*", dir + "/nothing-*"}, wantLog: "failed to read textfile collector directory",
			mtimes: []string{"merge/a.prom", "merge/b.prom"},
			want: map[string]float64{
				`backup_last_success_seconds{job="db"}`:    1700000000,
				`backup_last_success_seconds{job="files"}`: 1700000100,
				"node_textfile_scrape_error":               1,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := fixtureConfig(fixtureProc)
			base := tc.dir
			cfg.Textfile.Directories = []string{tc.dir}
			if tc.dirs != nil {
				cfg.Textfile.Directories, base = tc.dirs, dir
			}
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			c := mustNew(t, newTextfileCollector, cfg)
			var b Batch
			if err := c.Update(context.Background(), &b); err != nil {
				t.Fatalf("Update: %v", err)
			}
			want := map[string]float64{}
			for k, v := range tc.want {
				want[k] = v
			}
			for _, f := range tc.mtimes {
				p := filepath.Join(base, f)
				want[fmt.Sprintf(`node_textfile_mtime_seconds{file="%s"}`, p)] = mtime(t, p)
			}
			got := samples(&b)
			wantSamples(t, got, want)
			if tc.wantLog == "" && logs.Len() > 0 {
				t.Errorf("unexpected log: %s", logs.String())
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log %q does not contain %q", logs.String(), tc.wantLog)
			}
			text := b.AppendText(nil)
			parseText(t, text)
			for _, l := range tc.wantText {
				if !bytes.Contains(text, []byte(l+"\n")) {
					t.Errorf("exposition lacks %q:\n%s", l, text)
				}
			}
		})
	}
}
