package recommend

import (
	"encoding/json"
	"fmt"
	"math"
)

// evidenceJSON is Evidence as JSON: unknown numbers are null, since JSON has no NaN
// and encoding/json refuses to write one.
type evidenceJSON struct {
	Job                  string             `json:"job"`
	Route                string             `json:"http_route"`
	RequestRate          *float64           `json:"request_rate"`
	LatencyP95           *float64           `json:"latency_p95_seconds"`
	SlowRatio            *float64           `json:"slow_ratio"`
	NPlusOneRatio        *float64           `json:"n_plus_one_ratio"`
	DBTimeShare          *float64           `json:"db_time_share"`
	DBQueriesPerRequest  *float64           `json:"db_queries_per_request"`
	CacheHitRatio        map[string]float64 `json:"cache_hit_ratio,omitempty"`
	CPUUtilisation       *float64           `json:"cpu_utilisation"`
	Importance           map[string]float64 `json:"feature_importance,omitempty"`
	PredictedLatency1_5x *float64           `json:"predicted_latency_1_5x_seconds"`
	PredictedLatency2x   *float64           `json:"predicted_latency_2x_seconds"`
	PredictionR2         *float64           `json:"prediction_r2"`
}

// MarshalJSON writes unknown (NaN or infinite) numbers as null and leaves them out of
// the maps.
func (e Evidence) MarshalJSON() ([]byte, error) {
	opt := func(v float64) *float64 {
		if !known(v) {
			return nil
		}
		return &v
	}
	finite := func(m map[string]float64) map[string]float64 {
		var out map[string]float64
		for k, v := range m {
			if known(v) {
				if out == nil {
					out = map[string]float64{}
				}
				out[k] = v
			}
		}
		return out
	}
	b, err := json.Marshal(evidenceJSON{
		Job: e.Job, Route: e.Route,
		RequestRate: opt(e.RequestRate), LatencyP95: opt(e.LatencyP95), SlowRatio: opt(e.SlowRatio),
		NPlusOneRatio: opt(e.NPlusOneRatio), DBTimeShare: opt(e.DBTimeShare), DBQueriesPerRequest: opt(e.DBQueriesPerRequest),
		CacheHitRatio: finite(e.CacheHitRatio), CPUUtilisation: opt(e.CPUUtilisation), Importance: finite(e.Importance),
		PredictedLatency1_5x: opt(e.PredictedLatency1_5x), PredictedLatency2x: opt(e.PredictedLatency2x), PredictionR2: opt(e.PredictionR2),
	})
	if err != nil {
		return nil, fmt.Errorf("recommend: encode evidence of %s %s: %w", e.Job, e.Route, err)
	}
	return b, nil
}

// UnmarshalJSON reads what MarshalJSON writes: null or absent numbers become NaN.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	var j evidenceJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("recommend: decode evidence: %w", err)
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*e = Evidence{
		Job: j.Job, Route: j.Route,
		RequestRate: val(j.RequestRate), LatencyP95: val(j.LatencyP95), SlowRatio: val(j.SlowRatio),
		NPlusOneRatio: val(j.NPlusOneRatio), DBTimeShare: val(j.DBTimeShare), DBQueriesPerRequest: val(j.DBQueriesPerRequest),
		CacheHitRatio: j.CacheHitRatio, CPUUtilisation: val(j.CPUUtilisation), Importance: j.Importance,
		PredictedLatency1_5x: val(j.PredictedLatency1_5x), PredictedLatency2x: val(j.PredictedLatency2x), PredictionR2: val(j.PredictionR2),
	}
	return nil
}
