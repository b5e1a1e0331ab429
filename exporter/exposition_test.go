package exporter

import (
	"math"
	"strings"
	"testing"
)

func TestAppendTextFormatsAndGroupsFamilies(t *testing.T) {
	a := NewDesc("test_b_total", "B counter.", Counter, "x")
	g := NewDesc("test_a", "A gauge with \\ and\nnewline.", Gauge)
	var b Batch
	b.Add(a, 1, `quote"back\slash`)
	b.Add(g, 0.5)
	b.Add(a, 2, "line\nbreak")
	got := string(b.AppendText(nil))
	want := `# HELP test_a A gauge with \\ and\nnewline.
# TYPE test_a gauge
test_a 0.5
# HELP test_b_total B counter.
# TYPE test_b_total counter
test_b_total{x="quote\"back\\slash"} 1
test_b_total{x="line\nbreak"} 2
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	mfs := parseText(t, []byte(got))
	if v := mfs["test_b_total"].GetMetric()[0].GetLabel()[0].GetValue(); v != `quote"back\slash` {
		t.Errorf("label round trip: got %q", v)
	}
}

func TestAppendFloatMatchesExpfmt(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {1, "1"}, {-1, "-1"}, {0.25, "0.25"}, {2.70553174016e+11, "2.70553174016e+11"},
		{math.NaN(), "NaN"}, {math.Inf(1), "+Inf"}, {math.Inf(-1), "-Inf"}, {1234567, "1.234567e+06"},
	} {
		if got := string(appendFloat(nil, tc.in)); got != tc.want {
			t.Errorf("appendFloat(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBatchAddPanicsOnLabelMismatch(t *testing.T) {
	d := NewDesc("test_x", "x", Gauge, "a", "b")
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "takes 2 label values") {
			t.Fatalf("want panic about label count, got %v", r)
		}
	}()
	var b Batch
	b.Add(d, 1, "only-one")
}

func TestNewDescRejectsInvalidNames(t *testing.T) {
	for _, tc := range []struct{ name, label string }{{"1bad", ""}, {"ok", "bad-label"}, {"ok", "__reserved"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewDesc(%q, label %q) did not panic", tc.name, tc.label)
				}
			}()
			if tc.label == "" {
				NewDesc(tc.name, "h", Gauge)
			} else {
				NewDesc(tc.name, "h", Gauge, tc.label)
			}
		}()
	}
}

func TestBatchResetReusesStorage(t *testing.T) {
	d := NewDesc("test_y", "y", Gauge, "l")
	var b Batch
	b.Add(d, 1, "v")
	b.Reset()
	if b.Len() != 0 {
		t.Fatalf("Len after Reset = %d", b.Len())
	}
	b.Add(d, 2, "w")
	if got := string(b.AppendText(nil)); !strings.Contains(got, `test_y{l="w"} 2`) || strings.Contains(got, `"v"`) {
		t.Fatalf("stale sample after Reset:\n%s", got)
	}
}
