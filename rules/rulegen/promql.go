package rulegen

import (
	"github.com/perfwatch/perfwatch/internal/promql"

	"fmt"
	"strconv"
)

// sel writes metric{matchers} joining the configured selector with the rule's own
// matchers, skipping empty ones.
func sel(metric string, matchers ...string) string {
	return promql.Selector(metric, matchers...)
}

// leMatcher selects the histogram bucket whose upper bound is seconds. Prometheus 2
// keeps the exposition's text ("1"), Prometheus 3 normalises it to a float ("1.0"),
// so integral bounds match both spellings.
func leMatcher(seconds float64) string { return promql.LeMatcher(seconds) }

// num formats a threshold for an expression.
func num(f float64) string { return promql.Number(f) }

// pct formats a ratio as a percentage for descriptions ("5%", "99.9%").
func pct(f float64) string {
	return strconv.FormatFloat(f*100, 'g', 4, 64) + "%"
}

// windowName is the suffix of recording rules over a window: rate5m, rate1d.
func windowName(d Duration) string {
	return "rate" + d.String()
}

// seconds formats a duration in seconds for predict_linear.
func seconds(d Duration) string {
	return strconv.FormatInt(int64(d)/1e9, 10)
}

// minRate keeps expr's series only where requests, matched on the labels in on, is
// above min, so that ratios over little traffic (one failure in three requests) do not
// alert. min 0 leaves expr as it is.
func minRate(expr, on, requests string, min float64) string {
	if min <= 0 {
		return expr
	}
	return fmt.Sprintf("%s\nand on (%s)\n%s > %s", expr, on, requests, num(min))
}
