package exporter

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPressureCollector(t *testing.T) {
	runCollectorCases(t, newPressureCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_pressure_cpu_waiting_seconds_total":    2025.750503,
			"node_pressure_io_waiting_seconds_total":     34.166675,
			"node_pressure_io_stalled_seconds_total":     19.025347,
			"node_pressure_memory_waiting_seconds_total": 1.5,
			"node_pressure_memory_stalled_seconds_total": 0.5,
			"node_pressure_irq_stalled_seconds_total":    2.5,
		}},
		// io is malformed, memory missing: cpu is kept, the collector fails for io only.
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{
			"node_pressure_cpu_waiting_seconds_total": 2025.750503,
		}, wantErr: "pressure stats for io"},
		// No /proc/pressure (kernel < 4.20 or CONFIG_PSI off): nothing, no error.
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}},
	})
}

// procTree writes files (path relative to the proc root → content) under a
// temporary directory and returns it, for malformed-input cases.
func procTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Malformed input, against the format of Documentation/accounting/psi.rst:
// "some avg10=%f avg60=%f avg300=%f total=%u" and the same for "full".
func TestPressureMalformed(t *testing.T) {
	const ok = "some avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n"
	runCollectorCases(t, newPressureCollector, []collectorCase{
		// An empty file has neither line: nothing for the resource, no error.
		{name: "empty", proc: procTree(t, map[string]string{"pressure/cpu": ""}), want: map[string]float64{}},
		// Truncated, non-numeric or out-of-range lines fail that resource only.
		{name: "truncated", proc: procTree(t, map[string]string{
			"pressure/cpu": ok, "pressure/io": "some avg10=0.00 avg60=0.00\n",
		}), want: map[string]float64{"node_pressure_cpu_waiting_seconds_total": 1}, wantErr: "pressure stats for io"},
		{name: "bare some", proc: procTree(t, map[string]string{"pressure/memory": "some\n", "pressure/cpu": ok}),
			want: map[string]float64{"node_pressure_cpu_waiting_seconds_total": 1}, wantErr: "pressure stats for memory"},
		{name: "non-numeric average", proc: procTree(t, map[string]string{
			"pressure/io": "some avg10=x avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=5\n",
		}), want: map[string]float64{}, wantErr: "pressure stats for io"},
		// A bad full line loses the good some line of the same file too.
		{name: "non-numeric total", proc: procTree(t, map[string]string{
			"pressure/io": "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=abc\n",
		}), want: map[string]float64{}, wantErr: "pressure stats for io"},
		{name: "total overflows", proc: procTree(t, map[string]string{
			"pressure/cpu": "some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n",
		}), want: map[string]float64{}, wantErr: "pressure stats for cpu"},
		// The largest u64 total, and lines of kinds to come are ignored.
		{name: "huge total", proc: procTree(t, map[string]string{
			"pressure/cpu": "some avg10=100.00 avg60=99.99 avg300=0.01 total=18446744073709551615\nnewkind avg10=x\n",
		}), want: map[string]float64{"node_pressure_cpu_waiting_seconds_total": 18446744073709551615 / 1e6}},
	})
}
