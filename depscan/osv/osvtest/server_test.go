package osvtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan/osv"
)

// entries: two advisories that alias each other but affect different packages,
// so a merged finding for one package must not list the other's entry.
var entries = []*osv.Vulnerability{
	{ID: "GHSA-aaaa-bbbb-cccc", Modified: "2024-01-01T00:00:00Z", Aliases: []string{"CVE-2024-0001"},
		Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "left-pad"}, Ranges: []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: "1.3.0"}}}}}}},
	{ID: "GHSA-dddd-eeee-ffff", Modified: "2024-02-01T00:00:00Z", Aliases: []string{"CVE-2024-0001"},
		Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "right-pad"}, Ranges: []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: "2.0.0"}}}}}}},
	{ID: "GHSA-gggg-hhhh-iiii", Modified: "2024-03-01T00:00:00Z",
		Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "left-pad"}, Versions: []string{"1.1.0"}}}},
}

func post(t *testing.T, s *Server, body string) (int, string) {
	t.Helper()
	resp, err := s.Client().Post(s.URL+"/v1/querybatch", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readAll(t, resp)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestQuerybatch(t *testing.T) {
	s := New(entries)
	defer s.Close()
	q := func(name, version, token string) string {
		return fmt.Sprintf(`{"package": {"ecosystem": "npm", "name": %q}, "version": %q, "page_token": %q}`, name, version, token)
	}
	many := strings.Repeat(q("left-pad", "1.0.0", "")+",", MaxBatch) + q("left-pad", "1.0.0", "")
	for _, tt := range []struct {
		name, body string
		pageSize   int
		status     int
		want       string
	}{
		{"aliased entry of another package left out", `{"queries": [` + q("left-pad", "1.1.0", "") + `]}`, 0, 200,
			`{"results":[{"vulns":[{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z"},{"id":"GHSA-gggg-hhhh-iiii","modified":"2024-03-01T00:00:00Z"}]}]}`},
		{"results in query order, empty when nothing matches", `{"queries": [` + q("right-pad", "1.0.0", "") + `,` + q("left-pad", "9.0.0", "") + `]}`, 0, 200,
			`{"results":[{"vulns":[{"id":"GHSA-dddd-eeee-ffff","modified":"2024-02-01T00:00:00Z"}]},{}]}`},
		{"first page", `{"queries": [` + q("left-pad", "1.1.0", "") + `]}`, 1, 200,
			`{"results":[{"next_page_token":"offset-1","vulns":[{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z"}]}]}`},
		{"last page", `{"queries": [` + q("left-pad", "1.1.0", "offset-1") + `]}`, 1, 200,
			`{"results":[{"vulns":[{"id":"GHSA-gggg-hhhh-iiii","modified":"2024-03-01T00:00:00Z"}]}]}`},
		{"bad page token", `{"queries": [` + q("left-pad", "1.1.0", "offset-9") + `]}`, 1, 400, `invalid page_token`},
		{"over 1000 queries", `{"queries": [` + many + `]}`, 0, 400, "too many queries: 1001"},
		{"no version", `{"queries": [{"package": {"ecosystem": "npm", "name": "left-pad"}}]}`, 0, 400, "version are required"},
		{"commit", `{"queries": [{"commit": "6879efc2c1596d11a6a6ad296f80063b558d5e0f"}]}`, 0, 400, "commit queries"},
		{"malformed body", `{"queries": [`, 0, 400, "invalid request body"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.PageSize = tt.pageSize
			status, body := post(t, s, tt.body)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s, want %d containing %s", status, body, tt.status, tt.want)
			}
		})
	}
}

func TestVulns(t *testing.T) {
	s := New(entries)
	defer s.Close()
	for id, want := range map[string]int{"GHSA-dddd-eeee-ffff": 200, "CVE-2024-0001": 404, "nothing": 404} {
		resp, err := s.Client().Get(s.URL + "/v1/vulns/" + id)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200 && !strings.Contains(body, `"id":"`+id+`"`)) {
			t.Errorf("GET %s: %d %s", id, resp.StatusCode, body)
		}
	}
	if s.Requests("vulns") != 3 {
		t.Errorf("%d vulns requests counted", s.Requests("vulns"))
	}
}

func TestFaultsPlayInOrderPerEndpoint(t *testing.T) {
	s := New(entries)
	defer s.Close()
	s.Inject(Fault{Endpoint: "vulns", Status: 500}, Fault{Status: 429, RetryAfter: "7"}, Fault{Malformed: true})
	get := func() *http.Response {
		resp, err := s.Client().Get(s.URL + "/v1/vulns/GHSA-dddd-eeee-ffff")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if status, body := post(t, s, `{"queries": []}`); status != 429 || !strings.Contains(body, `"code":8`) {
		t.Errorf("first querybatch: %d %s, want the 429 (the 500 is for vulns)", status, body)
	}
	if r := get(); r.StatusCode != 500 {
		t.Errorf("first vulns: %d, want 500", r.StatusCode)
	}
	resp, err := s.Client().Post(s.URL+"/v1/querybatch", "application/json", strings.NewReader(`{"queries": []}`))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err == nil || resp.StatusCode != 200 {
		t.Errorf("malformed fault: %d, decode error %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if r := get(); r.StatusCode != 200 || s.Pending() != 0 {
		t.Errorf("after the faults: %d, %d pending", r.StatusCode, s.Pending())
	}
}
