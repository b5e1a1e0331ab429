package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/perfwatch/perfwatch/instrument"
	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// nativeJob is the job label of TestNativeHistograms's application.
const nativeJob = "e2e-native"

// promVersion is a Prometheus release, as `prometheus --version` prints it.
type promVersion struct{ major, minor int }

func (v promVersion) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

func (v promVersion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

var versionLine = regexp.MustCompile(`^prometheus, version (\d+)\.(\d+)\.`)

func prometheusVersion(bin string) (promVersion, error) {
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		return promVersion{}, fmt.Errorf("%s --version: %w\n%s", bin, err, out)
	}
	m := versionLine.FindStringSubmatch(string(out))
	if m == nil {
		return promVersion{}, fmt.Errorf("%s --version printed no version: %q", bin, out)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return promVersion{major, minor}, nil
}

// shippedClassicSetting reads how the shipped prometheus.yml keeps the classic
// histogram series of histograms also exposed as native ones: the key and its value,
// and whether it is global or in every scrape config.
func shippedClassicSetting(t *testing.T) (key string, keep, global bool) {
	t.Helper()
	data, err := os.ReadFile("../prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Global        map[string]any   `yaml:"global"`
		ScrapeConfigs []map[string]any `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	for _, k := range []string{"always_scrape_classic_histograms", "scrape_classic_histograms"} {
		if v, ok := cfg.Global[k].(bool); ok {
			return k, v, true
		}
		n := 0
		for _, sc := range cfg.ScrapeConfigs {
			if v, ok := sc[k].(bool); ok && v {
				n++
			}
		}
		if n > 0 {
			if n != len(cfg.ScrapeConfigs) {
				t.Fatalf("prometheus.yml sets %s in %d of its %d scrape configs", k, n, len(cfg.ScrapeConfigs))
			}
			return k, true, false
		}
	}
	t.Fatal("prometheus.yml keeps no classic histograms (always_scrape_classic_histograms): the rules read _bucket series, which go once Prometheus scrapes native histograms")
	return "", false, false
}

// nativeSetup is how TestNativeHistograms runs Prometheus: its flags, and the lines of
// its global section and of its scrape config.
type nativeSetup struct {
	flags         []string
	global, job   []string
	nativeScraped bool // Prometheus ingests the native histograms
}

// setupFor translates "native histograms on" and the shipped classic setting into the
// Prometheus version's spelling: scrape_native_histograms from 3.8 (the feature flag is
// a no-op there), --enable-feature=native-histograms before; always_scrape_classic_histograms
// on 3, scrape_classic_histograms per job on 2.45 to 2.55. Before 2.45 no setting keeps
// the classic series of a native histogram, so "as shipped" means without the flag
// (what `make demo` runs there) and Prometheus scrapes the classic series only.
func setupFor(v promVersion, native, classic, global bool) nativeSetup {
	var s nativeSetup
	switch {
	case !native:
	case v.atLeast(3, 8):
		s.global = append(s.global, "scrape_native_histograms: true")
		s.nativeScraped = true
	case v.atLeast(2, 40):
		s.flags = append(s.flags, "--enable-feature=native-histograms")
		s.nativeScraped = true
	}
	if !native || !classic {
		return s
	}
	switch {
	case v.major >= 3 && global:
		s.global = append(s.global, fmt.Sprintf("always_scrape_classic_histograms: %t", classic))
	case v.major >= 3:
		s.job = append(s.job, fmt.Sprintf("always_scrape_classic_histograms: %t", classic))
	case v.atLeast(2, 45):
		s.job = append(s.job, fmt.Sprintf("scrape_classic_histograms: %t", classic))
	default:
		s.flags, s.nativeScraped = nil, false
	}
	return s
}

// startNativePrometheus runs a Prometheus of the test's own on a free loopback port,
// scraping target every second as nativeJob and evaluating rules (file name → content).
func startNativePrometheus(ctx context.Context, t *testing.T, bin, dir, target string, s nativeSetup, rules map[string][]byte) v1.API {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range rules {
		if err := os.WriteFile(filepath.Join(dir, "rules", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	indent := func(lines []string, n int) string {
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(strings.Repeat(" ", n) + l + "\n")
		}
		return b.String()
	}
	cfg := "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n" + indent(s.global, 2) +
		"rule_files:\n  - rules/*.yml\n" +
		"scrape_configs:\n  - job_name: " + nativeJob + "\n" + indent(s.job, 4) +
		"    static_configs:\n      - targets: [" + strconv.Quote(target) + "]\n"
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, err := testaddr.Loopback()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--log.level=warn",
	}, s.flags...)
	p, err := start("prometheus", dir, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	p.ready(ctx, t, "http://"+addr+"/-/ready")
	client, err := api.NewClient(api.Config{Address: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: flags %v, config:\n%s", filepath.Base(dir), s.flags, cfg)
	return v1.NewAPI(client)
}

// httpRecordings lists the recording rules of the shipped perfwatch-http.rules.yml, and
// which of them read _bucket series (directly or through another recording rule).
func httpRecordings(t *testing.T, file []byte) (all []string, bucket map[string]bool) {
	t.Helper()
	var rf struct {
		Groups []struct {
			Rules []struct {
				Record string `yaml:"record"`
				Expr   string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(file, &rf); err != nil {
		t.Fatal(err)
	}
	bucket = map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Record == "" {
				continue
			}
			if _, seen := bucket[r.Record]; !seen {
				all = append(all, r.Record)
			}
			reads := strings.Contains(r.Expr, "_bucket")
			for rec, b := range bucket {
				reads = reads || b && strings.Contains(r.Expr, rec)
			}
			bucket[r.Record] = bucket[r.Record] || reads
		}
	}
	if len(all) == 0 {
		t.Fatal("perfwatch-http.rules.yml has no recording rules")
	}
	return all, bucket
}

func queryVector(ctx context.Context, a v1.API, expr string) (model.Vector, error) {
	v, _, _, err := a.Query(ctx, expr, time.Now())
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %s: a %s, not a vector", expr, v.Type())
	}
	return vec, nil
}

// TestNativeHistograms checks that perfwatch's HTTP rules still have data when an
// application exposes native histograms (instrument.WithNativeHistograms) and Prometheus
// scrapes them, given the shipped prometheus.yml's classic-histogram setting; and that
// without that setting the classic _bucket series, and every rule reading them, are
// gone, so the first case proves something. Each case is a Prometheus of its own on a
// free port, with the shipped HTTP rules in their test profile, scraping the same
// application while it serves a quarter of its requests with 500.
//
// The Prometheus is the e2e one (Debian's) or PERFWATCH_E2E_PROMETHEUS, e.g. a Prometheus
// 3 built with `go install github.com/prometheus/prometheus/cmd/prometheus@v0.3xx.0`
// and -ldflags "-X github.com/prometheus/common/version.Version=3.xx.0". Prometheus 2
// before 2.45 (Debian 12's 2.42) has no setting that keeps the classic series of a
// native histogram: there, as shipped means without native histogram ingestion, and
// the test says so in its log.
func TestNativeHistograms(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := env.promBin
	if b := os.Getenv("PERFWATCH_E2E_PROMETHEUS"); b != "" {
		bin = b
	}
	version, err := prometheusVersion(bin)
	if err != nil {
		t.Fatal(err)
	}
	key, keep, global := shippedClassicSetting(t)
	if !keep {
		t.Fatalf("prometheus.yml sets %s to false", key)
	}
	t.Logf("Prometheus %s (%s); prometheus.yml: %s: %t (global: %t)", version, bin, key, keep, global)

	rules := testProfileRules(t)
	httpRules := rules["perfwatch-http.rules.yml"]
	if httpRules == nil {
		t.Fatal("the generated rules have no perfwatch-http.rules.yml")
	}
	records, readsBucket := httpRecordings(t, httpRules)

	app := startTestApp(t, instrument.WithNativeHistograms(0))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // steady traffic, so that every rate has increases to see
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			app.sendQuiet(40, 10)
		}
	}()
	t.Cleanup(func() { close(stop); <-done })

	classicSel := fmt.Sprintf(`http_server_request_duration_seconds_bucket{job=%q}`, nativeJob)
	nativeQuery := fmt.Sprintf(`histogram_count(rate(http_server_request_duration_seconds{job=%q}[1m]))`, nativeJob)
	for _, tc := range []struct {
		name    string
		setup   nativeSetup
		classic bool // the _bucket series and the rules reading them have data
	}{
		{"shipped", setupFor(version, true, keep, global), true},
		{"without the classic setting", setupFor(version, true, false, global), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.setup.nativeScraped && tc.classic {
				t.Logf("Prometheus %s cannot keep the classic series of a native histogram (scrape_classic_histograms came in 2.45): as shipped here, it does not ingest native histograms; run with PERFWATCH_E2E_PROMETHEUS set to a newer Prometheus to test both at once", version)
			}
			if !tc.setup.nativeScraped && !tc.classic {
				t.Fatalf("Prometheus %s scrapes no native histograms at all", version)
			}
			dir := filepath.Join(env.dir, "native-histograms", strings.ReplaceAll(tc.name, " ", "-"))
			a := startNativePrometheus(ctx, t, bin, dir, app.metricsAddr, tc.setup, map[string][]byte{"perfwatch-http.rules.yml": httpRules})

			// Wait for the native histogram (or, without native ingestion, the classic
			// count) to have a rate: then every rule has had samples to evaluate.
			ready := nativeQuery
			if !tc.setup.nativeScraped {
				ready = fmt.Sprintf(`rate(http_server_request_duration_seconds_count{job=%q}[1m])`, nativeJob)
			}
			var last error
			if !eventually(time.Minute, func() bool {
				v, err := queryVector(ctx, a, ready+" > 0")
				last = err
				return err == nil && len(v) > 0
			}) {
				t.Fatalf("no data for %s within a minute (last error %v)", ready, last)
			}
			time.Sleep(3 * time.Second) // a few rule evaluations after the first rate

			if tc.setup.nativeScraped {
				v, err := queryVector(ctx, a, nativeQuery)
				if err != nil || len(v) == 0 {
					t.Errorf("native histograms are not ingested: %s = %v (err %v)", nativeQuery, v, err)
				}
			}
			buckets, err := queryVector(ctx, a, "count("+classicSel+")")
			if err != nil {
				t.Fatal(err)
			}
			if got := len(buckets) > 0; got != tc.classic {
				t.Errorf("%s: has series %t, want %t", classicSel, got, tc.classic)
			}
			for _, rec := range records {
				v, err := queryVector(ctx, a, fmt.Sprintf("%s{job=%q}", rec, nativeJob))
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tc.classic && len(v) == 0:
					t.Errorf("recording rule %s has no data", rec)
				case !tc.classic && readsBucket[rec] && len(v) > 0:
					t.Errorf("recording rule %s reads _bucket series but has data without them: %v", rec, v)
				}
			}
			if !tc.classic {
				return
			}
			// The values are right, not only present: a quarter of the requests fail,
			// none is slow, and the median is far below the slow threshold.
			for _, c := range []struct {
				metric, matchers string
				ok               func(float64) bool
			}{
				{"job:http_server_request_error_ratio:rate5m", "", func(f float64) bool { return math.Abs(f-0.25) < 0.05 }},
				{"job_http_route:http_server_request_slow_ratio:rate5m", "", func(f float64) bool { return f == 0 }},
				{"job_http_route_quantile:http_server_request_duration_seconds:histogram_quantile", `, quantile="0.5"`, func(f float64) bool { return f > 0 && f < 1 }},
			} {
				expr := fmt.Sprintf("%s{job=%q%s}", c.metric, nativeJob, c.matchers)
				v, err := queryVector(ctx, a, expr)
				if err != nil || len(v) != 1 || !c.ok(float64(v[0].Value)) {
					t.Errorf("%s = %v (err %v)", expr, v, err)
				}
			}
		})
	}
}

// sendQuiet makes n requests to the test application's route, the first failures of
// which fail, ignoring the outcome: it runs beside the test, which checks the metrics.
func (a *testApp) sendQuiet(n, failures int) {
	for i := range n {
		url := fmt.Sprintf("%s/api/items/%d", a.base, i%50)
		if i < failures {
			url += "?fail=1"
		}
		if resp, err := a.client.Get(url); err == nil {
			resp.Body.Close()
		}
	}
}
