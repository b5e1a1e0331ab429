// Command rum-load is a bounded load generator for the browser beacon ingest: it posts
// a typical beacon (10 events: 5 vitals, 2 API calls, navigation, resource, measure)
// to <url> at a target rate for a fixed duration from a pool of keep-alive
// connections, spreading the beacons over -clients addresses in X-Forwarded-For (the
// ingest must trust the generator's address as a proxy, or it rate-limits one client),
// and reports the achieved rate, the answers, latency quantiles and — with -pid — the
// CPU the ingest's process used.
//
//	taskset -c 0 perfwatch-collector --config.file=load.yml &
//	taskset -c 1 go run ./bench/rum-load -url http://127.0.0.1:9115/rum/v1/beacon -rate 10000 -duration 20s -pid $!
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const beacon = `{"v":1,"page":"/app/items/{id}","nav":"navigate","events":[` +
	`{"t":"nav","dns":1.2,"connect":3.4,"tls":2.1,"ttfb":80.5,"dom_interactive":310.2,"load":620.9},` +
	`{"t":"vital","name":"LCP","value":1234.5},{"t":"vital","name":"INP","value":180},` +
	`{"t":"vital","name":"CLS","value":0.04},{"t":"vital","name":"FCP","value":900.1},` +
	`{"t":"vital","name":"TTFB","value":80.5},` +
	`{"t":"api","method":"GET","route":"/api/items/{id}","status":200,"duration":123.4},` +
	`{"t":"api","method":"GET","route":"/api/users/{id}/vault","status":200,"duration":45.6},` +
	`{"t":"resource","initiator":"script","count":5,"bytes":123456,"duration":234.5},` +
	`{"t":"measure","name":"ItemList","duration":12.3}]}`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rum-load:", err)
		os.Exit(1)
	}
}

func run() error {
	url := flag.String("url", "http://127.0.0.1:9115/rum/v1/beacon", "beacon endpoint")
	rate := flag.Float64("rate", 10000, "target beacons a second; 0 for as fast as the connections go")
	duration := flag.Duration("duration", 10*time.Second, "length of the run (bounded: at most 5m)")
	conns := flag.Int("conns", 64, "concurrent keep-alive connections")
	clients := flag.Int("clients", 50000, "distinct client addresses sent in X-Forwarded-For; 0 sends none")
	origin := flag.String("origin", "http://localhost:8080", "Origin header; empty sends none")
	pid := flag.Int("pid", 0, "process id of the ingest, to report its CPU use")
	flag.Parse()
	if *duration <= 0 || *duration > 5*time.Minute {
		return fmt.Errorf("-duration %v: want up to 5m", *duration)
	}
	if *conns < 1 || *conns > 4096 {
		return fmt.Errorf("-conns %d: want 1 to 4096", *conns)
	}

	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	body := []byte(beacon)

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	// Tokens: one per beacon at the target rate, in ticks of a millisecond.
	tokens := make(chan struct{}, *conns*4)
	if *rate > 0 {
		go func() {
			defer close(tokens)
			start := time.Now()
			sent := 0.0
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-t.C:
					due := now.Sub(start).Seconds() * *rate
					for ; sent < due; sent++ {
						select {
						case tokens <- struct{}{}: // blocks while the workers are behind: the achieved rate shows it
						case <-ctx.Done():
							return
						}
					}
				}
			}
		}()
	}

	cpu0, _ := cpuSeconds(*pid)
	var (
		next      atomic.Uint64
		mu        sync.Mutex
		statuses  = map[int]int{}
		latencies []time.Duration
		errs      atomic.Uint64
	)
	start := time.Now()
	var wg sync.WaitGroup
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := map[int]int{}
			var lat []time.Duration
			for ctx.Err() == nil {
				if *rate > 0 {
					if _, ok := <-tokens; !ok {
						break
					}
				}
				n := next.Add(1)
				req, _ := http.NewRequest("POST", *url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
				if *origin != "" {
					req.Header.Set("Origin", *origin)
				}
				if *clients > 0 {
					c := n % uint64(*clients)
					req.Header.Set("X-Forwarded-For", "10."+strconv.Itoa(int(c>>16&255))+"."+strconv.Itoa(int(c>>8&255))+"."+strconv.Itoa(int(c&255)))
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				local[resp.StatusCode]++
			}
			mu.Lock()
			for k, v := range local {
				statuses[k] += v
			}
			latencies = append(latencies, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, cpuErr := cpuSeconds(*pid)

	total := 0
	var parts []string
	for k, v := range statuses {
		total += v
		parts = append(parts, fmt.Sprintf("%d: %d", k, v))
	}
	slices.Sort(parts)
	slices.Sort(latencies)
	q := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(p*float64(len(latencies)-1))]
	}
	fmt.Printf("beacons: %d in %.2fs = %.0f/s (target %.0f/s, %d connections, %d client addresses)\n",
		total, elapsed.Seconds(), float64(total)/elapsed.Seconds(), *rate, *conns, *clients)
	fmt.Printf("answers: %s; transport errors: %d\n", strings.Join(parts, ", "), errs.Load())
	fmt.Printf("latency: p50 %v, p90 %v, p99 %v, max %v\n", q(0.5), q(0.9), q(0.99), q(1))
	if *pid > 0 && cpuErr == nil {
		used := cpu1 - cpu0
		fmt.Printf("ingest process %d: %.2f CPU seconds = %.0f%% of one core; %.1f µs of CPU per beacon\n",
			*pid, used, 100*used/elapsed.Seconds(), 1e6*used/float64(max(total, 1)))
	}
	return nil
}

// cpuSeconds reads a process's user and system CPU time from /proc/<pid>/stat.
func cpuSeconds(pid int) (float64, error) {
	if pid <= 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu of %d: %w", pid, err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after the command's name
	if len(fields) < 13 {
		return 0, fmt.Errorf("cpu of %d: short stat", pid)
	}
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100, nil // clock ticks: USER_HZ is 100 on Linux
}
