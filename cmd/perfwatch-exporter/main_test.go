package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/internal/testaddr"
)

func successes(t *testing.T, url string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	mf := scrape(t, url)["node_scrape_collector_success"]
	for _, m := range mf.GetMetric() {
		out[labelValue(m, "collector")] = m.GetGauge().GetValue()
	}
	return out
}

func TestCollectorFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"defaults", nil, []string{"arp", "bonding", "conntrack", "cpu", "cpufreq", "diskstats", "entropy", "filefd", "filesystem", "hwmon", "kernel_hung", "loadavg", "mdadm", "meminfo", "netclass", "netdev", "netstat", "os", "powersupplyclass", "pressure", "process", "schedstat", "selinux", "sockstat", "softnet", "stat", "textfile", "thermal_zone", "time", "timex", "udp_queues", "uname", "vmstat"}},
		{"no-collector", []string{"--no-collector.cpu", "--no-collector.process", "--no-collector.uname"}, []string{"arp", "bonding", "conntrack", "cpufreq", "diskstats", "entropy", "filefd", "filesystem", "hwmon", "kernel_hung", "loadavg", "mdadm", "meminfo", "netclass", "netdev", "netstat", "os", "powersupplyclass", "pressure", "schedstat", "selinux", "sockstat", "softnet", "stat", "textfile", "thermal_zone", "time", "timex", "udp_queues", "vmstat"}},
		{"disable-defaults", []string{"--collector.disable-defaults", "--collector.loadavg"}, []string{"loadavg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, "", tc.args...)
			got := successes(t, p.url+"/metrics")
			if len(got) != len(tc.want) {
				t.Fatalf("collectors %v, want %v", got, tc.want)
			}
			for _, c := range tc.want {
				if got[c] != 1 {
					t.Errorf("collector %s: success %v (present %v)", c, got[c], got != nil)
				}
			}
		})
	}
}

func TestTelemetryPathLandingPageAndSIGTERM(t *testing.T) {
	p := start(t, "", "--web.telemetry-path=/host-metrics", "--web.disable-exporter-metrics")
	mfs := scrape(t, p.url+"/host-metrics")
	if mfs["node_load1"] == nil || mfs["perfwatch_exporter_build_info"] == nil {
		t.Fatal("host metrics missing at the telemetry path")
	}
	if mfs["go_goroutines"] != nil {
		t.Error("go_* metrics present despite --web.disable-exporter-metrics")
	}
	resp, err := http.Get(p.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("landing page: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if err := sigterm(t, p); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", p.stderr)
	}
}

func TestExporterMetricsByDefault(t *testing.T) {
	p := start(t, "")
	mfs := scrape(t, p.url+"/metrics")
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "node_cpu_seconds_total"} {
		if mfs[name] == nil {
			t.Errorf("%s missing", name)
		}
	}
}

func TestWebConfigBasicAuth(t *testing.T) {
	p := start(t, "", "--web.config.file=testdata/web-config.yml")
	for _, tc := range []struct {
		user, pass string
		want       int
	}{
		{"", "", http.StatusUnauthorized},
		{"prometheus", "wrong", http.StatusUnauthorized},
		{"prometheus", "scrape-secret", http.StatusOK},
	} {
		req, _ := http.NewRequest("GET", p.url+"/metrics", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("user %q pass %q: status %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.want)
		}
	}
}

func TestStartupErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad regexp", []string{"--collector.netdev.device-exclude=("}, "--collector.netdev.device-exclude"},
		{"bad diskstats regexp", []string{"--collector.diskstats.device-include=["}, "--collector.diskstats.device-include"},
		{"bad vmstat regexp", []string{"--collector.vmstat.fields=(?"}, "--collector.vmstat.fields"},
		{"bad netclass regexp", []string{"--collector.netclass.ignored-devices=("}, "--collector.netclass.ignored-devices"},
		{"bad config", []string{"--config.file=testdata/bad-config.yml"}, "testdata/bad-config.yml: line 4: field pidfile not found"},
		{"missing config", []string{"--config.file=testdata/nope.yml"}, "testdata/nope.yml"},
		{"unknown flag", []string{"--collector.nosuch"}, "unknown long flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr, err := runToExit(t, append([]string{"--web.listen-address=" + testaddr.Must(t)}, tc.args...)...)
			if err == nil {
				t.Fatal("exporter started despite the error")
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
		})
	}
}
