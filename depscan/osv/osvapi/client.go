package osvapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/osv"
)

// DefaultBaseURL is the public OSV API.
const DefaultBaseURL = "https://api.osv.dev"

// MaxBatch is the most queries the OSV API accepts in one querybatch request.
const MaxBatch = 1000

// maxPages bounds the pages followed for one query, so a server that keeps
// answering with a page token cannot keep a scan running.
const maxPages = 100

// Client queries the OSV API. The zero value uses DefaultBaseURL and the defaults
// documented on each field; a Client is safe for concurrent use once configured.
type Client struct {
	// BaseURL is the API's root, without a trailing slash; empty means
	// DefaultBaseURL.
	BaseURL string
	// HTTP sends the requests; nil means http.DefaultClient. Timeout bounds each
	// attempt, 30 seconds when zero.
	HTTP    *http.Client
	Timeout time.Duration
	// Concurrency bounds the GET /v1/vulns requests in flight, 8 when zero.
	Concurrency int
	// BatchSize is the number of queries per querybatch request, MaxBatch when zero
	// or larger.
	BatchSize int
	// Retries is how many times a failed request is retried, 3 when zero (negative
	// means none). Backoff is the first wait, doubled on each retry up to
	// MaxBackoff (500 ms and 30 s when zero); a Retry-After header longer than
	// MaxBackoff is cut to it.
	Retries    int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Cache keeps fetched entries between queries, keyed by id and modified time;
	// nil fetches every entry.
	Cache Cache
}

// Query asks the API which advisories affect pkgs and returns them as a database;
// call its Match for each package. An error leaves no partial result.
func (c *Client) Query(ctx context.Context, pkgs []depscan.Package) (*osv.DB, error) {
	queries := distinctQueries(pkgs)
	modified := make(map[string]string) // id → the latest modified time reported
	var ids []string
	for start := 0; start < len(queries); start += c.batchSize() {
		batch := queries[start:min(start+c.batchSize(), len(queries))]
		if err := c.queryAll(ctx, batch, func(s summary) {
			old, seen := modified[s.ID]
			if !seen {
				ids = append(ids, s.ID)
			}
			if !seen || s.Modified > old {
				modified[s.ID] = s.Modified
			}
		}); err != nil {
			return nil, err
		}
	}
	vulns, err := c.fetchAll(ctx, ids, modified)
	if err != nil {
		return nil, err
	}
	return osv.FromEntries(vulns), nil
}

// distinctQueries turns packages into API queries, once per (ecosystem, name,
// version) and only for packages with a version.
func distinctQueries(pkgs []depscan.Package) []query {
	seen := make(map[query]bool)
	var out []query
	for _, p := range pkgs {
		if p.Version == "" {
			continue
		}
		q := query{Package: osv.Package{Ecosystem: string(p.Ecosystem), Name: p.Name}, Version: apiVersion(p)}
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	return out
}

// apiVersion is the version as the API is asked about it: Go's without its "v".
func apiVersion(p depscan.Package) string {
	if p.Ecosystem == depscan.Go {
		return strings.TrimPrefix(p.Version, "v")
	}
	return p.Version
}

// queryAll sends one batch and then the queries still paged, with their page
// tokens, until none is; found is called for every vuln summary.
func (c *Client) queryAll(ctx context.Context, batch []query, found func(summary)) error {
	for page := 0; len(batch) > 0; page++ {
		if page == maxPages {
			return fmt.Errorf("osvapi: %s still pages after %d pages", batch[0].Package.Name, maxPages)
		}
		results, err := c.querybatch(ctx, batch)
		if err != nil {
			return err
		}
		var next []query
		for i, r := range results {
			for _, v := range r.Vulns {
				found(v)
			}
			if r.NextPageToken != "" {
				q := batch[i]
				q.PageToken = r.NextPageToken
				next = append(next, q)
			}
		}
		batch = next
	}
	return nil
}

// fetchAll gets the entries for ids, from the cache when it holds them under the
// modified time the batch reported, else from the API, at most Concurrency at once.
// The first error cancels the rest.
func (c *Client) fetchAll(ctx context.Context, ids []string, modified map[string]string) ([]*osv.Vulnerability, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	vulns := make([]*osv.Vulnerability, len(ids))
	sem := make(chan struct{}, c.concurrency())
	var wg sync.WaitGroup
	for i, id := range ids {
		if c.Cache != nil {
			if v, ok := c.Cache.Get(id, modified[id]); ok {
				vulns[i] = v
				continue
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v, err := c.vuln(ctx, id)
			if err != nil {
				cancel(err)
				return
			}
			if c.Cache != nil {
				if err := c.Cache.Put(v); err != nil {
					cancel(err)
					return
				}
			}
			vulns[i] = v
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return vulns, nil
}

func (c *Client) baseURL() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimSuffix(c.BaseURL, "/")
}

func (c *Client) batchSize() int {
	if c.BatchSize <= 0 || c.BatchSize > MaxBatch {
		return MaxBatch
	}
	return c.BatchSize
}

func (c *Client) concurrency() int {
	if c.Concurrency <= 0 {
		return 8
	}
	return c.Concurrency
}
