package dashboards

import (
	"os"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/internal/hostquery"
)

// TestSystemSharesHostRuleDefinitions checks that every CPU usage and filesystem query of
// the System dashboard uses internal/hostquery's definitions, the ones the host rules
// (HostCPUHighUsage, the filesystem alerts) are generated from.
func TestSystemSharesHostRuleDefinitions(t *testing.T) {
	raw, err := os.ReadFile("system.json")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Queries(raw)
	if err != nil {
		t.Fatal(err)
	}
	busy := hostquery.CPUBusy(nodeSel, "$__rate_interval")
	var cpu, fs int
	for _, q := range qs {
		if strings.Contains(q.Expr, `mode=~"idle|iowait|steal"`) || strings.Contains(q.Expr, `mode="idle"}[`) {
			if !strings.Contains(q.Expr, busy) {
				t.Errorf("panel %q: CPU usage %q does not use hostquery.CPUBusy", q.Panel, q.Expr)
			}
			cpu++
		}
		if strings.Contains(q.Expr, "node_filesystem_") {
			if n, m := strings.Count(q.Expr, "node_filesystem_"), strings.Count(q.Expr, hostquery.FilesystemMatchers); n != m {
				t.Errorf("panel %q: %d of %d filesystem selectors use hostquery.FilesystemMatchers: %s", q.Panel, m, n, q.Expr)
			}
			fs++
		}
	}
	if cpu < 2 || fs < 3 {
		t.Errorf("found %d CPU usage and %d filesystem queries, want at least 2 and 3", cpu, fs)
	}
}
