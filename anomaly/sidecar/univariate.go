package sidecar

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/detector"
)

// series is one modelled univariate series: its labels, its detector and the last
// answer it gave.
type series struct {
	query  string
	labels model.LabelSet // as read, without __name__
	det    *detector.Detector
	last   time.Time // the last sample learnt
	seen   time.Time // the end of the last read that returned the series
	result detector.Result
	scored bool // result holds a score (the detector was ready)
	// names and values are the exposed label pairs, query included, sorted by name;
	// computed once, since a publish of every series happens at every inference.
	names, values []string
}

// labelPairs returns the series' exposed label names and values.
func (s *series) labelPairs() (names, values []string) {
	if s.names == nil {
		ls := labelsOf(s.labels)
		ls["query"] = model.LabelValue(s.query)
		for k := range ls {
			s.names = append(s.names, string(k))
		}
		slices.Sort(s.names)
		for _, n := range s.names {
			s.values = append(s.values, string(ls[model.LabelName(n)]))
		}
	}
	return s.names, s.values
}

type seriesKey struct {
	query string
	fp    model.Fingerprint
}

// DetectorConfig maps a query's model onto the detector's configuration.
func DetectorConfig(m config.Model, step time.Duration) (detector.Config, error) {
	c := detector.DefaultConfig()
	c.Step = step
	c.Season = time.Duration(m.Season)
	c.BucketWidth = time.Duration(m.BucketWidth)
	switch m.Method {
	case "median_mad":
		c.Method = baseline.MedianMAD
	case "ewma":
		c.Method = baseline.EWMA
	}
	c.Threshold = m.Threshold
	dir, err := baseline.ParseDirection(m.DetectionDirection)
	if err != nil {
		return c, err
	}
	c.Direction = dir
	c.MinDevFromExpected = *m.MinDevFromExpected
	c.MinHistory = time.Duration(m.MinHistory)
	c.Warmup = time.Duration(m.Warmup)
	// The extremes stage models the largest score of each block (a day by default);
	// a season shorter than that is the series' whole rhythm, so it is the block.
	if c.Season > 0 && c.Season < c.ExtremeBlock {
		c.ExtremeBlock = c.Season
	}
	if m.ExtremeBlock > 0 {
		c.ExtremeBlock = time.Duration(m.ExtremeBlock)
	}
	return c, nil
}

// labelsOf returns a series' labels without the metric name, which a query that keeps
// it would otherwise turn into a clash with the gauge's own name.
func labelsOf(ls model.LabelSet) model.LabelSet {
	out := make(model.LabelSet, len(ls))
	for k, v := range ls {
		if k != model.MetricNameLabel && k != "query" {
			out[k] = v
		}
	}
	return out
}

// fit replays samples (in time order, as promread returns them) through a reset
// detector, as Detector.Fit does, without copying them into baseline.Samples first:
// at 10,000 series of a week that copy alone is 3 GB of garbage per fit. The last
// sample's answer is kept, so the series has a result at once.
func (s *series) fit(samples []model.SamplePair) {
	s.det.Reset()
	s.scored = false
	for _, p := range samples {
		r, err := s.det.ScoreUpdate(p.Timestamp.Time(), float64(p.Value))
		if err == nil {
			s.result, s.scored = r, true
		} else if errors.Is(err, detector.ErrColdStart) {
			s.scored = false
		}
	}
}

// read is one series of a query's read: its labels without __name__, their
// fingerprint (the series' identity and shard key) and its samples.
type readSeries struct {
	labels  model.LabelSet
	fp      model.Fingerprint
	samples []model.SamplePair
}

// readQuery reads one query and keeps the series this shard owns, in fingerprint
// order (so that the limits keep the same series from one read to the next).
func (e *Engine) readQuery(ctx context.Context, name, expr string, start, end time.Time) ([]readSeries, error) {
	res, err := e.read(ctx, name, expr, start, end)
	if err != nil {
		return nil, fmt.Errorf("query %w", err)
	}
	out := make([]readSeries, 0, len(res))
	for _, s := range res {
		ls := labelsOf(s.Labels)
		fp := ls.Fingerprint()
		if e.shard.OwnsFingerprint(fp) {
			out = append(out, readSeries{ls, fp, s.Samples})
		}
	}
	slices.SortFunc(out, func(a, b readSeries) int { return cmp.Compare(a.fp, b.fp) })
	return out, nil
}

