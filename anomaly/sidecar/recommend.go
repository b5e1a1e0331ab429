package sidecar

import (
	"context"
	"errors"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/recommend"
)

// recommendationsState is the latest recommendations and the evidence behind them.
type recommendationsState struct {
	list     []recommend.Recommendation
	evidence []recommend.Evidence
}

// ownFields are the evidence the engine holds itself; reading them back from
// Prometheus would lag a scrape behind and fail when the sidecar is not scraped.
var ownFields = map[string]bool{
	recommend.FieldFeatureImportance:    true,
	recommend.FieldPredictedLatency1_5x: true,
	recommend.FieldPredictedLatency2x:   true,
	recommend.FieldPredictionR2:         true,
}

func (e *Engine) thresholds() recommend.Thresholds {
	t := recommend.DefaultThresholds()
	r := e.cfg.Recommendations
	t.SlowRequestSeconds, t.QueriesPerRequest, t.CPUUtilisation = r.SlowRequestSeconds, r.QueriesPerRequest, r.CPUUtilisation
	t.MaxRecommendations = min(t.MaxRecommendations, 2*e.cfg.Limits.MaxRoutes+10)
	return t
}

// recommend gathers the evidence at end and computes the recommendations. A failed
// query leaves its field unknown for this turn and is reported; the others still count.
func (e *Engine) recommend(ctx context.Context, end time.Time) error {
	opts := recommend.DefaultQueryOptions()
	opts.SlowRequestSeconds = e.cfg.Recommendations.SlowRequestSeconds
	b := recommend.NewBuilder(e.cfg.Limits.MaxRoutes)
	var errs []error
	for _, q := range recommend.Queries(opts) {
		if ownFields[q.Field] {
			continue
		}
		res, err := e.read(ctx, "recommendations/"+q.Field, q.Expr, end, end)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range res {
			if len(s.Samples) == 0 {
				continue
			}
			ls := map[string]string{}
			for k, v := range s.Labels {
				ls[string(k)] = string(v)
			}
			if !e.shard.Owns(routeKey{ls["job"], ls["http_route"]}.labels()) && ls["http_route"] != "" {
				continue
			}
			if err := b.Add(q.Field, ls, float64(s.Samples[len(s.Samples)-1].Value)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	imp := e.importances()
	ev := b.Evidence()
	for i := range ev {
		k := routeKey{ev[i].Job, ev[i].Route}
		for f, v := range imp {
			_ = ev[i].Set(recommend.FieldFeatureImportance, f, v)
		}
		r := e.routes[k]
		if r == nil || r.rf == nil {
			continue
		}
		ev[i].PredictionR2 = r.rf.OOBScore()
		if v, ok := r.prediction["load_1_5x"]; ok {
			ev[i].PredictedLatency1_5x = v
		}
		if v, ok := r.prediction["load_2x"]; ok {
			ev[i].PredictedLatency2x = v
		}
	}
	e.recs = recommendationsState{list: recommend.Recommend(ev, e.thresholds()), evidence: ev}
	return errors.Join(errs...)
}
