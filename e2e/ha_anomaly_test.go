package e2e

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/shard"
	"github.com/perfwatch/perfwatch/internal/testaddr"
)

// shardSeries is how many series the values target exposes for the sharded sidecars.
const shardSeries = 40

// startValuesTarget serves hatest_value{series="s00"…} (shardSeries gauges, each a
// slow wave of its own) for the sidecars' "value" query.
func startValuesTarget(t *testing.T) string {
	t.Helper()
	return serveExposition(t, func(w io.Writer) {
		now := float64(time.Now().UnixMilli()) / 1000
		fmt.Fprintln(w, "# TYPE hatest_value gauge")
		for i := range shardSeries {
			fmt.Fprintf(w, "hatest_value{series=\"s%02d\"} %g\n", i, 10+float64(i)+math.Sin(now/7+float64(i)))
		}
	})
}

// shardedAnomalyConfig is anomalyConfig's time scale with two univariate queries: the
// values target's series and the defaults' per-route request rate of the demo.
func shardedAnomalyConfig(t *testing.T) string {
	t.Helper()
	i := slices.IndexFunc(config.Default().Queries, func(q config.Query) bool { return q.Name == "request_rate" })
	if i < 0 {
		t.Fatal("the default configuration has no request_rate query")
	}
	return anomalyConfig + "queries:\n  - {name: value, expr: hatest_value}\n  - {name: request_rate, expr: " +
		strconv.Quote(config.Default().Queries[i].Expr) + "}\n"
}

// labelsOfMetric is a sample's label set.
func labelsOfMetric(m *dto.Metric) model.LabelSet {
	ls := model.LabelSet{}
	for _, l := range m.GetLabel() {
		ls[model.LabelName(l.GetName())] = model.LabelValue(l.GetValue())
	}
	return ls
}

// shardView is what one sidecar exposes: the series it scores per query (their labels
// without query, which is the shard key) and the routes of its per-route results.
type shardView struct {
	scored map[string]map[model.Fingerprint]model.LabelSet // query → series
	routes map[model.Fingerprint]model.LabelSet            // {job, http_route}
}

func viewOf(fams map[string]*dto.MetricFamily) shardView {
	v := shardView{scored: map[string]map[model.Fingerprint]model.LabelSet{}, routes: map[model.Fingerprint]model.LabelSet{}}
	route := func(ls model.LabelSet) {
		r := model.LabelSet{"job": ls["job"], "http_route": ls["http_route"]}
		v.routes[r.Fingerprint()] = r
	}
	for _, m := range fams["perfwatch_anomaly_score"].GetMetric() {
		ls := labelsOfMetric(m)
		q := string(ls["query"])
		if q == "route_multivariate" {
			route(ls)
			continue
		}
		delete(ls, "query")
		if v.scored[q] == nil {
			v.scored[q] = map[model.Fingerprint]model.LabelSet{}
		}
		v.scored[q][ls.Fingerprint()] = ls
	}
	for _, name := range []string{"perfwatch_prediction_latency_seconds", "perfwatch_recommendations"} {
		for _, m := range fams[name].GetMetric() {
			route(labelsOfMetric(m))
		}
	}
	return v
}

