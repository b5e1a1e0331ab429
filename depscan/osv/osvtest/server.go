// Package osvtest is an in-process server speaking the OSV API
// (https://google.github.io/osv.dev/api/) over a fixed set of entries, for tests
// of clients that cannot reach api.osv.dev: POST /v1/querybatch and GET
// /v1/vulns/{id}, with matching done by depscan/osv's DB.Match, results split into
// pages of a configurable size, the real API's limit of 1000 queries per batch, and
// injectable faults (error statuses with Retry-After, delays, malformed bodies).
package osvtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/osv"
)

// MaxBatch is the most queries the OSV API accepts in one querybatch request.
const MaxBatch = 1000

// Server is a running test server. Its URL is the base URL to give a client.
type Server struct {
	*httptest.Server

	db      *osv.DB
	entries map[string]*osv.DB // one single-entry DB per id, to match entries one by one
	// PageSize bounds the vulns in one result; more set next_page_token. Zero means
	// no paging. Set it before the first request.
	PageSize int

	mu          sync.Mutex
	faults      []Fault
	requests    map[string]int
	inFlight    map[string]int
	maxInFlight map[string]int
	queries     int
}

// New starts a server over entries; Close it when done. Entries without an id are
// left out, as osv.FromEntries leaves them out.
func New(entries []*osv.Vulnerability) *Server {
	s := &Server{
		db:          osv.FromEntries(entries),
		entries:     make(map[string]*osv.DB, len(entries)),
		requests:    make(map[string]int),
		inFlight:    make(map[string]int),
		maxInFlight: make(map[string]int),
	}
	for _, v := range entries {
		if v != nil && v.ID != "" {
			s.entries[v.ID] = osv.FromEntries([]*osv.Vulnerability{v})
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/querybatch", s.querybatch)
	mux.HandleFunc("GET /v1/vulns/{id}", s.vuln)
	s.Server = httptest.NewServer(s.faulty(mux))
	return s
}

// Requests returns how many requests reached an endpoint, "querybatch" or
// "vulns", faulty ones included.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// Queries returns how many queries all querybatch requests carried.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// Wire format of the OSV API (https://google.github.io/osv.dev/post-v1-querybatch/).
type (
	batchRequest struct {
		Queries []query `json:"queries"`
	}
	query struct {
		Package   osv.Package `json:"package"`
		Version   string      `json:"version,omitempty"`
		Commit    string      `json:"commit,omitempty"`
		PageToken string      `json:"page_token,omitempty"`
	}
	batchResponse struct {
		Results []result `json:"results"`
	}
	result struct {
		Vulns         []summary `json:"vulns,omitempty"`
		NextPageToken string    `json:"next_page_token,omitempty"`
	}
	summary struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
	}
)

func (s *Server) querybatch(w http.ResponseWriter, r *http.Request) {
	var req batchRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, "invalid request body: "+err.Error())
		return
	}
	if len(req.Queries) > MaxBatch {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("too many queries: %d, at most %d", len(req.Queries), MaxBatch))
		return
	}
	s.mu.Lock()
	s.queries += len(req.Queries)
	s.mu.Unlock()
	resp := batchResponse{Results: make([]result, len(req.Queries))}
	for i, q := range req.Queries {
		ids, err := s.match(q)
		if err != nil {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("query %d: %v", i, err))
			return
		}
		start := 0
		if q.PageToken != "" {
			if start, err = strconv.Atoi(strings.TrimPrefix(q.PageToken, "offset-")); err != nil || start < 0 || start > len(ids) {
				httpError(w, http.StatusBadRequest, fmt.Sprintf("query %d: invalid page_token %q", i, q.PageToken))
				return
			}
		}
		end := len(ids)
		if s.PageSize > 0 && end-start > s.PageSize {
			end = start + s.PageSize
			resp.Results[i].NextPageToken = "offset-" + strconv.Itoa(end)
		}
		for _, id := range ids[start:end] {
			resp.Results[i].Vulns = append(resp.Results[i].Vulns, summary{ID: id, Modified: s.db.Get(id).Modified})
		}
	}
	writeJSON(w, resp)
}

// match returns the ids, sorted, of the entries that affect the queried package
// version: the candidates DB.Match merged into findings, each kept only if it
// matches on its own, as the API lists entries, not merged findings.
func (s *Server) match(q query) ([]string, error) {
	if q.Commit != "" {
		return nil, fmt.Errorf("commit queries are not supported by osvtest")
	}
	if q.Package.Name == "" || q.Package.Ecosystem == "" || q.Version == "" {
		return nil, fmt.Errorf("package name, ecosystem and version are required")
	}
	pkg := depscan.Package{Name: q.Package.Name, Ecosystem: depscan.Ecosystem(q.Package.Ecosystem), Version: q.Version}
	var ids []string
	for _, f := range s.db.Match(pkg) {
		for _, id := range append([]string{f.ID}, f.Aliases...) {
			if one := s.entries[id]; one != nil && len(one.Match(pkg)) > 0 && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (s *Server) vuln(w http.ResponseWriter, r *http.Request) {
	v := s.db.Get(r.PathValue("id"))
	if v == nil {
		httpError(w, http.StatusNotFound, "Bug not found.")
		return
	}
	writeJSON(w, v)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		// The client went away mid-response; there is no one left to tell.
		return
	}
}

// httpError answers as the OSV API does: {"code": gRPC code, "message": text}.
func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": grpcCode(status), "message": msg})
}

func grpcCode(status int) int {
	switch status {
	case http.StatusBadRequest:
		return 3 // INVALID_ARGUMENT
	case http.StatusNotFound:
		return 5 // NOT_FOUND
	case http.StatusTooManyRequests:
		return 8 // RESOURCE_EXHAUSTED
	case http.StatusServiceUnavailable:
		return 14 // UNAVAILABLE
	}
	return 13 // INTERNAL
}

// endpoint names a request's endpoint for Requests and Fault.Endpoint.
func endpoint(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/v1/vulns/") {
		return "vulns"
	}
	return strings.TrimPrefix(r.URL.Path, "/v1/")
}

// sleep waits d or until the request is cancelled.
func sleep(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}
