package dashboards

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// A Query is one target of one panel, as Grafana would send it to Prometheus.
type Query struct {
	Dashboard, Panel, RefID string
	Expr                    string
	Instant                 bool
}

// Queries lists every Prometheus target of every panel of a dashboard's JSON, with the
// dashboard's query variables too (their label_values selectors as queries).
func Queries(raw []byte) ([]Query, error) {
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RefID   string `json:"refId"`
				Expr    string `json:"expr"`
				Instant bool   `json:"instant"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode dashboard: %w", err)
	}
	var out []Query
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, ok := v.Query.(string)
		m := labelValues.FindStringSubmatch(q)
		if !ok || m == nil {
			return nil, fmt.Errorf("dashboard %s: variable %s: want label_values(selector, label), got %v", d.UID, v.Name, v.Query)
		}
		out = append(out, Query{Dashboard: d.UID, Panel: "variable " + v.Name, Expr: m[1], Instant: true})
	}
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			if strings.TrimSpace(t.Expr) == "" {
				return nil, fmt.Errorf("dashboard %s: panel %q target %s has no expression", d.UID, p.Title, t.RefID)
			}
			out = append(out, Query{Dashboard: d.UID, Panel: p.Title, RefID: t.RefID, Expr: t.Expr, Instant: t.Instant})
		}
	}
	return out, nil
}

var labelValues = regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)

// Interpolation holds what Grafana substitutes into a query before sending it.
type Interpolation struct {
	// RateInterval, Interval and Range stand for $__rate_interval, $__interval and $__range.
	RateInterval, Interval, Range time.Duration
	// Vars are the template variables' values; a variable left out is "All" (".*").
	Vars map[string]string
}

var variable = regexp.MustCompile(`\$\{?(__rate_interval|__interval|__range_s|__range|[A-Za-z_][A-Za-z0-9_]*)\}?`)

// Expand substitutes Grafana's built-in and template variables in expr as Grafana does
// for a Prometheus query.
func (in Interpolation) Expand(expr string) string {
	return variable.ReplaceAllStringFunc(expr, func(m string) string {
		name := strings.Trim(m, "${}")
		switch name {
		case "__rate_interval":
			return promDuration(in.RateInterval)
		case "__interval":
			return promDuration(in.Interval)
		case "__range":
			return promDuration(in.Range)
		case "__range_s":
			return fmt.Sprint(int(in.Range.Seconds()))
		}
		if v, ok := in.Vars[name]; ok {
			return v
		}
		return ".*"
	})
}

// promDuration writes d the way PromQL reads it (whole seconds or milliseconds).
func promDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}
