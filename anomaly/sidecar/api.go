package sidecar

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/recommend"
)

// APIPrefix is where Handler's endpoints live.
const APIPrefix = "/api/v1/"

// Handler serves the JSON API (docs/anomaly.md): GET recommendations, predictions
// and status, and POST fit, which asks for a refit now (the seed's "optimize"). Put it
// behind the same web configuration (TLS, basic auth) as /metrics.
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+APIPrefix+"recommendations", e.serveRecommendations)
	mux.HandleFunc("GET "+APIPrefix+"predictions", e.servePredictions)
	mux.HandleFunc("GET "+APIPrefix+"status", e.serveStatus)
	mux.HandleFunc("POST "+APIPrefix+"fit", e.serveFit)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the status is out; a client that went away cannot be told
}

type errorBody struct {
	Error string `json:"error"`
}

func (e *Engine) serveRecommendations(w http.ResponseWriter, _ *http.Request) {
	s := e.snapshot()
	recs := s.recs
	if recs == nil {
		recs = []recommend.Recommendation{}
	}
	writeJSON(w, http.StatusOK, struct {
		At              time.Time                  `json:"at"`
		Recommendations []recommend.Recommendation `json:"recommendations"`
	}{s.at, recs})
}

// finite turns NaN and infinities, which JSON cannot hold, into null.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

type predictionJSON struct {
	Job          string              `json:"job"`
	Route        string              `json:"http_route"`
	Latency      map[string]*float64 `json:"latency_seconds"`
	Extrapolated map[string]bool     `json:"extrapolated"`
	OOBRMSE      *float64            `json:"oob_rmse_seconds"`
	OOBR2        *float64            `json:"oob_r2"`
	Multivariate *float64            `json:"multivariate_score"`
}

func (e *Engine) servePredictions(w http.ResponseWriter, _ *http.Request) {
	s := e.snapshot()
	out := struct {
		At         time.Time           `json:"at"`
		Importance map[string]*float64 `json:"feature_importance"`
		Routes     []predictionJSON    `json:"routes"`
	}{At: s.at, Importance: map[string]*float64{}, Routes: []predictionJSON{}}
	for f, v := range s.importance {
		out.Importance[f] = finite(v)
	}
	for _, r := range s.routes {
		p := predictionJSON{Job: r.key.job, Route: r.key.route, Latency: map[string]*float64{}, Extrapolated: r.extrapol}
		for sc, v := range r.prediction {
			p.Latency[sc] = finite(v)
		}
		if r.hasRF {
			p.OOBRMSE, p.OOBR2 = finite(r.rmse), finite(r.r2)
		}
		if r.isoOK {
			p.Multivariate = finite(r.iso)
		}
		out.Routes = append(out.Routes, p)
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Engine) serveStatus(w http.ResponseWriter, _ *http.Request) {
	s := e.snapshot()
	counts := map[string]map[string]int{}
	for k, n := range s.counts {
		if counts[k[0]] == nil {
			counts[k[0]] = map[string]int{}
		}
		counts[k[0]][k[1]] = n
	}
	queries := make([]string, 0, len(e.cfg.Queries))
	for _, q := range e.cfg.Queries {
		queries = append(queries, q.Name)
	}
	slices.Sort(queries)
	writeJSON(w, http.StatusOK, struct {
		At      time.Time                 `json:"at"`
		Shard   string                    `json:"shard"`
		Queries []string                  `json:"queries"`
		Models  map[string]map[string]int `json:"models"`
	}{s.at, e.shard.String(), queries, counts})
}

// serveFit asks for a refit. A browser on another site must not be able to make an
// authenticated user's browser trigger one, so a cross-origin request is refused.
func (e *Engine) serveFit(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			writeJSON(w, http.StatusForbidden, errorBody{"cross-origin request refused"})
			return
		}
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		writeJSON(w, http.StatusForbidden, errorBody{"cross-site request refused"})
		return
	}
	e.Refit()
	writeJSON(w, http.StatusAccepted, struct {
		Status string `json:"status"`
	}{"refit scheduled"})
}
