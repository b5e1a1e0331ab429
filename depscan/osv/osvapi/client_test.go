package osvapi

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/lockfile"
	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/osv/osvtest"
)

// fast is a client for the test server: short backoffs so retries take
// milliseconds.
func fast(s *osvtest.Server) *Client {
	return &Client{BaseURL: s.URL, HTTP: s.Client(), Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Timeout: 5 * time.Second}
}

// testdataEntries reads depscan/osv's test database, which has a broken and an
// id-less entry on purpose.
func testdataEntries(t *testing.T) []*osv.Vulnerability {
	t.Helper()
	entries, err := osvtest.ReadDir("../testdata/db")
	if err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Fatalf("ReadDir(../testdata/db) = %v, want an error naming broken.json", err)
	}
	if len(entries) < 10 {
		t.Fatalf("%d entries", len(entries))
	}
	return entries
}

// probePackages returns, for every package the entries name, a version at each
// event and listed version and a few around them, so that online and offline
// matching are compared on both sides of every boundary.
func probePackages(entries []*osv.Vulnerability) []depscan.Package {
	seen := make(map[depscan.Package]bool)
	var out []depscan.Package
	add := func(eco, name, v string) {
		if v == "" || v == "0" {
			v = "0.0.1"
		}
		if eco == string(depscan.Go) && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		p := depscan.Package{Ecosystem: depscan.Ecosystem(eco), Name: name, Version: v}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, e := range entries {
		for _, a := range e.Affected {
			eco, name := a.Package.Ecosystem, a.Package.Name
			for _, v := range a.Versions {
				add(eco, name, v)
			}
			for _, r := range a.Ranges {
				for _, ev := range r.Events {
					for _, v := range []string{ev.Introduced, ev.Fixed, ev.LastAffected} {
						add(eco, name, v)
					}
				}
			}
			add(eco, name, "0.0.1")
			add(eco, name, "999.0.0")
		}
	}
	return out
}

// compare checks that the online database finds for every package exactly what
// the offline one does, and returns the number of findings.
func compare(t *testing.T, offline, online *osv.DB, pkgs []depscan.Package) int {
	t.Helper()
	n := 0
	for _, p := range pkgs {
		want, got := offline.Match(p), online.Match(p)
		n += len(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s@%s: online %+v\noffline %+v", p.Ecosystem, p.Name, p.Version, got, want)
		}
	}
	return n
}

func TestOnlineEqualsOffline(t *testing.T) {
	ctx := context.Background()
	entries := testdataEntries(t)
	offline, err := osv.LoadDir(ctx, "../testdata/db")
	if err != nil {
		t.Fatal(err)
	}
	s := osvtest.New(entries)
	defer s.Close()
	pkgs := probePackages(entries)
	online, err := fast(s).Query(ctx, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	if n := compare(t, offline, online, pkgs); n < 10 {
		t.Errorf("only %d findings over %d packages: the comparison proves little", n, len(pkgs))
	}
	if got := s.Requests("querybatch"); got != 1 {
		t.Errorf("%d querybatch requests for %d packages, want 1", got, len(pkgs))
	}
}

const vulndb = "/root/go/pkg/mod/golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018/data/osv"

// goCorpus returns the Go vulnerability database's entries and the offline DB of
// them: the whole of x/vulndb's data where the module cache has it, else the
// committed subset of it that affects testdata/prometheus-v2.35.0 (made from the
// same x/vulndb version).
func goCorpus(t *testing.T) ([]*osv.Vulnerability, *osv.DB, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := os.Stat(vulndb); err == nil {
		entries, err := osvtest.ReadDir(vulndb)
		if err != nil {
			t.Fatal(err)
		}
		db, err := osv.LoadDir(ctx, vulndb)
		if err != nil {
			t.Fatal(err)
		}
		return entries, db, "x/vulndb"
	}
	const subset = "testdata/prometheus-v2.35.0-vulndb.zip"
	zr, err := zip.OpenReader(subset)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var entries []*osv.Vulnerability
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		v := new(osv.Vulnerability)
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		entries = append(entries, v)
	}
	db, err := osv.LoadZip(subset)
	if err != nil {
		t.Fatal(err)
	}
	return entries, db, subset
}

// TestOnlineEqualsOfflineGoVulnDB scans a real project's go.mod (Prometheus
// v2.35.0, go 1.16: old enough to have many advisories) against the real Go
// vulnerability database both ways.
func TestOnlineEqualsOfflineGoVulnDB(t *testing.T) {
	ctx := context.Background()
	entries, offline, source := goCorpus(t)
	projects, errs := lockfile.Walk(ctx, "testdata/prometheus-v2.35.0")
	if len(errs) > 0 || len(projects) != 1 {
		t.Fatalf("Walk: %v %v", projects, errs)
	}
	pkgs := projects[0].Packages
	s := osvtest.New(entries)
	defer s.Close()
	online, err := fast(s).Query(ctx, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	n := compare(t, offline, online, pkgs)
	if n < 200 {
		t.Errorf("%d findings, want the 242 x/vulndb has for this go.mod", n)
	}
	t.Logf("%s: %d entries; %d packages, %d findings; %d querybatch and %d vulns requests",
		source, len(entries), len(pkgs), n, s.Requests("querybatch"), s.Requests("vulns"))
	if s.Requests("querybatch") != 1 || s.Requests("vulns") != online.Len() {
		t.Errorf("%d querybatch and %d vulns requests for %d entries", s.Requests("querybatch"), s.Requests("vulns"), online.Len())
	}
}

// TestPagination pages a package with several advisories one vuln at a time.
func TestPagination(t *testing.T) {
	ctx := context.Background()
	entries, offline, _ := goCorpus(t)
	pkgs := []depscan.Package{
		{Ecosystem: depscan.Go, Name: "stdlib", Version: "v1.16.0"},
		{Ecosystem: depscan.Go, Name: "golang.org/x/net", Version: "v0.0.0-20220127200216-cd36cc0744dd"},
	}
	s := osvtest.New(entries)
	defer s.Close()
	s.PageSize = 7
	online, err := fast(s).Query(ctx, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, offline, online, pkgs)
	stdlib := 0
	for _, e := range entries {
		if len(osv.FromEntries([]*osv.Vulnerability{e}).Match(pkgs[0])) > 0 {
			stdlib++
		}
	}
	// The stdlib query needs ceil(stdlib/7) pages; x/net's fewer, in the same batches.
	if want := (stdlib + 6) / 7; s.Requests("querybatch") != want {
		t.Errorf("%d querybatch requests, want %d for %d stdlib entries in pages of 7", s.Requests("querybatch"), want, stdlib)
	}
}

// TestBatches checks that queries are split at the API's limit of 1000 (the test
// server rejects more, as the API does), sent once per distinct package version,
// and that a package without a version is not asked about.
func TestBatches(t *testing.T) {
	ctx := context.Background()
	s := osvtest.New(testdataEntries(t))
	defer s.Close()
	var pkgs []depscan.Package
	for i := range 2500 {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Npm, Name: fmt.Sprintf("pkg-%d", i), Version: "1.0.0"})
	}
	pkgs = append(pkgs, pkgs[0], depscan.Package{Ecosystem: depscan.PyPI, Name: "unpinned"})
	for _, tt := range []struct {
		batch, want int
	}{{0, 3}, {5000, 3}, {1000, 3}, {999, 3}, {500, 5}} {
		before := s.Requests("querybatch")
		c := fast(s)
		c.BatchSize = tt.batch
		if _, err := c.Query(ctx, pkgs); err != nil {
			t.Fatalf("BatchSize %d: %v", tt.batch, err)
		}
		if got := s.Requests("querybatch") - before; got != tt.want {
			t.Errorf("BatchSize %d: %d requests, want %d", tt.batch, got, tt.want)
		}
	}
	if q := s.Queries(); q != 5*2500 {
		t.Errorf("%d queries sent, want 2500 per scan", q)
	}
}

