package dashboards

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	in := Interpolation{RateInterval: time.Minute, Interval: 15 * time.Second, Range: time.Hour,
		Vars: map[string]string{"route": "/api/items/{id}"}}
	for expr, want := range map[string]string{
		`rate(x{job=~"$job"}[$__rate_interval])`:               `rate(x{job=~".*"}[60s])`,
		`sum_over_time(x[$__interval]) / $__range_s`:           `sum_over_time(x[15s]) / 3600`,
		`rate(x{http_route=~"${route}"}[$__range])`:            `rate(x{http_route=~"/api/items/{id}"}[3600s])`,
		`label_replace(x, "class", "${1}xx", "code", "(.)..")`: `label_replace(x, "class", "${1}xx", "code", "(.)..")`,
	} {
		if got := in.Expand(expr); got != want {
			t.Errorf("Expand(%s) = %s, want %s", expr, got, want)
		}
	}
	if got := (Interpolation{RateInterval: 1500 * time.Millisecond}).Expand("[$__rate_interval]"); got != "[1500ms]" {
		t.Errorf("sub-second interval: %s", got)
	}
}

// committedQueries calls each with every dashboard and the queries of its committed JSON.
func committedQueries(t *testing.T, each func(d Definition, qs []Query)) {
	t.Helper()
	for _, d := range All() {
		raw, err := os.ReadFile(d.File)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := Queries(raw)
		if err != nil {
			t.Fatal(err)
		}
		each(d, qs)
	}
}

func TestQueries(t *testing.T) {
	total := 0
	committedQueries(t, func(d Definition, qs []Query) {
		vars := 0
		for _, q := range qs {
			if strings.HasPrefix(q.Panel, "variable ") {
				vars++
			}
			if q.Dashboard != d.UID || q.Expr == "" {
				t.Errorf("%+v", q)
			}
		}
		if vars < 2 || len(qs) < 10 {
			t.Errorf("%s: %d queries, %d of variables", d.File, len(qs), vars)
		}
		total += len(qs)
	})
	if _, err := Queries([]byte(`{"panels":[{"title":"p","targets":[{"refId":"A"}]}]}`)); err == nil {
		t.Error("a target without an expression was accepted")
	}
	if _, err := Queries([]byte(`{"templating":{"list":[{"name":"v","type":"query","query":"up"}]}}`)); err == nil {
		t.Error("a variable that is not label_values was accepted")
	}
	if _, err := Queries([]byte(`not json`)); err == nil {
		t.Error("invalid JSON accepted")
	}
}
