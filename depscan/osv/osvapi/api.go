package osvapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/perfwatch/perfwatch/depscan/osv"
)

// Wire format (https://google.github.io/osv.dev/post-v1-querybatch/).
type (
	query struct {
		Package   osv.Package `json:"package"`
		Version   string      `json:"version"`
		PageToken string      `json:"page_token,omitempty"`
	}
	batchRequest struct {
		Queries []query `json:"queries"`
	}
	batchResponse struct {
		Results []result `json:"results"`
	}
	result struct {
		Vulns         []summary `json:"vulns"`
		NextPageToken string    `json:"next_page_token"`
	}
	summary struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
	}
)

// maxBatchResponse bounds a querybatch answer: 1000 results of ids and times are
// well under a megabyte even for packages with hundreds of advisories.
const maxBatchResponse = 64 << 20

// querybatch sends one POST /v1/querybatch and checks that the answer has one
// result per query, as the API guarantees.
func (c *Client) querybatch(ctx context.Context, batch []query) ([]result, error) {
	body, err := json.Marshal(batchRequest{Queries: batch})
	if err != nil {
		return nil, fmt.Errorf("osvapi: encode querybatch: %w", err)
	}
	var resp batchResponse
	u := c.baseURL() + "/v1/querybatch"
	if err := c.do(ctx, http.MethodPost, u, body, maxBatchResponse, &resp); err != nil {
		return nil, err
	}
	if len(resp.Results) != len(batch) {
		return nil, fmt.Errorf("osvapi: POST %s: %d results for %d queries", u, len(resp.Results), len(batch))
	}
	return resp.Results, nil
}

// vuln fetches one full entry with GET /v1/vulns/{id}.
func (c *Client) vuln(ctx context.Context, id string) (*osv.Vulnerability, error) {
	u := c.baseURL() + "/v1/vulns/" + url.PathEscape(id)
	v := new(osv.Vulnerability)
	if err := c.do(ctx, http.MethodGet, u, nil, osv.MaxEntryBytes, v); err != nil {
		return nil, err
	}
	if v.ID != id {
		return nil, fmt.Errorf("osvapi: GET %s: answered entry %q", u, v.ID)
	}
	return v, nil
}

// statusError is an unsuccessful HTTP answer.
type statusError struct {
	status     int
	retryAfter time.Duration // from Retry-After; 0 when absent
	body       string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, http.StatusText(e.status), e.body)
}

// retryable reports whether an attempt's failure may pass: transport errors,
// 429 and 5xx, not other 4xx and not a body that does not decode.
func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.status == http.StatusTooManyRequests || se.status >= 500
	}
	var de *decodeError
	return !errors.As(err, &de)
}

// decodeError is a 200 answer whose body is not the JSON expected.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "decode response: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// do sends a request, retrying as documented on Client, and decodes the JSON
// answer into out. Errors name the method and URL.
func (c *Client) do(ctx context.Context, method, u string, body []byte, limit int64, out any) error {
	retries := c.Retries
	switch {
	case retries == 0:
		retries = 3
	case retries < 0:
		retries = 0
	}
	wait := c.Backoff
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	maxWait := c.MaxBackoff
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	for attempt := 0; ; attempt++ {
		err := c.attempt(ctx, method, u, body, limit, out)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || attempt == retries || !retryable(err) {
			if attempt > 0 {
				return fmt.Errorf("osvapi: %s %s (after %d attempts): %w", method, u, attempt+1, err)
			}
			return fmt.Errorf("osvapi: %s %s: %w", method, u, err)
		}
		d := wait
		var se *statusError
		if errors.As(err, &se) && se.retryAfter > 0 {
			d = se.retryAfter
		}
		d = min(d, maxWait)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("osvapi: %s %s: %w (waiting to retry after: %v)", method, u, ctx.Err(), err)
		}
		wait = min(2*wait, maxWait)
	}
}

// attempt is one request with its own timeout.
func (c *Client) attempt(ctx context.Context, method, u string, body []byte, limit int64, out any) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &statusError{status: resp.StatusCode, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), body: string(bytes.TrimSpace(msg))}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if int64(len(data)) > limit {
		return &decodeError{fmt.Errorf("larger than %d bytes", limit)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &decodeError{err}
	}
	return nil
}

// parseRetryAfter reads a Retry-After header (RFC 9110 section 10.2.3): delay
// seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