// TestRequestsPerScan records the cost of a 2,000-package project: two batches,
// and one GET per distinct advisory the first time, none with a warm cache.
func TestRequestsPerScan(t *testing.T) {
	ctx := context.Background()
	entries, _, source := goCorpus(t)
	projects, _ := lockfile.Walk(ctx, "testdata/prometheus-v2.35.0")
	pkgs := projects[0].Packages
	for i := len(pkgs); i < 2000; i++ {
		pkgs = append(pkgs, depscan.Package{Ecosystem: depscan.Go, Name: fmt.Sprintf("example.com/m%d", i), Version: "v1.0.0"})
	}
	s := osvtest.New(entries)
	defer s.Close()
	c := fast(s)
	c.Cache = &MemoryCache{}
	db, err := c.Query(ctx, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	cold := [2]int{s.Requests("querybatch"), s.Requests("vulns")}
	if _, err := c.Query(ctx, pkgs); err != nil {
		t.Fatal(err)
	}
	warm := [2]int{s.Requests("querybatch") - cold[0], s.Requests("vulns") - cold[1]}
	t.Logf("%s, 2000 packages: cold %d querybatch + %d vulns requests, warm %d + %d", source, cold[0], cold[1], warm[0], warm[1])
	if cold != [2]int{2, db.Len()} || warm != [2]int{2, 0} {
		t.Errorf("cold %v, warm %v; want [2 %d] and [2 0]", cold, warm, db.Len())
	}
}

func TestConcurrencyBound(t *testing.T) {
	entries, _, _ := goCorpus(t)
	s := osvtest.New(entries)
	defer s.Close()
	for range 40 {
		s.Inject(osvtest.Fault{Endpoint: "vulns", Delay: 20 * time.Millisecond})
	}
	c := fast(s)
	c.Concurrency = 3
	if _, err := c.Query(context.Background(), []depscan.Package{{Ecosystem: depscan.Go, Name: "stdlib", Version: "v1.16.0"}}); err != nil {
		t.Fatal(err)
	}
	if got := s.MaxInFlight("vulns"); got < 2 || got > 3 {
		t.Errorf("%d vulns requests in flight at most, want 2 or 3 with Concurrency 3", got)
	}
}

var stdlib116 = []depscan.Package{{Ecosystem: depscan.Go, Name: "stdlib", Version: "v1.16.0"}}

func TestFaults(t *testing.T) {
	entries := testdataEntries(t)
	pkgs := probePackages(entries)
	for _, tt := range []struct {
		name     string
		faults   []osvtest.Fault
		retries  int
		timeout  time.Duration
		err      string // empty: the query succeeds
		requests int    // requests to the faulty endpoint
		endpoint string
	}{
		{name: "500 then success", faults: []osvtest.Fault{{Endpoint: "querybatch", Status: 500}}, requests: 2, endpoint: "querybatch"},
		{name: "429 with Retry-After", faults: []osvtest.Fault{{Endpoint: "querybatch", Status: 429, RetryAfter: "1"}, {Endpoint: "querybatch", Status: 503, RetryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"}}, requests: 3, endpoint: "querybatch"},
		{name: "vulns 502 retried", faults: []osvtest.Fault{{Endpoint: "vulns", Status: 502}, {Endpoint: "vulns", Status: 500}}, endpoint: "vulns"},
		{name: "retries exhausted", faults: []osvtest.Fault{{Status: 503}, {Status: 503}, {Status: 503}, {Status: 503}}, err: "/v1/querybatch (after 4 attempts): 503 Service Unavailable", requests: 4, endpoint: "querybatch"},
		{name: "no retries", retries: -1, faults: []osvtest.Fault{{Status: 500}}, err: "POST SERVER/v1/querybatch: 500 Internal Server Error", requests: 1, endpoint: "querybatch"},
		{name: "400 not retried", faults: []osvtest.Fault{{Endpoint: "querybatch", Status: 400}}, err: "400 Bad Request", requests: 1, endpoint: "querybatch"},
		{name: "404 on a vuln not retried", faults: []osvtest.Fault{{Endpoint: "vulns", Status: 404}}, err: "GET SERVER/v1/vulns/", endpoint: "vulns"},
		{name: "malformed JSON not retried", faults: []osvtest.Fault{{Endpoint: "querybatch", Malformed: true}}, err: "decode response: unexpected end of JSON input", requests: 1, endpoint: "querybatch"},
		{name: "slow answer times out, then retried", timeout: 50 * time.Millisecond, faults: []osvtest.Fault{{Endpoint: "querybatch", Delay: time.Second}}, requests: 2, endpoint: "querybatch"},
		{name: "slow answer, no retries", retries: -1, timeout: 50 * time.Millisecond, faults: []osvtest.Fault{{Endpoint: "querybatch", Delay: time.Second}}, err: "context deadline exceeded", requests: 1, endpoint: "querybatch"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := osvtest.New(entries)
			defer s.Close()
			s.Inject(tt.faults...)
			c := fast(s)
			c.Retries = tt.retries
			if tt.timeout > 0 {
				c.Timeout = tt.timeout
			}
			start := time.Now()
			_, err := c.Query(context.Background(), pkgs)
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %v: Retry-After must be cut to MaxBackoff", time.Since(start))
			}
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Query: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(tt.err, "SERVER", s.URL))):
				t.Fatalf("Query = %v, want an error containing %q", err, strings.ReplaceAll(tt.err, "SERVER", s.URL))
			}
			if tt.requests > 0 && s.Requests(tt.endpoint) != tt.requests {
				t.Errorf("%d %s requests, want %d", s.Requests(tt.endpoint), tt.endpoint, tt.requests)
			}
			if s.Pending() != 0 && tt.err == "" {
				t.Errorf("%d faults not played", s.Pending())
			}
		})
	}
}