// admit says whether one more series of query may be modelled, counting refusals.
func (e *Engine) admit(perQuery int) bool {
	if perQuery >= e.cfg.Limits.MaxSeriesPerQuery {
		e.m.skipped.WithLabelValues("max_series_per_query").Inc()
		return false
	}
	if len(e.series) >= e.cfg.Limits.MaxSeries {
		e.m.skipped.WithLabelValues("max_series").Inc()
		return false
	}
	return true
}

// fitUnivariate refits every query's series on [end-fit_window, end]. A query whose
// read fails keeps its models and results; the error is returned after the others.
func (e *Engine) fitUnivariate(ctx context.Context, end time.Time) error {
	start := end.Add(-time.Duration(e.cfg.Schedule.FitWindow))
	var errs []error
	for qi, q := range e.cfg.Queries {
		t0 := time.Now()
		res, err := e.readQuery(ctx, q.Name, q.Expr, start, end)
		if err != nil {
			errs = append(errs, err)
			e.m.fits.WithLabelValues("baseline", "failure").Inc()
			continue
		}
		dcfg := e.detCfgs[qi]
		kept := map[seriesKey]bool{}
		n := 0
		type job struct {
			s       *series
			samples []model.SamplePair
		}
		var jobs []job
		for _, rs := range res {
			ls := rs.labels
			k := seriesKey{q.Name, rs.fp}
			if _, ok := e.series[k]; !ok && !e.admit(n) {
				continue
			}
			n++
			det, err := detector.New(dcfg)
			if err != nil {
				return fmt.Errorf("query %s: detector: %w", q.Name, err) // validated at start: a programming error
			}
			s := &series{query: q.Name, labels: ls, det: det, seen: end}
			if len(rs.samples) > 0 {
				s.last = rs.samples[len(rs.samples)-1].Timestamp.Time()
			}
			e.series[k] = s
			kept[k] = true
			jobs = append(jobs, job{s, rs.samples})
		}
		parallel(len(jobs), e.workers, func(i int) { jobs[i].s.fit(jobs[i].samples) })
		// A series of this query absent from the whole fit window has vanished.
		for k := range e.series {
			if k.query == q.Name && !kept[k] {
				delete(e.series, k)
			}
		}
		e.cursor[q.Name] = end
		e.m.fits.WithLabelValues("baseline", "success").Add(float64(len(jobs)))
		e.m.fitDuration.WithLabelValues("baseline").Observe(time.Since(t0).Seconds())
	}
	return joinErrs(errs)
}

// inferUnivariate scores every point each query has gained since its last read, and
// learns it. New series start in cold start; a failed read keeps the query's results.
func (e *Engine) inferUnivariate(ctx context.Context, end time.Time) error {
	var errs []error
	for qi, q := range e.cfg.Queries {
		from, ok := e.cursor[q.Name]
		if !ok || end.Sub(from) > time.Duration(e.cfg.Schedule.FitWindow) {
			from = end.Add(-time.Duration(e.cfg.Schedule.InferEvery))
		}
		if !end.After(from) {
			continue
		}
		res, err := e.readQuery(ctx, q.Name, q.Expr, from.Add(e.step), end)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n := 0
		for k := range e.series {
			if k.query == q.Name {
				n++
			}
		}
		for _, rs := range res {
			ls := rs.labels
			k := seriesKey{q.Name, rs.fp}
			s, ok := e.series[k]
			if !ok {
				if !e.admit(n) {
					continue
				}
				det, err := detector.New(e.detCfgs[qi])
				if err != nil {
					return fmt.Errorf("query %s: detector: %w", q.Name, err)
				}
				s = &series{query: q.Name, labels: ls, det: det}
				e.series[k] = s
				n++
			}
			s.seen = end
			for _, p := range rs.samples {
				t := p.Timestamp.Time()
				if !t.After(s.last) {
					continue
				}
				r, err := s.det.ScoreUpdate(t, float64(p.Value))
				if err != nil { // cold start, NaN: the point is learnt or skipped, nothing to expose
					if errors.Is(err, detector.ErrColdStart) {
						s.scored = false
					}
					s.last = t
					continue
				}
				s.last = t
				s.result, s.scored = r, true
			}
		}
		e.cursor[q.Name] = end
	}
	return joinErrs(errs)
}
