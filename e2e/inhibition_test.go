package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