// TestServerDown: nothing listens; the error names the URL.
func TestServerDown(t *testing.T) {
	s := osvtest.New(nil)
	url := s.URL
	s.Close()
	c := &Client{BaseURL: url, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}
	_, err := c.Query(context.Background(), stdlib116)
	if err == nil || !strings.Contains(err.Error(), "POST "+url+"/v1/querybatch") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Query = %v, want an error naming %s/v1/querybatch and the refused connection", err, url)
	}
}

func TestContextCancelled(t *testing.T) {
	s := osvtest.New(testdataEntries(t))
	defer s.Close()
	s.Inject(osvtest.Fault{Status: 503, RetryAfter: "60"})
	ctx, cancel := context.WithCancel(context.Background())
	c := fast(s)
	c.MaxBackoff = time.Minute
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := c.Query(ctx, stdlib116)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("Query = %v after %v, want context.Canceled at once", err, time.Since(start))
	}
}

func TestNoVersionNoRequest(t *testing.T) {
	s := osvtest.New(nil)
	defer s.Close()
	db, err := fast(s).Query(context.Background(), []depscan.Package{{Ecosystem: depscan.PyPI, Name: "requests"}})
	if err != nil || db.Len() != 0 || s.Requests("querybatch") != 0 {
		t.Fatalf("Query = %v, %v; %d requests", db, err, s.Requests("querybatch"))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"0":                             0,
		"-1":                            0,
		"soon":                          0,
		"Wed, 21 Oct 2015 07:28:30 GMT": 30 * time.Second,
		"Wed, 21 Oct 2015 07:27:00 GMT": 0, // in the past
	} {
		if got := parseRetryAfter(h, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

// TestRetryAfterHonoured: a Retry-After under MaxBackoff is waited out in full,
// not replaced by the (much shorter) backoff.
func TestRetryAfterHonoured(t *testing.T) {
	s := osvtest.New(nil)
	defer s.Close()
	s.Inject(osvtest.Fault{Status: 429, RetryAfter: "1"})
	c := fast(s)
	c.MaxBackoff = 10 * time.Second
	start := time.Now()
	if _, err := c.Query(context.Background(), stdlib116); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before the server's Retry-After of 1s", d)
	}
}
