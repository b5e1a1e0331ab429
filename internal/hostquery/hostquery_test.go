package hostquery

import (
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

func TestCPUBusy(t *testing.T) {
	got := CPUBusy(` job="node" `, "5m")
	want := "1 - avg without (cpu) (\n  sum without (mode) (rate(node_cpu_seconds_total{job=\"node\", mode=~\"idle|iowait|steal\"}[5m]))\n)"
	if got != want {
		t.Errorf("CPUBusy = %q, want %q", got, want)
	}
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(CPUBusy("", "1m")); err != nil {
		t.Errorf("CPUBusy without selector: %v", err)
	}
}

func TestFilesystemMatchers(t *testing.T) {
	if _, err := parser.NewParser(parser.Options{}).ParseExpr("node_filesystem_avail_bytes{" + FilesystemMatchers + "}"); err != nil {
		t.Fatal(err)
	}
}
