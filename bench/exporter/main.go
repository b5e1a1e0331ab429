// Command exporter-compare measures CPU time per scrape, scrape latency and
// resident memory of perfwatch-exporter and node_exporter builds on this
// machine. Exporters run side by side with the same collector set (or, with
// -defaults, each with its own default set) and are
// scraped in alternating order, round after round, so that noise from other
// work on the machine spreads over all of them; medians over rounds are
// reported.
//
//	go run ./bench/exporter -exporter perfwatch=/tmp/perfwatch-exporter \
//	    -exporter node_exporter-1.12.1=$HOME/go/bin/node_exporter
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// collectorArgs is the collector set both exporters understand.
var collectorArgs = []string{
	"--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
	"--collector.filesystem", "--collector.loadavg", "--collector.netdev",
}

type exporterFlag []string

func (e *exporterFlag) String() string     { return strings.Join(*e, ",") }
func (e *exporterFlag) Set(v string) error { *e = append(*e, v); return nil }

type target struct {
	name, bin         string
	cmd               *exec.Cmd
	url               string
	cpuPerScrape, p50 []float64 // one entry per round
	mem               memory    // after the last round
}

func main() {
	var exporters exporterFlag
	flag.Var(&exporters, "exporter", "name=path of an exporter binary (repeatable)")
	scrapes := flag.Int("scrapes", 2000, "scrapes per exporter per round")
	rounds := flag.Int("rounds", 6, "rounds")
	gzip := flag.Bool("gzip", false, "request gzip, as Prometheus does")
	defaults := flag.Bool("defaults", false, "run every exporter with its own default collectors instead of the common set")
	flag.Parse()
	args := collectorArgs
	if *defaults {
		args = nil
	}
	if err := run(exporters, args, *scrapes, *rounds, *gzip); err != nil {
		fmt.Fprintln(os.Stderr, "exporter-compare:", err)
		os.Exit(1)
	}
}

func run(exporters, args []string, scrapes, rounds int, gzip bool) error {
	if len(exporters) == 0 {
		return fmt.Errorf("no -exporter given")
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			_ = t.cmd.Process.Kill()
			_ = t.cmd.Wait()
		}
	}()
	for _, e := range exporters {
		name, bin, ok := strings.Cut(e, "=")
		if !ok {
			return fmt.Errorf("-exporter %q: want name=path", e)
		}
		t, err := startExporter(name, bin, args)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}}
	for _, t := range targets { // warm up: caches, buffers, connections
		if _, err := scrapeN(client, t.url, 50, gzip); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	for r := 0; r < rounds; r++ {
		for i := range targets {
			t := targets[(i+r)%len(targets)] // rotate the order every round
			before, err := cpuTicks(t.cmd.Process.Pid)
			if err != nil {
				return err
			}
			lat, err := scrapeN(client, t.url, scrapes, gzip)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			after, err := cpuTicks(t.cmd.Process.Pid)
			if err != nil {
				return err
			}
			if t.mem, err = readMemory(t.cmd.Process.Pid); err != nil {
				return err
			}
			t.cpuPerScrape = append(t.cpuPerScrape, float64(after-before)*10/float64(scrapes)) // ms; USER_HZ=100
			t.p50 = append(t.p50, median(lat))
		}
	}
	mode := "identity"
	if gzip {
		mode = "gzip"
	}
	fmt.Printf("%d rounds × %d scrapes per exporter, alternating; response encoding %s; medians over rounds\n\n", rounds, scrapes, mode)
	fmt.Println("| exporter | CPU ms/scrape (median) | CPU ms/scrape (min–max) | p50 latency ms | VmRSS MiB | of which RssAnon | of which RssFile |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	for _, t := range targets {
		fmt.Printf("| %s | %.3f | %.3f–%.3f | %.3f | %.1f | %.1f | %.1f |\n", t.name, median(t.cpuPerScrape),
			slices.Min(t.cpuPerScrape), slices.Max(t.cpuPerScrape), median(t.p50),
			float64(t.mem.rss)/1024, float64(t.mem.anon)/1024, float64(t.mem.file)/1024)
	}
	if len(targets) > 1 {
		fmt.Println()
		base := median(targets[0].cpuPerScrape)
		for _, t := range targets[1:] {
			fmt.Printf("%s uses %.1f× the CPU per scrape of %s\n", t.name, median(t.cpuPerScrape)/base, targets[0].name)
		}
	}
	return nil
}

func startExporter(name, bin string, args []string) (*target, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, append([]string{"--web.listen-address=" + addr}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	t := &target{name: name, bin: bin, cmd: cmd, url: "http://" + addr + "/metrics"}
	for i := 0; i < 500; i++ {
		if resp, err := http.Get(t.url); err == nil {
			resp.Body.Close()
			return t, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, fmt.Errorf("%s did not start:\n%s", bin, stderr.String())
}

// scrapeN scrapes sequentially over one keep-alive connection, like
// Prometheus, and returns each scrape's latency in milliseconds.
func scrapeN(c *http.Client, url string, n int, gzip bool) ([]float64, error) {
	lat := make([]float64, 0, n)
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	for i := 0; i < n; i++ {
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %s", resp.Status)
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
	}
	return lat, nil
}

// cpuTicks returns utime+stime of pid (all its threads) in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read stat of %d: %w", pid, err)
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	// Fields after the command name start at field 3 (state); utime and
	// stime are fields 14 and 15.
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse stat of %d: %q", pid, b)
	}
	return ut + st, nil
}

// memory is a process's resident memory in KiB: VmRSS, and its anonymous
// (private heap, stacks) and file-backed (the mapped binary) parts.
type memory struct{ rss, anon, file uint64 }

func readMemory(pid int) (memory, error) {
	var m memory
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, fmt.Errorf("read status of %d: %w", pid, err)
	}
	fields := map[string]*uint64{"VmRSS:": &m.rss, "RssAnon:": &m.anon, "RssFile:": &m.file}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && fields[f[0]] != nil {
			if *fields[f[0]], err = strconv.ParseUint(f[1], 10, 64); err != nil {
				return m, fmt.Errorf("status of %d: %q", pid, line)
			}
		}
	}
	if m.rss == 0 {
		return m, fmt.Errorf("no VmRSS for %d", pid)
	}
	return m, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
