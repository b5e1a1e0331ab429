package sidecar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/perfwatch/perfwatch/anomaly/detector"
	"github.com/perfwatch/perfwatch/anomaly/iforest"
	"github.com/perfwatch/perfwatch/anomaly/internal/binenc"
	"github.com/perfwatch/perfwatch/anomaly/rforest"
	"github.com/perfwatch/perfwatch/anomaly/store"
)

// The model store holds one file per query (every series of it, so that a fit of
// thousands of series writes a handful of files, not thousands) and one for the
// per-route models. Each payload starts with a hash of the configuration it was fitted
// under: a changed expression or model is refitted, not restored.
const (
	kindUnivariate    = "univariate"
	kindRoutes        = "routes"
	payloadVersion    = 1
	univariateMagic   = "PWSQ"
	routesMagic       = "PWRT"
	routesKey         = "routes"
	univariateKeyPref = "univariate/"
)

func configHash(v any) uint64 {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sidecar: configuration does not encode: " + err.Error()) // plain structs: cannot happen
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

func (e *Engine) queryHash(qi int) uint64 {
	q := e.cfg.Queries[qi]
	return configHash(struct {
		Expr  string
		Model any
		Step  time.Duration
		Shard string
	}{q.Expr, q.Model, e.step, e.shard.String()})
}

func (e *Engine) routesHash() uint64 {
	return configHash(struct {
		M, P  any
		Step  time.Duration
		Shard string
	}{e.cfg.Multivariate, e.cfg.Prediction, e.step, e.shard.String()})
}

// encodeQuery encodes every series of query qi.
func (e *Engine) encodeQuery(qi int) ([]byte, error) {
	name := e.cfg.Queries[qi].Name
	var enc binenc.Encoder
	enc.B = append(enc.B, univariateMagic...)
	enc.U64(e.queryHash(qi))
	enc.I64(e.cursor[name].UnixNano())
	var list []*series
	for k, s := range e.series {
		if k.query == name {
			list = append(list, s)
		}
	}
	enc.U32(uint32(len(list)))
	for _, s := range list {
		ls, err := json.Marshal(s.labels)
		if err != nil {
			return nil, fmt.Errorf("encode labels: %w", err)
		}
		det, err := s.det.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("encode detector of %v: %w", s.labels, err)
		}
		enc.Bytes(ls)
		enc.I64(s.last.UnixNano())
		enc.Bytes(det)
	}
	return enc.B, nil
}

// decodeQuery restores query qi's series from a payload, or says why it cannot.
func (e *Engine) decodeQuery(qi int, payload []byte) (map[seriesKey]*series, time.Time, error) {
	q := e.cfg.Queries[qi]
	d := binenc.Decoder{B: payload}
	d.Magic(univariateMagic)
	if h := d.U64(); d.Err == nil && h != e.queryHash(qi) {
		return nil, time.Time{}, errors.New("fitted under another configuration")
	}
	cursor := time.Unix(0, d.I64())
	n := d.Count(4 + 8 + 4)
	out := make(map[seriesKey]*series, n)
	for range n {
		lsb, last, detb := d.Bytes(), d.I64(), d.Bytes()
		if d.Err != nil {
			break
		}
		var ls model.LabelSet
		if err := json.Unmarshal(lsb, &ls); err != nil {
			return nil, time.Time{}, fmt.Errorf("labels: %w", err)
		}
		if err := ls.Validate(); err != nil {
			return nil, time.Time{}, fmt.Errorf("labels: %w", err)
		}
		var det detector.Detector
		if err := det.UnmarshalBinary(detb); err != nil {
			return nil, time.Time{}, fmt.Errorf("series %v: %w", ls, err)
		}
		if det.Config() != e.detCfgs[qi] {
			return nil, time.Time{}, errors.New("a detector of another configuration")
		}
		out[seriesKey{q.Name, ls.Fingerprint()}] = &series{query: q.Name, labels: ls, det: &det, last: time.Unix(0, last)}
	}
	if err := d.End(); err != nil {
		return nil, time.Time{}, err
	}
	return out, cursor, nil
}

func (e *Engine) encodeRoutes() ([]byte, error) {
	var enc binenc.Encoder
	enc.B = append(enc.B, routesMagic...)
	enc.U64(e.routesHash())
	enc.U32(uint32(len(e.routes)))
	for k, r := range e.routes {
		enc.String(k.job)
		enc.String(k.route)
		var flags uint8
		if r.iso != nil {
			flags |= 1
		}
		if r.rf != nil {
			flags |= 2
		}
		enc.U8(flags)
		if r.iso != nil {
			b, err := r.iso.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("encode isolation forest of %v: %w", k, err)
			}
			enc.Bytes(b)
			enc.F64(r.isoMedian)
			enc.F64(r.isoCut)
		}
		if r.rf != nil {
			b, err := r.rf.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("encode latency forest of %v: %w", k, err)
			}
			enc.Bytes(b)
			enc.U32(uint32(len(r.rfMax)))
			for _, v := range r.rfMax {
				enc.F64(v)
			}
			enc.U32(uint32(r.rfRows))
		}
	}
	return enc.B, nil
}

