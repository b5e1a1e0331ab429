package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"testing"
	"time"
)

// TestTargetDownInhibits checks the shipped alertmanager.yml's rule that a target which
// cannot be scraped mutes the other alerts about that target, but not about others.
// amtool cannot test inhibitions, so the alerts go straight to a real Alertmanager.
func TestTargetDownInhibits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	am, _, _ := startShippedAlertmanager(ctx, t, "inhibition")

	down := map[string]string{"job": "shop", "instance": "10.0.0.1:9111"}
	alert := func(name, instance string) map[string]any {
		return map[string]any{
			"labels": map[string]string{"alertname": name, "severity": "high", "job": down["job"],
				"instance": instance, "http_route": "/api/items/{id}"},
			"startsAt": time.Now().UTC().Format(time.RFC3339),
		}
	}
	if err := am.post(ctx, []map[string]any{
		alert("TargetDown", down["instance"]),
		alert("HTTPRouteErrorRate", down["instance"]), // the same target: muted
		alert("HTTPRouteErrorRate", "10.0.0.2:9111"),  // another target: not muted
	}); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if !eventually(30*time.Second, func() bool {
		as, err := am.alerts(ctx)
		if err != nil {
			return false
		}
		got = map[string]string{}
		for _, a := range as {
			got[a.Labels["alertname"]+" "+a.Labels["instance"]] = a.Status.State
		}
		return len(got) == 3 && got["HTTPRouteErrorRate 10.0.0.1:9111"] == "suppressed"
	}) {
		t.Fatalf("alert states %v", got)
	}
	if got["TargetDown 10.0.0.1:9111"] != "active" || got["HTTPRouteErrorRate 10.0.0.2:9111"] != "active" {
		t.Errorf("alert states %v: TargetDown and the other target's alert must stay active", got)
	}
}

// TestSeverityInhibitionLadder checks the shipped severity inhibitions on a real
// Alertmanager: each severity mutes the lower ones of the same alert about the same thing
// (critical, high and medium alike, medium muting low being the newest rung), never the
// same alert about another thing, and alerts of a missing or unknown severity are
// neither muted by a critical one nor mute a low one.
func TestSeverityInhibitionLadder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	am, _, _ := startShippedAlertmanager(ctx, t, "inhibition-ladder")

	const job = "e2e-ladder"
	type alert struct{ name, severity, instance, want string }
	cases := []alert{
		{"LadderMedium", "medium", "a:1", "active"},
		{"LadderMedium", "low", "a:1", "suppressed"}, // medium mutes low
		{"LadderMedium", "low", "b:1", "active"},     // of another instance: not muted
		{"LadderHigh", "high", "a:1", "active"},
		{"LadderHigh", "medium", "a:1", "suppressed"},
		{"LadderHigh", "low", "a:1", "suppressed"},
		{"LadderCritical", "critical", "a:1", "active"},
		{"LadderCritical", "high", "a:1", "suppressed"},
		{"LadderCritical", "warning", "a:1", "active"}, // unknown: no severity rule targets it
		{"LadderCritical", "", "a:1", "active"},        // missing: likewise
		{"LadderUnknown", "warning", "a:1", "active"},
		{"LadderUnknown", "low", "a:1", "active"}, // an unknown severity mutes nothing
	}
	key := func(name, severity, instance string) string { return name + " " + severity + " " + instance }
	var post []map[string]any
	for _, c := range cases {
		labels := map[string]string{"alertname": c.name, "job": job, "instance": c.instance}
		if c.severity != "" {
			labels["severity"] = c.severity
		}
		post = append(post, map[string]any{"labels": labels, "startsAt": time.Now().UTC().Format(time.RFC3339)})
	}
	if err := am.post(ctx, post); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, c := range cases {
		want[key(c.name, c.severity, c.instance)] = c.want
	}
	var got map[string]string
	if !eventually(30*time.Second, func() bool {
		as, err := am.alerts(ctx, fmt.Sprintf("job=%q", job))
		if err != nil {
			return false
		}
		got = map[string]string{}
		for _, a := range as {
			got[key(a.Labels["alertname"], a.Labels["severity"], a.Labels["instance"])] = a.Status.State
		}
		return maps.Equal(got, want)
	}) {
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: state %q, want %q", k, got[k], w)
			}
		}
	}
}

// post sends alerts to Alertmanager's API v2, as Prometheus does.
func (s *alertmanagerServer) post(ctx context.Context, alerts []map[string]any) error {
	body, err := json.Marshal(alerts)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/v2/alerts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("post alerts: %s", resp.Status)
	}
	return nil
}