// TestHAAnomalyShards runs perfwatch-anomaly as two replicas, --shard=1/2 and 2/2,
// against a real Prometheus scraping the demo and a target of 40 series, and checks
// that together they score every series of a query exactly once, each on the replica
// anomaly/shard names; that their per-route results (multivariate scores, predictions,
// recommendations) are disjoint and on the route's owner; that in Prometheus, which
// scrapes both, no result is doubled and the replicas' own metrics stay apart by
// instance; and that a restarted replica scores the same series as before.
func TestHAAnomalyShards(t *testing.T) {
	// Its own processes, mostly waiting on gossip, evaluation and remote-write
	// intervals: it runs beside the other self-contained tests, after the shared ones.
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	logs := filepath.Join(env.dir, "ha-anomaly")
	prom, err := startPrometheusAt(ctx, env.promBin, filepath.Join(logs, "prometheus"), testaddr.Must(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.stop() })
	values := startValuesTarget(t)
	if _, err := prom.addTargets("ha-values", values); err != nil {
		t.Fatal(err)
	}
	startScrapedDemo(ctx, t, logs, prom)

	cfg := shardedAnomalyConfig(t)
	// Each replica with --shard and a store of its own.
	startShardedAnomaly := func(name, addr string, sh shard.Shard) *process {
		store := filepath.Join(logs, "models-"+strings.ReplaceAll(sh.String(), "/", "-of-"))
		return startAnomaly(ctx, t, logs, name, addr, prom.url, store, withConfig(cfg), withFlags("--shard="+sh.String()))
	}
	shards := []shard.Shard{{Index: 1, Count: 2}, {Index: 2, Count: 2}}
	addrs := []string{testaddr.Must(t), testaddr.Must(t)}
	procs := make([]*process, len(shards))
	halts := make([]func(), len(shards))
	for i, sh := range shards {
		procs[i] = startShardedAnomaly(fmt.Sprintf("anomaly-%d", i+1), addrs[i], sh)
		halts[i] = stopOnce(t, procs[i])
	}
	if _, err := prom.addHonorTargets("perfwatch-anomaly", addrs...); err != nil {
		t.Fatal(err)
	}

	// The request_rate series Prometheus has: what the two replicas must cover.
	wantSeries := func(expr string) (map[model.Fingerprint]model.LabelSet, error) {
		v, _, _, err := prom.api.Query(ctx, expr, time.Now())
		if err != nil {
			return nil, err
		}
		out := map[model.Fingerprint]model.LabelSet{}
		vec, _ := v.(model.Vector)
		for _, s := range vec {
			ls := model.LabelSet(s.Metric).Clone()
			delete(ls, model.MetricNameLabel)
			out[ls.Fingerprint()] = ls
		}
		return out, nil
	}
	views := make([]shardView, len(shards))
	read := func() error {
		for i, a := range addrs {
			fams, err := scrape(ctx, "http://"+a+"/metrics")
			if err != nil {
				return err
			}
			views[i] = viewOf(fams)
		}
		return nil
	}
	// union is the set of series of query the replicas score together.
	union := func(query string) map[model.Fingerprint]bool {
		u := map[model.Fingerprint]bool{}
		for _, v := range views {
			for fp := range v.scored[query] {
				u[fp] = true
			}
		}
		return u
	}
	// covered tells whether the replicas' scored series of query, together, are want
	// (how often each is scored is checked after).
	covered := func(query string, want map[model.Fingerprint]model.LabelSet) bool {
		u := union(query)
		for fp := range u {
			if _, ok := want[fp]; !ok {
				return false
			}
		}
		return len(u) == len(want) && len(want) > 0
	}
	var rates map[model.Fingerprint]model.LabelSet
	requestRate := config.Default().Queries[slices.IndexFunc(config.Default().Queries, func(q config.Query) bool { return q.Name == "request_rate" })].Expr
	if !eventually(3*time.Minute, func() bool {
		if read() != nil {
			return false
		}
		var err error
		if rates, err = wantSeries(requestRate); err != nil {
			return false
		}
		return len(union("value")) == shardSeries && covered("request_rate", rates) && len(views[0].routes)+len(views[1].routes) > 0
	}) {
		t.Fatalf("the two replicas never covered the series: value %d+%d of %d, request_rate %d+%d of %d, routes %d+%d; logs %s, %s",
			len(views[0].scored["value"]), len(views[1].scored["value"]), shardSeries,
			len(views[0].scored["request_rate"]), len(views[1].scored["request_rate"]), len(rates),
			len(views[0].routes), len(views[1].routes), procs[0].log, procs[1].log)
	}

	t.Logf("scored by 1/2 and 2/2: value %d+%d of %d, request_rate %d+%d of %d; per-route results %d+%d routes",
		len(views[0].scored["value"]), len(views[1].scored["value"]), shardSeries,
		len(views[0].scored["request_rate"]), len(views[1].scored["request_rate"]), len(rates),
		len(views[0].routes), len(views[1].routes))

	// Exactly once, each on its owner; the routes likewise.
	for _, q := range []string{"value", "request_rate"} {
		seen := map[model.Fingerprint]int{}
		for i, v := range views {
			for fp, ls := range v.scored[q] {
				seen[fp]++
				if o := shards[i].Owner(ls); o != shards[i].Index {
					t.Errorf("%s series %v scored by replica %s, but its owner is %d/2", q, ls, shards[i], o)
				}
			}
			if len(v.scored[q]) == 0 && q == "value" {
				t.Errorf("replica %s scores none of the %d value series", shards[i], shardSeries)
			}
		}
		for fp, n := range seen {
			if n != 1 {
				t.Errorf("%s series %v scored by %d replicas", q, views[0].scored[q][fp], n)
			}
		}
	}
	for i, v := range views {
		for fp, r := range v.routes {
			if o := shards[i].Owner(r); o != shards[i].Index {
				t.Errorf("route %v has per-route results on replica %s, but its owner is %d/2", r, shards[i], o)
			}
			if _, both := views[1-i].routes[fp]; both {
				t.Errorf("route %v has per-route results on both replicas", r)
			}
		}
	}

	// In Prometheus: nothing doubled, the replicas' own metrics one set each.
	for expr, want := range map[string]string{
		`count(perfwatch_anomaly_score{query="value"})`:                                                        strconv.Itoa(shardSeries),
		`count(count by (job, instance, series) (perfwatch_anomaly_score{query="value"}) > 1) or vector(0)`:    "0",
		`count(count by (job, http_route) (perfwatch_anomaly_score{query="request_rate"}) > 1) or vector(0)`:   "0",
		`count(count by (job, http_route, scenario) (perfwatch_prediction_latency_seconds) > 1) or vector(0)`:  "0",
		`count(count by (job, http_route, kind) (perfwatch_recommendations) > 1) or vector(0)`:                 "0",
		`count(perfwatch_anomaly_stale{job="perfwatch-anomaly"} == 0)`:                                         "2",
		`count(count by (instance) (perfwatch_anomaly_fits_total{job="perfwatch-anomaly", model="baseline"}))`: "2",
	} {
		var got string
		if !eventually(30*time.Second, func() bool {
			v, _, _, err := prom.api.Query(ctx, expr, time.Now())
			if vec, ok := v.(model.Vector); err == nil && ok && len(vec) == 1 {
				got = vec[0].Value.String()
			}
			return got == want
		}) {
			t.Errorf("%s = %s, want %s", expr, got, want)
		}
	}

	// A restarted replica (same flags and store) scores the same series.
	before := views[0].scored["value"]
	halts[0]()
	procs[0] = startShardedAnomaly("anomaly-1-restarted", addrs[0], shards[0])
	stopOnce(t, procs[0])
	if !eventually(time.Minute, func() bool {
		fams, err := scrape(ctx, "http://"+addrs[0]+"/metrics")
		if err != nil {
			return false
		}
		views[0] = viewOf(fams)
		return len(views[0].scored["value"]) >= len(before)
	}) {
		t.Fatalf("the restarted replica scores %d value series, %d before; log %s", len(views[0].scored["value"]), len(before), procs[0].log)
	}
	for fp, ls := range views[0].scored["value"] {
		if _, ok := before[fp]; !ok {
			t.Errorf("after a restart replica %s scores %v, which it did not before", shards[0], ls)
		}
	}
}
