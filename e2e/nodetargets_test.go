package e2e

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// The jobs of the node-compatibility tests (TestNodeMixin, TestNodeExporterFull).
// node-mixin selects job="node", as does Node Exporter Full's README, so perfwatch-
// exporter is scraped as "node"; node_exporter, the reference the results are compared
// with, is scraped under its own job so that nothing made for "node" sees it.
const (
	nodeJob      = "node"
	referenceJob = "node_exporter_reference"
)

// nodeTargets are perfwatch-exporter and Debian's node_exporter, each started with its
// defaults (only the listen address set) and scraped by the shared Prometheus.
type nodeTargets struct {
	perfwatch, reference string // their instance labels (host:port)
	since                time.Time
	stop                 func()
}

// The node targets are started by the first test that needs them and kept for the
// others; they go when every user has finished, or at the end of the run.
var shared struct {
	sync.Mutex
	targets *nodeTargets
	err     error
	started bool
	done    map[string]bool
}

// nodeTestUsers are the tests that use the node targets: when all of them have run,
// the targets are removed, so that later tests do not see a job "node".
var nodeTestUsers = []string{"TestNodeMixin", "TestNodeExporterFull"}

// useNodeTargets returns the shared node targets, starting them and waiting until both
// have been scraped at least minScrapes times.
func useNodeTargets(t *testing.T) *nodeTargets {
	t.Helper()
	// Looked up per test, so that a missing node_exporter fails or skips each test.
	nodeExporter := testtool.NeedEnv(t, "NODE_EXPORTER_BIN", "prometheus-node-exporter", "apt-get install prometheus-node-exporter")
	shared.Lock()
	defer shared.Unlock()
	t.Cleanup(func() { releaseNodeTargets(t.Name()) })
	if !shared.started {
		shared.started = true
		shared.targets, shared.err = startNodeTargets(nodeExporter)
		if shared.targets != nil {
			env.atExit = append(env.atExit, shared.targets.stop)
		}
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const minScrapes = 8
	for _, job := range []string{nodeJob, referenceJob} {
		if err := env.prom.waitForSeries(ctx, fmt.Sprintf(`count_over_time(up{job=%q}[1m]) >= %d and up{job=%q} == 1`, job, minScrapes, job)); err != nil {
			t.Fatalf("%s was not scraped %d times: %v", job, minScrapes, err)
		}
	}
	return shared.targets
}

func releaseNodeTargets(name string) {
	shared.Lock()
	defer shared.Unlock()
	if shared.done == nil {
		shared.done = map[string]bool{}
	}
	shared.done[name] = true
	for _, u := range nodeTestUsers {
		if !shared.done[u] {
			return
		}
	}
	if shared.targets != nil {
		shared.targets.stop()
	}
}

func startNodeTargets(nodeExporter string) (*nodeTargets, error) {
	logs := filepath.Join(env.dir, "node-targets")
	pwAddr, refAddr, err := twoAddrs()
	if err != nil {
		return nil, err
	}
	var stops []func()
	var once sync.Once
	n := &nodeTargets{perfwatch: pwAddr, reference: refAddr}
	n.stop = func() {
		once.Do(func() {
			for i := len(stops) - 1; i >= 0; i-- {
				stops[i]()
			}
		})
	}
	fail := func(err error) (*nodeTargets, error) { n.stop(); return nil, err }

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range []struct{ name, bin, addr, job string }{
		{"perfwatch-exporter", filepath.Join(env.bins, "perfwatch-exporter"), pwAddr, nodeJob},
		{"node_exporter", nodeExporter, refAddr, referenceJob},
	} {
		proc, err := start(p.name, logs, p.bin, "--web.listen-address="+p.addr)
		if err != nil {
			return fail(err)
		}
		stops = append(stops, proc.stop)
		if err := proc.waitHTTP(ctx, (&url.URL{Scheme: "http", Host: p.addr, Path: "/metrics"}).String()); err != nil {
			return fail(err)
		}
		remove, err := env.prom.addTargets(p.job, p.addr)
		if err != nil {
			return fail(err)
		}
		stops = append(stops, remove)
	}
	n.since = time.Now()
	return n, nil
}

func twoAddrs() (string, string, error) {
	a, err := testaddr.Loopback()
	if err != nil {
		return "", "", err
	}
	b, err := testaddr.Loopback()
	return a, b, err
}