func (e *Engine) decodeRoutes(payload []byte) (map[routeKey]*route, error) {
	d := binenc.Decoder{B: payload}
	d.Magic(routesMagic)
	if h := d.U64(); d.Err == nil && h != e.routesHash() {
		return nil, errors.New("fitted under another configuration")
	}
	n := d.Count(4 + 4 + 1)
	out := make(map[routeKey]*route, n)
	for range n {
		k := routeKey{d.String(), d.String()}
		flags := d.U8()
		r := &route{}
		if flags&1 != 0 {
			b := d.Bytes()
			r.isoMedian, r.isoCut = d.F64(), d.F64()
			if d.Err != nil {
				break
			}
			r.iso = &iforest.Forest{}
			if err := r.iso.UnmarshalBinary(b); err != nil {
				return nil, fmt.Errorf("route %v: %w", k, err)
			}
			if r.iso.Dim() != len(e.cfg.Multivariate.Features) {
				return nil, fmt.Errorf("route %v: isolation forest of %d features, want %d", k, r.iso.Dim(), len(e.cfg.Multivariate.Features))
			}
		}
		if flags&2 != 0 {
			b := d.Bytes()
			m := d.Count(8)
			r.rfMax = make([]float64, m)
			for i := range r.rfMax {
				r.rfMax[i] = d.F64()
			}
			r.rfRows = int(d.U32())
			if d.Err != nil {
				break
			}
			r.rf = &rforest.Forest{}
			if err := r.rf.UnmarshalBinary(b); err != nil {
				return nil, fmt.Errorf("route %v: %w", k, err)
			}
			if want := len(e.cfg.Prediction.Features); r.rf.Dim() != want || m != want {
				return nil, fmt.Errorf("route %v: latency forest of %d features, want %d", k, r.rf.Dim(), want)
			}
		}
		if flags&^3 != 0 {
			return nil, fmt.Errorf("route %v: unknown flags %#x", k, flags)
		}
		out[k] = r
	}
	if err := d.End(); err != nil {
		return nil, err
	}
	return out, nil
}

// save writes every model to the store after a fit. A failed write is reported and
// costs only a refit at the next start.
func (e *Engine) save() error {
	if e.store == nil {
		return nil
	}
	var errs []error
	for qi, q := range e.cfg.Queries {
		if _, ok := e.cursor[q.Name]; !ok {
			continue // never read: nothing worth keeping
		}
		b, err := e.encodeQuery(qi)
		if err == nil {
			err = e.store.Save(univariateKeyPref+q.Name, kindUnivariate, payloadVersion, b)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("save query %s: %w", q.Name, err))
		}
	}
	if e.multivariateOn() || e.predictionOn() {
		b, err := e.encodeRoutes()
		if err == nil {
			err = e.store.Save(routesKey, kindRoutes, payloadVersion, b)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("save routes: %w", err))
		}
	}
	return errors.Join(errs...)
}

// restore loads what the store holds and returns the oldest fit time of what it
// restored, or the zero time when anything is missing or unusable, which asks for a
// fit now. Unusable files are moved aside by the store and logged here.
func (e *Engine) restore(ctx context.Context) time.Time {
	if e.store == nil {
		return time.Time{}
	}
	byKey := map[string]int{}
	for qi, q := range e.cfg.Queries {
		byKey[univariateKeyPref+q.Name] = qi
	}
	var oldest time.Time
	restored := map[string]bool{}
	bad, err := e.store.LoadAll(ctx, map[string]uint32{kindUnivariate: payloadVersion, kindRoutes: payloadVersion}, func(m store.Model) error {
		var derr error
		switch qi, ok := byKey[m.Key]; {
		case ok && m.Kind == kindUnivariate:
			var ss map[seriesKey]*series
			var cursor time.Time
			if ss, cursor, derr = e.decodeQuery(qi, m.Payload); derr == nil {
				for k, s := range ss {
					e.series[k] = s
				}
				e.cursor[e.cfg.Queries[qi].Name] = cursor
			}
		case m.Key == routesKey && m.Kind == kindRoutes:
			var rs map[routeKey]*route
			if rs, derr = e.decodeRoutes(m.Payload); derr == nil {
				e.routes = rs
			}
		default:
			e.log.Info("model store: file of no configured query left alone", "key", m.Key)
			return nil
		}
		if derr != nil {
			e.m.restoreFailures.Inc()
			e.log.Warn("model store: model not restored, refitting", "key", m.Key, "err", derr.Error())
			return nil
		}
		restored[m.Key] = true
		if oldest.IsZero() || m.Created.Before(oldest) {
			oldest = m.Created
		}
		return nil
	})
	if err != nil {
		e.log.Warn("model store: not read, refitting", "dir", e.store.Dir(), "err", err.Error())
		return time.Time{}
	}
	for _, b := range bad {
		e.m.restoreFailures.Inc()
		e.log.Warn("model store: unusable file moved aside, refitting", "err", b.Error())
	}
	want := len(e.cfg.Queries)
	if e.multivariateOn() || e.predictionOn() {
		want++
	}
	e.log.Info("model store: restored", "models", len(restored), "of", want, "series", len(e.series), "routes", len(e.routes))
	if len(restored) < want {
		return time.Time{}
	}
	return oldest
}
