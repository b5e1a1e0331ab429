package sidecar

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/promread"
)

// routeKey names a route of a job: the per-route models' unit.
type routeKey struct{ job, route string }

func (k routeKey) labels() model.LabelSet {
	return model.LabelSet{"job": model.LabelValue(k.job), "http_route": model.LabelValue(k.route)}
}

func cmpRoute(a, b routeKey) int {
	return cmp.Or(cmp.Compare(a.job, b.job), cmp.Compare(a.route, b.route))
}

// column is one feature's samples, indexed by how it joins a route.
type column struct {
	f      config.Feature
	route  map[routeKey]map[int64]float64
	job    map[string]map[int64]float64
	global map[int64]float64
}

// rows is a route's feature matrix: one row per timestamp at which every feature
// without a fill value has a sample.
type rows struct {
	t []time.Time
	x [][]float64
}

// readColumns reads each feature over [start, end], one read per distinct expression.
// A feature that fails to read fails the whole set: a model fitted without one of its
// inputs would be another model.
func (e *Engine) readColumns(ctx context.Context, prefix string, fs []config.Feature, start, end time.Time, cache map[string][]promread.Series) ([]column, error) {
	cols := make([]column, len(fs))
	for i, f := range fs {
		cols[i].f = f
		if f.Name == config.HourOfDay {
			continue
		}
		res, ok := cache[f.Expr]
		if !ok {
			var err error
			res, err = e.read(ctx, prefix+"/"+f.Name, f.Expr, start, end)
			if err != nil {
				return nil, fmt.Errorf("feature %w", err)
			}
			cache[f.Expr] = res
		}
		cols[i].index(res)
	}
	return cols, nil
}

func points(s promread.Series) map[int64]float64 {
	m := make(map[int64]float64, len(s.Samples))
	for _, p := range s.Samples {
		if v := float64(p.Value); !math.IsNaN(v) && !math.IsInf(v, 0) {
			m[int64(p.Timestamp)] = v
		}
	}
	return m
}

// index files a feature's series by its join. A global feature with several series
// takes their mean at each timestamp; a job feature with several series per job (one
// per cache, say) likewise.
func (c *column) index(res []promread.Series) {
	switch c.f.Join {
	case config.JoinRoute:
		c.route = map[routeKey]map[int64]float64{}
		for _, s := range res {
			k := routeKey{string(s.Labels["job"]), string(s.Labels["http_route"])}
			if k.route == "" {
				continue
			}
			c.route[k] = points(s)
		}
	case config.JoinJob:
		by := map[string][]map[int64]float64{}
		for _, s := range res {
			j := string(s.Labels["job"])
			by[j] = append(by[j], points(s))
		}
		c.job = map[string]map[int64]float64{}
		for j, ps := range by {
			c.job[j] = meanOf(ps)
		}
	case config.JoinGlobal:
		var ps []map[int64]float64
		for _, s := range res {
			ps = append(ps, points(s))
		}
		c.global = meanOf(ps)
	}
}

func meanOf(ps []map[int64]float64) map[int64]float64 {
	if len(ps) == 1 {
		return ps[0]
	}
	sum, n := map[int64]float64{}, map[int64]int{}
	for _, p := range ps {
		for t, v := range p {
			sum[t] += v
			n[t]++
		}
	}
	for t := range sum {
		sum[t] /= float64(n[t])
	}
	return sum
}

// lookup is the feature's value for route k at t.
func (c *column) lookup(k routeKey, t int64) (float64, bool) {
	var m map[int64]float64
	switch c.f.Join {
	case config.JoinRoute:
		m = c.route[k]
	case config.JoinJob:
		m = c.job[k.job]
	case config.JoinGlobal:
		m = c.global
	}
	v, ok := m[t]
	if !ok && c.f.Fill != nil {
		return *c.f.Fill, true
	}
	return v, ok
}

// routesOf lists the routes of the first route-joined column, sorted, owned by this
// shard and within the route bound.
func (e *Engine) routesOf(cols []column) []routeKey {
	var keys []routeKey
	for _, c := range cols {
		if c.f.Join == config.JoinRoute {
			for k := range c.route {
				if e.shard.Owns(k.labels()) {
					keys = append(keys, k)
				}
			}
			break
		}
	}
	slices.SortFunc(keys, cmpRoute)
	if len(keys) > e.cfg.Limits.MaxRoutes {
		e.m.skipped.WithLabelValues("max_routes").Add(float64(len(keys) - e.cfg.Limits.MaxRoutes))
		keys = keys[:e.cfg.Limits.MaxRoutes]
	}
	return keys
}

// matrix builds route k's rows from the columns: the timestamps are those of the
// first route-joined column; a row missing a feature without a fill is left out.
func matrix(k routeKey, cols []column) rows {
	var anchor map[int64]float64
	for _, c := range cols {
		if c.f.Join == config.JoinRoute {
			anchor = c.route[k]
			break
		}
	}
	ts := make([]int64, 0, len(anchor))
	for t := range anchor {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	var out rows
	for _, t := range ts {
		row := make([]float64, len(cols))
		ok := true
		for i := range cols {
			if cols[i].f.Name == config.HourOfDay {
				tt := model.Time(t).Time().UTC()
				row[i] = float64(tt.Hour()) + float64(tt.Minute())/60
				continue
			}
			v, have := cols[i].lookup(k, t)
			if !have {
				ok = false
				break
			}
			row[i] = v
		}
		if ok {
			out.t = append(out.t, model.Time(t).Time())
			out.x = append(out.x, row)
		}
	}
	return out
}
